"""The funnel per channel × phase: one table on the funnel page, in the exports and in the tertaal monitor,
agreeing with the funnel per channel and with the funnel filtered to one channel and one phase."""
from __future__ import annotations

import io
from collections import defaultdict

from openpyxl import load_workbook

from tests.helpers import export_url, page_table, read_csv, report_login

QUERY = {"tertaal": "2026-T2"}
COUNTS = ("Nieuwe leads", "Toegewezen", "Contact gehad", "Adviesgesprek", "Vacature", "Geplaatst", "Vervallen")


def test_the_cells_of_a_channel_add_up_to_its_row_in_the_funnel_per_channel(client, app, factory,
                                                                            report_with_placements):
    report_login(client, factory, "campaign")
    cross = page_table(client, app, "reports.funnel_page", QUERY, "kanaal-fase")
    per_channel = page_table(client, app, "reports.funnel_page", {**QUERY, "group_by": "channel"}, "funnel-groepen")
    summed: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTS, 0))
    for row in cross.values[:-1]:  # the last row is the total
        cells = dict(zip(cross.header, row, strict=True))
        for label in COUNTS:
            summed[cells["Kanaal"]][label] += cells[label]
    assert len(cross.values) > len(summed), "some channel should come in through more than one phase"
    for channel, counts in summed.items():
        assert {label: per_channel.row(channel)[label] for label in COUNTS} == counts, channel
    total = dict(zip(cross.header, cross.values[-1], strict=True))
    assert total["Kanaal"] == "Totaal" and total["Nieuwe leads"] == per_channel.row("Totaal")["Nieuwe leads"] == 10


def test_a_cell_equals_the_funnel_filtered_to_that_channel_and_phase(client, app, factory, report_with_placements):
    report_login(client, factory, "campaign")
    cross = page_table(client, app, "reports.funnel_page", QUERY, "kanaal-fase")
    row = dict(zip(cross.header, cross.values[0], strict=True))
    codes = {"LinkedIn": "linkedin", "Dagblad": "dagblad"}
    phases = {"Lancering": "launch", "Livestream": "livestream", "Sectorfase techniek": "techniek",
              "Sectorfase zorg": "zorg"}
    steps = page_table(client, app, "reports.funnel_page",
                       {**QUERY, "channel": codes[row["Kanaal"]], "phase": phases[row["Fase"]]}, "funnel")
    assert steps.row("Nieuwe leads")["Aantal leads"] == row["Nieuwe leads"]
    assert steps.row("Geplaatst")["Aantal leads"] == row["Geplaatst"]
    assert steps.row("Contact gehad")["Aantal leads"] == row["Contact gehad"]


def test_the_cross_table_exports_as_shown_and_is_a_sheet_of_the_monitor(client, app, factory, report_with_placements):
    report_login(client, factory, "management")
    cross = page_table(client, app, "reports.funnel_page", QUERY, "kanaal-fase")
    rows = read_csv(client.get(export_url(app, "kanaal-fase", "csv", QUERY)).data)
    assert rows[0] == cross.header
    assert [row[:3] for row in rows[1:]] == [cells[:3] for cells in cross.cells]
    with app.test_request_context():
        from flask import url_for
        monitor = client.get(url_for("reports.tertaal_monitor", **QUERY)).data
    workbook = load_workbook(io.BytesIO(monitor))
    sheet = next(ws for ws in workbook.worksheets if ws.title.startswith("Funnel per kanaal en fase"))
    values = [[cell.value for cell in line] for line in sheet.iter_rows()]
    assert any(line[:2] == cross.cells[0][:2] for line in values)
