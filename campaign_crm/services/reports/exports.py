"""Report tables, and their exports: CSV as Dutch Excel reads it, XLSX, and the tertaal monitor workbook.

A report (a dict from `services.reports`) becomes one or more `Table`s here; the report pages
render those same tables and the exports write them, so a download always equals what the page
shows. Cells hold the numbers themselves (an int, a rate as a fraction, or "< 5" where privacy
suppressed a small count); formatting is the page's and the spreadsheet's business. In a download
a suppressed count is an empty cell with a note, never text in a number column; a rate is a
percentage (a %-formatted number in XLSX, "98,7" in CSV).
Text that a spreadsheet would run as a formula is neutralised in CSV and XLSX alike.
"""
from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.comments import Comment
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from ...models.leads import STAGE_LABELS, STAGES
from ..calendar import long_date
from ..spreadsheets import dutch_csv, safe_cell

FUNNEL_STAGES = STAGES[1:]  # assigned … placed; "new" is the cohort itself
KINDS = ("text", "count", "rate", "days", "number", "euro", "date", "datetime")
# [$-413]: Dutch month names in any Excel (`3 december 2026`), still a date cell.
XLSX_FORMATS = {"count": "#,##0", "rate": "0.0%", "days": "0.0", "number": "#,##0.0", "euro": "[$€-413] #,##0.00",
                "date": "[$-413]d mmmm yyyy",
                "datetime": "[$-413]d mmmm yyyy hh:mm"}  # a datetime cell holds Dutch local time, without zone
XLSX_MIME = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MIME = "text/csv; charset=utf-8"
SHEET_NAME_MAX = 31  # Excel's limit
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
SUPPRESSED_NOTE = ("Lege cellen in een getalkolom: 1 tot 4 personen. Zulke kleine aantallen blijven verborgen, "
                   "omdat ze naar een persoon kunnen wijzen.")


@dataclass(frozen=True)
class Column:
    label: str
    kind: str = "count"  # one of KINDS; tells the page and the spreadsheet how to show the value

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}")


@dataclass
class Table:
    """A titled table: the first column names the row; `total` (if any) is the last row, set apart."""

    name: str  # a short slug for file names: "funnel-kanaal"
    title: str  # the caption on the page
    columns: list[Column]
    rows: list[list[Any]] = field(default_factory=list)
    total: list[Any] | None = None
    note: str = ""
    sheet: str = ""  # the sheet name in a workbook (at most 31 characters); empty: the title, shortened by words

    def __post_init__(self) -> None:
        if len(self.sheet) > SHEET_NAME_MAX or SHEET_NAME_FORBIDDEN.search(self.sheet):
            raise ValueError(f"sheet name {self.sheet!r}: at most {SHEET_NAME_MAX} characters, none of []:*?/\\")

    @property
    def all_rows(self) -> list[list[Any]]:
        return [*self.rows, self.total] if self.total is not None else list(self.rows)

    def column(self, label: str) -> list[Any]:
        """The values of one column, total row included (for tests and summaries)."""
        index = [c.label for c in self.columns].index(label)
        return [row[index] for row in self.all_rows]

    @property
    def has_suppressed(self) -> bool:
        """Whether privacy left text (such as "< 5") in a number column: the download shows those cells empty."""
        return any(_suppressed(value, column) for row in self.all_rows
                   for value, column in zip(row, self.columns, strict=True))


def _suppressed(value: Any, column: Column) -> bool:
    return column.kind != "text" and isinstance(value, str)


# --- the export registry ---------------------------------------------------------------------------
#
# Every table a report page offers for download, by its name in the URL
# (/rapportages/export/<name>.csv and .xlsx). A report module registers each of its tables once, when
# its view module is imported:
#
#     exports.register("kosten-per-kanaal", "reports.spend_page", lambda q: exports.Table(...))
#
# `page` is the endpoint of the report page that shows the table; `build` gets the request's report
# question (the blueprint's `Query`: filter, grouping, role) and returns the Table. The download route
# serves every registered name, and the tests open every registered export and check it (numbers in
# number columns, percentages formatted, sheet names), so a new export is checked as soon as it registers.


@dataclass(frozen=True)
class RegisteredExport:
    name: str
    page: str
    build: Callable[[Any], Table]


REGISTRY: dict[str, RegisteredExport] = {}


def register(name: str, page: str, build: Callable[[Any], Table]) -> None:
    """Offer a report table for download as /rapportages/export/<name>.csv and .xlsx."""
    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", name):
        raise ValueError(f"export name {name!r}: lower-case words joined by hyphens")
    if name in REGISTRY and REGISTRY[name].page != page:
        raise ValueError(f"export {name!r} is already registered for {REGISTRY[name].page}")
    REGISTRY[name] = RegisteredExport(name, page, build)


# --- tables from reports ----------------------------------------------------------------------------

GROUP_LABELS = {None: "Totaal", "channel": "Kanaal", "phase": "Fase", "sector": "Sector",
                "municipality": "Gemeente", "partner": "Partner", "team": "Team", "advisor": "Adviseur"}


def funnel_steps_table(report: dict) -> Table:
    """The cohort funnel in total: per stage how many leads reached it, of all and of the stage before."""
    total = report["total"]
    rows = [["Nieuwe leads", total["created"], None, None]]
    for stage in FUNNEL_STAGES:
        cell = total["stages"][stage]
        rows.append([STAGE_LABELS[stage], cell["count"], cell["rate"], cell["step_rate"]])
    return Table("funnel", "Funnel: leads per bereikte fase",
                 [Column("Fase", "text"), Column("Aantal leads"), Column("% van nieuwe leads", "rate"),
                  Column("% van vorige fase", "rate")], rows, sheet="Funnel")


def funnel_groups_table(report: dict) -> Table:
    """The funnel per group (channel, phase, …): per stage the count and the share of the group's leads."""
    group_by = report.get("group_by")
    touch = "laatste contactmoment vóór het gesprek" if report.get("touch") == "last" else "eerste contactmoment"
    columns = [Column(GROUP_LABELS.get(group_by, "Groep"), "text"), Column("Nieuwe leads")]
    for stage in FUNNEL_STAGES:
        columns += [Column(STAGE_LABELS[stage]), Column(f"% {STAGE_LABELS[stage].lower()}", "rate")]
    columns.append(Column("Vervallen"))

    def row(item: dict) -> list[Any]:
        cells: list[Any] = [item["label"], item["created"]]
        for stage in FUNNEL_STAGES:
            cells += [item["stages"][stage]["count"], item["stages"][stage]["rate"]]
        return [*cells, item["lost"]]

    title = f"Funnel per {GROUP_LABELS.get(group_by, 'groep').lower()}" if group_by else "Funnel in totaal"
    table = Table(f"funnel-{group_by or 'totaal'}", title, columns,
                  [row(item) for item in report["rows"]] if group_by else [], row(report["total"]), sheet=title)
    if group_by in ("channel", "phase"):
        table.note = f"Kanaal en fase volgens het {touch}."
    return table


def funnel_cross_table(report: dict) -> Table:
    """The funnel per channel × phase (a report made with group_by="channel", split_by="phase"):
    one row per combination that has leads, with per stage the count and the share of its leads."""
    columns = [Column("Kanaal", "text"), Column("Fase", "text"), Column("Nieuwe leads")]
    for stage in FUNNEL_STAGES:
        columns += [Column(STAGE_LABELS[stage]), Column(f"% {STAGE_LABELS[stage].lower()}", "rate")]
    columns.append(Column("Vervallen"))

    def row(channel: str, item: dict) -> list[Any]:
        cells: list[Any] = [channel, item["label"], item["created"]]
        for stage in FUNNEL_STAGES:
            cells += [item["stages"][stage]["count"], item["stages"][stage]["rate"]]
        return [*cells, item["lost"]]

    total = report["total"]
    rows = [row(channel["label"], part) for channel in report["rows"] for part in channel.get("split", [])]
    table = Table("funnel-kanaal-fase", "Funnel per kanaal en fase", columns, rows,
                  row("Totaal", {**total, "label": "Alle fasen"}), sheet="Funnel per kanaal en fase")
    touch = "laatste contactmoment vóór het gesprek" if report.get("touch") == "last" else "eerste contactmoment"
    table.note = f"Kanaal en fase volgens het {touch}."
    return table


def touch_comparison_table(first: dict, last: dict) -> Table:
    """Per channel (or phase): leads and placements counted by first touch next to last touch before the meeting."""
    group_by = first.get("group_by")
    what = GROUP_LABELS.get(group_by, "Groep")
    by_first = {row["group"]: row for row in first["rows"]}
    by_last = {row["group"]: row for row in last["rows"]}
    keys = [*by_first, *(key for key in by_last if key not in by_first)]

    def cells(row: dict | None) -> list[Any]:
        if row is None:  # a group that only one way of attributing has
            return [0, 0, 0]
        return [row["created"], row["stages"]["meeting"]["count"], row["stages"]["placed"]["count"]]

    rows = [[(by_first.get(key) or by_last[key])["label"], *cells(by_first.get(key)), *cells(by_last.get(key))]
            for key in keys]
    return Table(f"toerekening-{GROUP_LABELS.get(group_by, 'groep').lower()}",
                 f"{what}: eerste contactmoment naast laatste vóór het gesprek",
                 [Column(what, "text"), Column("Leads (eerste)"), Column("Gesprekken (eerste)"),
                  Column("Geplaatst (eerste)"), Column("Leads (laatste)"), Column("Gesprekken (laatste)"),
                  Column("Geplaatst (laatste)")], rows, sheet=f"Toerekening per {what.lower()}")


def first_contact_table(report: dict, group_by: str | None) -> Table:
    """Working days from new lead to first contact (median, p90) and how often the SLA was met."""
    columns = [Column(GROUP_LABELS.get(group_by, "Groep"), "text"), Column("Nieuwe leads"),
               Column("Met contact"), Column("Mediaan werkdagen", "days"), Column("p90 werkdagen", "days"),
               Column("SLA verstreken of gehaald"), Column("SLA gehaald"), Column("% SLA gehaald", "rate")]

    def row(item: dict) -> list[Any]:
        return [item["label"], item["created"], item["contacted"], item["median_days"], item["p90_days"],
                item.get("sla_decided"), item["sla_met"], item["sla_met_rate"]]

    what = GROUP_LABELS.get(group_by, "groep").lower()
    return Table(f"eerste-contact-{group_by or 'totaal'}",
                 f"Tijd tot eerste contact per {what}" if group_by else "Tijd tot eerste contact", columns,
                 [row(item) for item in report["rows"]] if group_by else [], row(report["total"]),
                 note="% SLA gehaald: van de leads waarvan de SLA-termijn verstreken is of die op tijd contact hadden.",
                 sheet=f"Eerste contact per {what}" if group_by else "Eerste contact")


REGIONAL_TARGET_NOTE = "De doelstelling geldt voor de hele regio"


def lks_months_table(report: dict, narrowed_by: Sequence[str] = ()) -> Table:
    """Active LKS jobs per month end, started and ended in the month, and the target line.

    The target is the region's: with a filter that narrows the placements (`narrowed_by`, the
    filters in words) the target line is left out, and the note says why.
    """
    target = (f"{report['target']['value']:,} actieve LKS-banen op "
              f"{long_date(date.fromisoformat(report['target']['date']))}").replace(",", ".")
    columns = [Column("Maandeinde", "date"), Column("Actief"), Column("Gestart in de maand"),
               Column("Beëindigd in de maand")]
    if narrowed_by:
        rows = [[date.fromisoformat(m["month_end"]), m["active"], m["started"], m["ended"]] for m in report["months"]]
        note = (f"{REGIONAL_TARGET_NOTE} ({target}); met het filter {' en '.join(narrowed_by)} "
                "staat de doellijn er daarom niet bij.")
    else:
        rows = [[date.fromisoformat(m["month_end"]), m["active"], m["started"], m["ended"], m["target_line"]]
                for m in report["months"]]
        columns.append(Column("Doellijn", "number"))
        note = f"Doel: {target}."
    return Table("lks-banen", "Actieve LKS-banen per maandeinde", columns, rows, note=note,
                 sheet="LKS-banen per maandeinde")


def net_growth_table(growth: list[dict]) -> Table:
    """Per tertaal: LKS jobs active the day before it began and on its last day, and the difference."""
    rows = [[g["period"], date.fromisoformat(g["from"]), date.fromisoformat(g["to"]), g["active_start"],
             g["active_end"], g["net"]] for g in growth]
    hidden = any(g["net"] is None and (isinstance(g["active_start"], str) or isinstance(g["active_end"], str))
                 for g in growth)
    return Table("netto-groei", "Netto groei van LKS-banen per tertaal",
                 [Column("Tertaal", "text"), Column("Van", "date"), Column("Tot en met", "date"),
                  Column("Actief bij begin"), Column("Actief aan eind"), Column("Netto groei")], rows,
                 note="De netto groei blijft leeg als een van beide standen minder dan 5 banen telt." if hidden else "",
                 sheet="Netto groei per tertaal")


def cohort_label(cohort: str) -> str:
    """"2026Q2" → "K2 2026"; anything else unchanged."""
    match = re.fullmatch(r"(\d{4})Q([1-4])", cohort or "")
    return f"K{match.group(2)} {match.group(1)}" if match else cohort


# Kaplan–Meier S(91), S(182), S(365) in words: roughly 3, 6 and 12 months after the start.
RETENTION_COLUMNS = {
    "s91": "Nog aan het werk na 3 maanden (%)", "s182": "Nog aan het werk na 6 maanden (%)",
    "s365": "Nog aan het werk na 12 maanden (%)", "first_year_dropout": "Uitgevallen in het eerste jaar (%)",
}


def retention_table(report: dict, *, by: str = "quarter", labels: dict[str, str] | None = None) -> Table:
    """Kaplan–Meier survival per cohort: still working after 3, 6 and 12 months (S(91), S(182), S(365)),
    and first-year dropout."""
    labels = labels or {}
    first = "Startkwartaal" if by == "quarter" else "Instrument"

    def row(item: dict, label: str) -> list[Any]:
        return [label, item["n"], item["ended"], item["s91"], item["s182"], item["s365"],
                item.get("first_year_dropout")]

    rows = [row(c, labels.get(c["cohort"]) or c.get("label") or cohort_label(c["cohort"])) for c in report["cohorts"]]
    name, title = (("behoud-kwartaal", "Baanbehoud per startkwartaal") if by == "quarter"
                   else ("behoud-instrument", "Baanbehoud per instrument"))
    return Table(name, title,
                 [Column(first, "text"), Column("Plaatsingen"), Column("Beëindigd"),
                  *(Column(label, "rate") for label in RETENTION_COLUMNS.values())],
                 rows, row(report["all"], "Alle"),
                 note=("Geschat met Kaplan–Meier: na 3, 6 en 12 maanden = na 91, 182 en 365 dagen; lopende plaatsingen "
                       f"tellen mee tot de peildatum {long_date(date.fromisoformat(report['as_of']))}."),
                 sheet=title)


def end_summary_table(report: dict, period_label: str) -> Table:
    """Placements ended in the period: how many, how many within their first year, influenceable or not."""
    return Table("einden", "Beëindigde plaatsingen",
                 [Column("Periode", "text"), Column("Beëindigd"), Column("Binnen het eerste jaar"),
                  Column("% binnen het eerste jaar", "rate"), Column("Beïnvloedbare reden"),
                  Column("Niet-beïnvloedbare reden")],
                 [[period_label, report["ended"], report["within_first_year"], report["within_first_year_share"],
                   report["influenceable"], report["not_influenceable"]]], sheet="Beëindigde plaatsingen")


def end_how_table(report: dict) -> Table:
    """Placements ended in the period, per way of ending (the reference table's Dutch names)."""
    return Table("einde-hoe", "Hoe plaatsingen eindigden",
                 [Column("Hoe", "text"), Column("Aantal")],
                 [[item["label"], item["count"]] for item in report["how"]], sheet="Hoe plaatsingen eindigden")


def end_why_table(report: dict) -> Table:
    """Placements ended in the period, per reason, with whether better guidance could have kept the job."""
    return Table("einde-waarom", "Waarom plaatsingen eindigden",
                 [Column("Waarom", "text"), Column("Beïnvloedbaar", "text"), Column("Aantal")],
                 [[item["label"], {True: "ja", False: "nee"}.get(item["influenceable"], "onbekend"), item["count"]]
                  for item in report["why"]], sheet="Waarom plaatsingen eindigden")


# --- writing ----------------------------------------------------------------------------------------

def _decimal_comma(value: float, places: int = 10) -> str:
    return f"{value:.{places}f}".rstrip("0").rstrip(".").replace(".", ",")


def _csv_value(value: Any, kind: str) -> Any:
    """A cell as Dutch Excel reads it: decimal comma, a rate as a percentage ("98,7"), dates written out
    (`3 december 2026`, which Dutch Excel reads as a date), a suppressed count empty; text is neutralised
    by `dutch_csv`."""
    if isinstance(value, bool):
        return "ja" if value else "nee"
    if kind != "text" and isinstance(value, str):
        return ""
    if kind == "rate" and isinstance(value, int | float):
        return _decimal_comma(value * 100, 1)
    if kind == "euro" and isinstance(value, int | float):
        return f"{value:.2f}".replace(".", ",")
    if isinstance(value, float):
        return _decimal_comma(value)
    if isinstance(value, datetime):
        return f"{long_date(value.date())} {value:%H:%M}"
    if isinstance(value, date):
        return long_date(value)
    return value


def csv_header(column: Column) -> str:
    """A column's heading in CSV: a percentage column says so, since its numbers carry no % sign."""
    return column.label if column.kind != "rate" or "%" in column.label else f"{column.label} (%)"


def table_csv(table: Table) -> bytes:
    """One table as CSV for Dutch Excel: `;`, decimal comma, UTF-8 with BOM, formulas neutralised.

    When privacy emptied cells, the explanation follows the table after one empty line."""
    kinds = [c.kind for c in table.columns]
    rows: list[list[Any]] = [[_csv_value(v, k) for v, k in zip(row, kinds, strict=True)] for row in table.all_rows]
    if table.has_suppressed:
        rows += [[], [f"Toelichting: {SUPPRESSED_NOTE}"]]
    return dutch_csv([csv_header(c) for c in table.columns], rows)


def _xlsx_text(value: Any) -> str:
    # openpyxl refuses control characters; safe_cell then stops a leading = + - @ from becoming a formula.
    return safe_cell(ILLEGAL_CHARACTERS_RE.sub("", str(value)))


def _shortened(title: str, limit: int = SHEET_NAME_MAX) -> str:
    """The title without the characters Excel refuses in a sheet name, cut after a whole word within `limit`."""
    text = re.sub(r"\s+", " ", SHEET_NAME_FORBIDDEN.sub(" ", title)).strip()
    if len(text) <= limit:
        return text
    cut = text[:limit + 1].rsplit(" ", 1)[0].rstrip(" -–,;")
    return cut if cut and len(cut) <= limit else text[:limit].strip()


def _sheet_title(title: str, taken: set[str]) -> str:
    base = _shortened(title) or "Tabel"
    name, n = base, 2
    while name.lower() in taken:
        suffix = f" ({n})"
        name, n = _shortened(base, SHEET_NAME_MAX - len(suffix)) + suffix, n + 1
    taken.add(name.lower())
    return name


def _write_sheet(sheet, table: Table) -> None:
    bold = Font(bold=True)
    sheet.append([_xlsx_text(c.label) for c in table.columns])
    for cell in sheet[1]:
        cell.font = bold
    for row in table.all_rows:
        values = []
        for value, column in zip(row, table.columns, strict=True):
            if _suppressed(value, column):
                values.append(None)  # a number column holds numbers only; the comment and the note say why
            elif value is None or isinstance(value, int | float | date) and not isinstance(value, bool):
                values.append(value)
            else:
                values.append(_xlsx_text("ja" if value is True else "nee" if value is False else value))
        sheet.append(values)
        for cell, column, value in zip(sheet[sheet.max_row], table.columns, row, strict=True):
            if column.kind in XLSX_FORMATS and not isinstance(cell.value, str):
                cell.number_format = XLSX_FORMATS[column.kind]
            if _suppressed(value, column):
                cell.comment = Comment("Minder dan 5 personen: verborgen.", "CRM")
            if cell.data_type == "f":  # never: every text went through safe_cell; a last guard
                cell.data_type = "s"
    if table.total is not None:
        for cell in sheet[sheet.max_row]:
            cell.font = bold
    sheet.freeze_panes = "B2"
    for index, column in enumerate(table.columns, start=1):
        longest = max([len(column.label)] + [len(str(row[index - 1] or "")) for row in table.all_rows])
        sheet.column_dimensions[get_column_letter(index)].width = min(max(10, longest + 2), 45)


def _about_sheet(sheet, about: Sequence[tuple[str, str]]) -> None:
    sheet.append(["Toelichting", ""])
    sheet["A1"].font = Font(bold=True)
    for key, value in about:
        sheet.append([_xlsx_text(key), _xlsx_text(value)])
    sheet.column_dimensions["A"].width = 28
    sheet.column_dimensions["B"].width = 80


def workbook_xlsx(tables: Iterable[Table], about: Sequence[tuple[str, str]] = ()) -> bytes:
    """Tables as one XLSX workbook, one sheet each (header in row 1), then a sheet with `about` lines."""
    book = Workbook()
    book.remove(book.active)
    taken: set[str] = set()
    tables = list(tables)
    for table in tables:
        _write_sheet(book.create_sheet(_sheet_title(table.sheet or table.title, taken)), table)
    about = [*about, *((table.title, table.note) for table in tables if table.note)]
    if any(table.has_suppressed for table in tables):
        about.append(("Lege cellen", SUPPRESSED_NOTE))
    if about:
        _about_sheet(book.create_sheet(_sheet_title("Toelichting", taken)), about)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def table_xlsx(table: Table, about: Sequence[tuple[str, str]] = ()) -> bytes:
    """One table as an XLSX workbook: the table on the first sheet, the explanation on the second."""
    return workbook_xlsx([table], about)


def tertaal_monitor_tables(*, funnel_by_channel: dict, funnel_by_phase: dict, lks: dict, growth: list[dict],
                           retention_quarters: dict, retention_instruments: dict, end_reasons: dict,
                           period_label: str, instrument_labels: dict[str, str] | None = None,
                           funnel_by_channel_and_phase: dict | None = None,
                           narrowed_by: Sequence[str] = ()) -> list[Table]:
    """The sheets of the tertaal monitor: funnel per channel and phase, LKS jobs, retention, end reasons."""
    tables = [
        funnel_groups_table(funnel_by_channel),
        funnel_groups_table(funnel_by_phase),
        lks_months_table(lks, narrowed_by),
        net_growth_table(growth),
        retention_table(retention_quarters, by="quarter"),
        retention_table(retention_instruments, by="instrument", labels=instrument_labels),
        end_summary_table(end_reasons, period_label),
        end_how_table(end_reasons),
        end_why_table(end_reasons),
    ]
    if funnel_by_channel_and_phase is not None:
        tables.insert(2, funnel_cross_table(funnel_by_channel_and_phase))
    return tables
