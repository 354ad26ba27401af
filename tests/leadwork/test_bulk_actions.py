"""The team queue's other actions on a selection: take, plan a next action, export. Each lead is judged on its own,
through the same service as one lead, and the page after says per lead what happened."""
from __future__ import annotations

import io
import re
from datetime import date, datetime, timedelta

import openpyxl
import pytest
from sqlalchemy import select

from campaign_crm.extensions import db
from campaign_crm.models import Activity, AuditEvent, Lead
from campaign_crm.services.calendar import AMSTERDAM, long_date, today
from tests.helpers import intake_lead, login, read_csv


def _outcomes(html: str) -> list[tuple[str, str]]:
    """(done|refused, the outcome text) per row of the outcome table."""
    return [(kind, re.sub(r"\s+", " ", text).strip())
            for kind, text in re.findall(r'<tr class="outcome-(done|refused)">.*?<td>([^<]*)</td>\s*</tr>', html,
                                         flags=re.S)]


@pytest.fixture
def selection(app, factory, desk, make_lead) -> dict[str, int]:
    """Two open leads of the desk's team, one closed, and one of another team (the team lead may not see it)."""
    first, second = make_lead("Eerste BV"), make_lead("Tweede BV")
    closed = make_lead("Dicht BV", stage="lost")
    stranger = factory.user("advisor", team_id=factory.team("Elders"), name="Sam Elders")
    with app.app_context():
        foreign = intake_lead("Elders BV", "info@elders.example", owner_id=stranger.id).id
        db.session.get(Lead, first).contact.phone = "+31101234567"
        db.session.commit()
    return {"first": first, "second": second, "closed": closed, "foreign": foreign}


def _ids(selection: dict[str, int]) -> list[str]:
    return [str(selection[key]) for key in ("first", "foreign", "closed", "second")]


def test_the_team_queue_offers_every_action_on_the_selection_and_selects_a_whole_page(client, desk, make_lead):
    lead_id = make_lead("Keuze BV")
    login(client, desk.boss)
    html = client.get("/leads/team").get_data(as_text=True)
    for action in ("/leads/team/bulk-oppakken", "/leads/team/bulk-actie", "/leads/team/bulk-exporteren"):
        assert f'formaction="{action}"' in html
    assert '<label for="bulk-next_action">Volgende actie</label>' in html and 'id="bulk-next_action_due"' in html
    assert f'id="select-lead-{lead_id}" form="bulk-assign">' in html  # not ticked
    everything = client.get("/leads/team?alles=1").get_data(as_text=True)
    assert f'id="select-lead-{lead_id}" form="bulk-assign" checked>' in everything
    assert "Selectie op deze pagina wissen" in everything


def test_a_team_lead_takes_a_selection_and_sees_per_lead_what_happened(app, client, desk, selection):
    login(client, desk.boss)
    response = client.post("/leads/team/bulk-oppakken", data={"lead_ids": _ids(selection), "next": "/leads/team"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert _outcomes(html) == [
        ("done", "opgepakt: de lead is nu van u"),
        ("refused", "geweigerd: deze lead bestaat niet of u heeft er geen toegang toe."),
        ("refused", "geweigerd: Een afgesloten lead kan niet worden toegewezen."),
        ("done", "opgepakt: de lead is nu van u"),
    ]
    assert "2 van 4 geselecteerde leads opgepakt; 2 geweigerd." in html and "Elders BV" not in html
    with app.app_context():
        owners = {key: db.session.get(Lead, lead_id).owner_id for key, lead_id in selection.items()}
        assert owners["first"] == owners["second"] == desk.boss.id
        assert owners["closed"] == desk.owner.id and owners["foreign"] != desk.boss.id
        taken = db.session.get(Lead, selection["first"]).assignments[-1]
        assert taken.kind == "manual" and "zelf opgepakt" in taken.reason and taken.actor_id == desk.boss.id


def test_the_campaign_team_cannot_take_leads_and_an_advisor_has_no_bulk_actions(client, factory, desk, selection):
    login(client, factory.user("campaign"))
    html = client.post("/leads/team/bulk-oppakken", data={"lead_ids": _ids(selection), "next": "/leads/team"},
                       follow_redirects=True).get_data(as_text=True)
    assert "Alleen wie zelf leads behandelt (adviseur of teamleider) kan leads oppakken." in html
    assert "/leads/team/bulk-oppakken" not in html  # no take button for someone who carries no leads
    with client.application.test_client() as advisor_client:
        login(advisor_client, desk.owner)
        for action in ("bulk-oppakken", "bulk-actie", "bulk-exporteren", "bulk-exporteren/bestand"):
            assert advisor_client.post(f"/leads/team/{action}", data={"lead_ids": _ids(selection)}).status_code == 403


def test_a_team_lead_plans_a_next_action_on_each_selected_lead(app, client, desk, selection):
    due = today() + timedelta(days=3)
    login(client, desk.boss)
    html = client.post("/leads/team/bulk-actie", data={
        "lead_ids": _ids(selection), "bulk-next_action": "Terugbellen over LKS",
        "bulk-next_action_due": due.isoformat(), "next": "/leads/team"}).get_data(as_text=True)
    assert _outcomes(html) == [
        ("done", "actie gepland: Terugbellen over LKS"),
        ("refused", "geweigerd: deze lead bestaat niet of u heeft er geen toegang toe."),
        ("refused", "geweigerd: Deze lead is afgesloten (Vervallen); er kan geen activiteit meer bij."),
        ("done", "actie gepland: Terugbellen over LKS"),
    ]
    with app.app_context():
        planned = db.session.scalars(select(Activity).where(Activity.next_action == "Terugbellen over LKS")).all()
        assert sorted(a.lead_id for a in planned) == sorted([selection["first"], selection["second"]])
        assert {(a.kind, a.next_action_due, a.next_action_status, a.actor_id) for a in planned} == {
            ("note", due, "open", desk.boss.id)}
    actions = client.get("/leads/mijn/acties").get_data(as_text=True)
    assert "Terugbellen over LKS" in actions and "Eerste BV" in actions and "Tweede BV" in actions
    assert "Dicht BV" not in actions


def test_a_next_action_without_a_text_or_in_the_past_is_refused_before_any_lead_is_touched(app, client, desk,
                                                                                            selection):
    login(client, desk.boss)
    html = client.post("/leads/team/bulk-actie", data={
        "lead_ids": _ids(selection), "bulk-next_action": " ", "bulk-next_action_due": "2020-01-01",
        "next": "/leads/team"}, follow_redirects=True).get_data(as_text=True)
    assert "Volgende actie: Beschrijf de volgende actie." in html and "Uiterlijk op: Ligt in het verleden." in html
    html = client.post("/leads/team/bulk-actie", data={
        "lead_ids": _ids(selection), "bulk-next_action": "Bellen", "bulk-next_action_due": "31-02-2027",
        "next": "/leads/team"}, follow_redirects=True).get_data(as_text=True)
    assert "Uiterlijk op: Ongeldige datum." in html
    with app.app_context():
        assert db.session.scalar(select(Activity.id).where(Activity.next_action != "")) is None


def test_a_team_lead_exports_a_selection_as_dutch_csv_and_xlsx_and_the_reads_are_logged(app, client, desk,
                                                                                        selection):
    login(client, desk.boss)
    preview = client.post("/leads/team/bulk-exporteren", data={"lead_ids": _ids(selection),
                                                                "next": "/leads/team"}).get_data(as_text=True)
    assert _outcomes(preview) == [
        ("done", "kan mee in het bestand"),
        ("refused", "geweigerd: deze lead bestaat niet of u heeft er geen toegang toe."),
        ("done", "kan mee in het bestand"),  # a closed lead is still the team's: it may be exported
        ("done", "kan mee in het bestand"),
    ]
    assert "3 van 4 geselecteerde leads kunnen mee in het bestand; 1 geweigerd." in preview
    offered = re.findall(r'<input type="hidden" name="lead_ids" value="(\d+)">', preview)
    assert offered == [str(selection[key]) for key in ("first", "closed", "second")]
    with app.app_context():
        assert db.session.scalar(select(AuditEvent.id).where(AuditEvent.action == "read")) is None  # nothing read yet

    response = client.post("/leads/team/bulk-exporteren/bestand", data={"lead_ids": _ids(selection), "formaat": "csv"})
    assert response.mimetype == "text/csv" and "attachment" in response.headers["Content-Disposition"]
    rows = read_csv(response.data)
    assert rows[0][:3] == ["Lead", "Werkgever", "Gemeente"] and "Binnengekomen" in rows[0]
    by_lead = {row[0]: dict(zip(rows[0], row, strict=True)) for row in rows[1:]}
    assert set(by_lead) == {str(selection[key]) for key in ("first", "closed", "second")}
    with app.app_context():
        first = db.session.get(Lead, selection["first"])
        created = first.created_at.astimezone(AMSTERDAM).date()
        contact_ids = {db.session.get(Lead, selection[key]).contact_id for key in ("first", "closed", "second")}
    row = by_lead[str(selection["first"])]
    assert row["Werkgever"] == "Eerste BV" and row["Stand"] == "Toegewezen" and row["Adviseur"] == "Olga Eigenaar"
    assert row["Binnengekomen"] == long_date(created)
    assert re.fullmatch(r"\d{1,2} [a-z]+ \d{4}", row["Eerste contact vóór"])
    assert row["Telefoon"] == "010 123 4567" and row["E-mail"].endswith(".example")
    assert by_lead[str(selection["closed"])]["Stand"] == "Vervallen"

    workbook = client.post("/leads/team/bulk-exporteren/bestand", data={"lead_ids": _ids(selection),
                                                                        "formaat": "xlsx"})
    sheet = openpyxl.load_workbook(io.BytesIO(workbook.data)).active
    header = [cell.value for cell in sheet[1]]
    created_cell = sheet.cell(row=2, column=header.index("Binnengekomen") + 1)
    assert isinstance(created_cell.value, datetime | date) and "mmmm" in created_cell.number_format
    assert sheet.max_row == 4

    with app.app_context():
        reads = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "read",
                                                            AuditEvent.object_type == "contacts")).all()
        assert {event.object_id for event in reads} == contact_ids and len(reads) == 2 * len(contact_ids)
        assert {event.actor_id for event in reads} == {desk.boss.id}


def test_more_than_two_hundred_leads_are_refused_for_every_action(app, client, desk, selection):
    login(client, desk.boss)
    too_many = [str(selection["first"])] + [str(n) for n in range(500_000, 500_200)]
    for action, extra in (("bulk-oppakken", {}), ("bulk-exporteren", {}),
                          ("bulk-actie", {"bulk-next_action": "Bellen",
                                          "bulk-next_action_due": (today() + timedelta(days=1)).isoformat()})):
        html = client.post(f"/leads/team/{action}", data={"lead_ids": too_many, "next": "/leads/team", **extra},
                           follow_redirects=True).get_data(as_text=True)
        assert "Selectie: Selecteer ten hoogste 200 leads per keer; u selecteerde er 201." in html, action
    html = client.post("/leads/team/bulk-oppakken", data={"next": "/leads/team"},
                       follow_redirects=True).get_data(as_text=True)
    assert "Selectie: Selecteer ten minste één lead." in html
    with app.app_context():
        assert db.session.get(Lead, selection["first"]).owner_id == desk.owner.id
