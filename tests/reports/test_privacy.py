"""Management sees numbers only: no name, e-mail address or phone number of anyone in the region appears on
any report page or in any export, and small placement counts show as "< 5" everywhere."""
from __future__ import annotations

import io
import zipfile
from html import unescape

import pytest

from campaign_crm.services.reports.filters import GROUP_BYS
from tests.helpers import REPORT_CONTACTS, REPORT_PLACEMENTS, page_table, report_login

ADVISORS = [("Anna Smit", "anna@test.example"), ("Bram Kok", "bram@test.example")]
TABLES = ("funnel", "funnel-groepen", "toerekening", "eerste-contact", "lks-banen", "netto-groei", "behoud-kwartaal",
          "behoud-instrument", "einden", "einde-hoe", "einde-waarom")


def personal_details() -> list[str]:
    """Every name, e-mail address and phone number (in the ways it could be written) of the fixture."""
    out = []
    for name, email, phone in REPORT_CONTACTS:
        out += [name, email, phone, "0" + phone[3:], phone[3:]]
        out += [part for part in name.split() if len(part) > 4]  # "Vermeulen-de", "Pieter", "Zwanenburg", …
    for name, email in ADVISORS:
        out += [name, email, email.split("@")[0].capitalize() + " "]
    out += [f"KLANT-{n:05d}" for n in range(1, len(REPORT_PLACEMENTS) + 1)]  # candidate references
    out += [f"REF{n:04d}" for n in range(1, len(REPORT_PLACEMENTS) + 1)]
    return out


def every_report_url() -> list[str]:
    """Every report page with every grouping and both touches, every table export, and the monitor."""
    base = "tertaal=2026-T2&as_of=2026-11-01"
    urls = [f"/rapportages/?{base}", f"/rapportages/lks-banen?{base}", f"/rapportages/baanbehoud?{base}"]
    for group_by in GROUP_BYS:
        for touch in ("first", "last"):
            query = f"{base}&group_by={group_by}&touch={touch}"
            urls.append(f"/rapportages/funnel?{query}")
            urls += [f"/rapportages/export/{name}.{fmt}?{query}" for name in TABLES for fmt in ("csv", "xlsx")]
    urls.append(f"/rapportages/tertaalmonitor.xlsx?{base}")
    return urls


def readable_text(response) -> str:
    """The text a person could read in the response: HTML and CSV as is, an XLSX's every XML part."""
    if response.mimetype.endswith("spreadsheetml.sheet"):
        with zipfile.ZipFile(io.BytesIO(response.data)) as book:
            return "\n".join(book.read(name).decode("utf-8") for name in book.namelist() if name.endswith(".xml"))
    return unescape(response.data.decode("utf-8-sig"))


def test_management_finds_no_personal_detail_on_any_report_page_or_export(client, factory, report_with_placements):
    report_login(client, factory, "management")
    details = personal_details()
    for url in every_report_url():
        response = client.get(url)
        assert response.status_code == 200, url
        text = readable_text(response)
        found = [detail for detail in details if detail.lower() in text.lower()]
        assert not found, f"{url} shows {found}"


def test_the_campaign_team_does_see_advisor_names_so_the_check_above_can_fail(client, factory,
                                                                               report_with_placements):
    report_login(client, factory, "campaign")
    html = client.get("/rapportages/funnel?tertaal=2026-T2&group_by=advisor").get_data(as_text=True)
    assert "Anna Smit" in html and "Bram Kok" in html


def test_management_sees_advisors_by_number(client, app, factory, report_with_placements):
    report_login(client, factory, "management")
    table = page_table(client, app, "reports.funnel_page", {"tertaal": "2026-T2", "group_by": "advisor"},
                       "funnel-groepen")
    anna, bram = report_with_placements.advisors["anna"], report_with_placements.advisors["bram"]
    assert set(table.column("Adviseur")) == {f"Adviseur {anna}", f"Adviseur {bram}", "Onbekend", "Totaal"}


@pytest.mark.parametrize(("role", "shown"), [("management", "< 5"), ("campaign", 4)])
def test_small_end_reason_counts_show_as_fewer_than_five_for_management_only(client, app, factory,
                                                                            report_with_placements, role, shown):
    report_login(client, factory, role)
    query = {"tertaal": "2026-T2", "as_of": "2026-11-01"}
    ends = page_table(client, app, "reports.retention_page", query, "einden")
    assert ends.row("T2 2026")["Beëindigd"] == shown  # four placements ended in May–Aug
    why = page_table(client, app, "reports.retention_page", query, "einde-waarom")
    counts = set(why.column("Aantal"))
    assert counts == ({"< 5"} if role == "management" else {1})
    csv_text = client.get("/rapportages/export/einde-waarom.csv?tertaal=2026-T2").data.decode("utf-8-sig")
    assert "< 5" not in csv_text  # a hidden count is an empty cell, explained below the table
    assert ("Toelichting: Lege cellen" in csv_text) == (role == "management")


def test_small_retention_cohorts_hide_their_survival_from_management(client, app, factory, report_with_placements):
    report_login(client, factory, "management")
    table = page_table(client, app, "reports.retention_page", {"as_of": "2026-11-01"}, "behoud-kwartaal")
    small = table.row("K3 2025")  # two placements
    assert small["Plaatsingen"] == "< 5" and small["Nog aan het werk na 3 maanden (%)"] == "< 5"
    assert table.row("Alle")["Plaatsingen"] == 13
