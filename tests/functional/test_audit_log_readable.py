"""The audit log reads as Dutch: actions, fields and codes in words, people and records by name with links;
it filters by person, record and date range, keeps reads apart from changes, downloads (a download is
itself logged as a read), and shows unusual access: heavy readers and reads outside one's team or partner."""
from __future__ import annotations

import ast
import io
import re
from datetime import UTC, datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import inspect, select

import campaign_crm
from campaign_crm.extensions import db
from campaign_crm.models import (
    ROLES,
    STAGES,
    AuditEvent,
    Contact,
    EndHow,
    EndWhy,
    Instrument,
    Lead,
    LostReason,
    Placement,
    Setting,
    User,
)
from campaign_crm.services import audit
from campaign_crm.services import settings as app_settings
from campaign_crm.services.employers.records import ContactChanges, update_contact
from campaign_crm.services.leads import lifecycle
from campaign_crm.services.placements import records as placement_service
from campaign_crm.services.privacy import audit_log
from tests.helpers import audit_count, intake_lead, login, placement_input, read_csv


class _Text(HTMLParser):
    """The text a person sees in the page's main content (no tags, attributes, scripts or styles)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._inside = 0
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag == "main":
            self._inside += 1
        if tag in ("script", "style"):
            self._skip += 1

    def handle_endtag(self, tag):
        if tag == "main":
            self._inside -= 1
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data):
        if self._inside and not self._skip:
            self.parts.append(data)


def visible_text(html: str) -> str:
    parser = _Text()
    parser.feed(html)
    return " ".join(" ".join(parser.parts).split())


def log_rows(html: str) -> str:
    """The text of the log table's body only (not the filter's option lists)."""
    return visible_text("<main>" + html.split('id="logboek"', 1)[1].split("</table>", 1)[0] + "</main>")


@pytest.fixture
def region(app, factory, campaign):
    """An admin and two advisors of two partners and teams; a lead with a contact and a placement, and the
    entries a day's work leaves: a stage change, an activity, a contact edit, a read, a placement ended with
    end_how and end_why, a settings change."""
    uwv, gemeente = factory.partner("UWV Rijnmond", kind="uwv"), factory.partner("Gemeente Schiedam")
    noord, zuid = factory.team("Team Noord"), factory.team("Team Zuid")
    admin = factory.user("admin", name="Beheerder Bea")
    anna = factory.user("advisor", name="Anna de Vries", partner_id=uwv, team_id=noord)
    bram = factory.user("advisor", name="Bram Bakker", partner_id=gemeente, team_id=zuid)
    with app.app_context():
        anna_user, admin_user = db.session.get(User, anna.id), db.session.get(User, admin.id)
        lead = intake_lead("Bakkerij Jansen", "jan@bakkerij-jansen.nl", contact_name="Jan Jansen",
                           owner_id=anna.id, stage="contacted")
        db.session.flush()
        lifecycle.change_stage(lead, "meeting", actor=anna_user)
        placement = placement_service.create_placement(lead, placement_input(), actor=anna_user)
        placement_service.end_placement(placement, end_date=placement.start_date, end_how="mutual_agreement",
                                        end_why="health", actor=anna_user)
        contact = db.session.get(Contact, lead.contact_id)
        update_contact(contact, ContactChanges(name="Jan Jansen", function="Eigenaar", email=contact.email,
                                               phone="010-1234567", opted_out=True), actor=anna_user)
        audit.record_read(anna_user, contact)
        app_settings.update_settings({"sla_working_days": "3"}, actor=admin_user)
        db.session.commit()
        return {"admin": admin, "anna": anna, "bram": bram, "lead": lead.id, "placement": placement.id,
                "contact": contact.id, "noord": noord, "zuid": zuid, "employer": lead.employer_id}


def _codes(app) -> set[str]:
    """Internal codes a reader must never meet: reference-table codes, stages, roles, model field names."""
    with app.app_context():
        codes = {*db.session.scalars(select(EndHow.code)), *db.session.scalars(select(EndWhy.code)),
                 *db.session.scalars(select(Instrument.code)), *db.session.scalars(select(LostReason.code)),
                 *db.session.scalars(select(Setting.key)), *STAGES, *ROLES}
        labels = {*db.session.scalars(select(EndHow.name)), *db.session.scalars(select(EndWhy.name))}
        for model in (Placement, Contact, Lead, User):
            codes |= {column.key for column in inspect(model).columns if "_" in column.key}
    codes |= {"email", "phone", "function", "stage", "changes", "fields", "end_how", "end_why"}
    codes -= {"other"}  # an English word that is also Dutch text nowhere on the page; kept in the check below
    return {code for code in codes if code.lower() not in {label.lower() for label in labels}}


def test_the_log_shows_actions_fields_and_codes_in_dutch_words(app, client, region):
    login(client, region["admin"])
    html = client.get("/beheer/logboek").get_data(as_text=True)
    rows = log_rows(html)
    for expected in ("Fase: Contact gehad → Adviesgesprek", "Plaatsing beëindigd",
                     "Hoe beëindigd: Met wederzijds goedvinden", "Waarom beëindigd: Gezondheid",
                     "Contactpersoon gewijzigd", "Afgemeld: nee → ja", "Gewijzigd: Functie, Telefoonnummer",
                     "Ingezien", "Instellingen gewijzigd", "Anna de Vries", "Beheerder Bea",
                     "Lead " + str(region["lead"]) + " · Bakkerij Jansen"):
        assert expected in rows, expected
    assert re.search(r"Instellingen gewijzigd .*?: 2 → 3", rows), "a setting by its own label, old → new"
    text = visible_text(html)
    leaked = sorted(code for code in _codes(app) if re.search(rf"(?<![\w-]){re.escape(code)}(?![\w-])", text))
    assert leaked == [], f"internal codes or field names on the page: {leaked}"
    assert not re.search(r"\b[a-z]+_[a-z_]+\s*:", text), "no raw key: value text"
    assert "Gebruiker #" not in text and "#" + str(region["placement"]) not in text


def test_people_and_records_are_named_and_linked_to_their_pages(app, client, region):
    login(client, region["admin"])
    html = client.get("/beheer/logboek").get_data(as_text=True)
    assert f'<a href="/beheer/gebruikers/{region["anna"].id}">Anna de Vries</a>' in html
    assert f'href="/plaatsingen/{region["placement"]}"' in html
    assert f'href="/leads/{region["lead"]}"' in html
    assert f'href="/werkgevers/contactpersonen/{region["contact"]}"' in html
    assert "Jan Jansen" not in log_rows(html), "a contact is named by employer, not by name: no second copy"


def test_the_filters_by_person_record_and_date_range_work(app, client, region):
    login(client, region["admin"])
    with app.app_context():
        db.session.add(AuditEvent(actor_id=region["bram"].id, action="read", object_type="contacts",
                                  object_id=region["contact"], at=datetime(2026, 3, 3, 9, 0, tzinfo=UTC),
                                  outcome="ok", detail={}))
        db.session.commit()
    by_person = log_rows(client.get(f"/beheer/logboek?actor={region['bram'].id}").get_data(as_text=True))
    assert "Bram Bakker" in by_person and "Anna de Vries" not in by_person and "1 regel" in by_person

    by_record = client.get(f"/beheer/logboek?object_type=placements&object_id={region['placement']}").get_data(
        as_text=True)
    rows = log_rows(by_record)
    assert "Plaatsing geregistreerd" in rows and "Plaatsing beëindigd" in rows
    assert "Contactpersoon gewijzigd" not in rows and "Instellingen gewijzigd" not in rows

    in_march = log_rows(client.get("/beheer/logboek?from=2026-03-01&to=2026-03-31").get_data(as_text=True))
    assert "1 regel" in in_march and "3 maart 2026" in in_march
    after = log_rows(client.get("/beheer/logboek?from=2026-03-04").get_data(as_text=True))
    assert "3 maart 2026" not in after and "Plaatsing beëindigd" in after


def test_reads_and_changes_are_shown_apart(app, client, region):
    login(client, region["admin"])
    reads = log_rows(client.get("/beheer/logboek?kind=reads").get_data(as_text=True))
    changes = log_rows(client.get("/beheer/logboek?kind=changes").get_data(as_text=True))
    assert "Ingezien" in reads and "Plaatsing beëindigd" not in reads
    assert "Plaatsing beëindigd" in changes and "Ingezien" not in changes
    page = client.get("/beheer/logboek?kind=reads").get_data(as_text=True)
    assert re.search(r'<a href="[^"]*kind=reads[^"]*" aria-current="page">Inzages</a>', page)


def test_a_bad_filter_says_what_and_where_in_dutch(client, region):
    login(client, region["admin"])
    response = client.get("/beheer/logboek?object_id=abc&from=2026-02-30")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Nummer van het gegeven: geef een geheel getal" in html and 'href="#f-object_id"' in html
    assert "Geen geldige datum: &#39;2026-02-30&#39;" in html and 'aria-invalid="true"' in html
    assert client.get("/beheer/logboek/export.csv?actor=999999").status_code == 422


def test_the_export_holds_the_filtered_log_in_words_and_is_logged_as_a_read(app, client, region):
    login(client, region["admin"])
    response = client.get(f"/beheer/logboek/export.csv?object_type=placements&object_id={region['placement']}")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    rows = read_csv(response.data)
    assert rows[0] == ["Tijd", "Wie", "Actie", "Soort", "Uitkomst", "Gegeven", "Herkomst", "Wijzigingen en details"]
    ended = next(row for row in rows[1:] if row[2] == "Plaatsing beëindigd")
    assert ended[1] == "Anna de Vries" and "Hoe beëindigd: Met wederzijds goedvinden" in ended[7]
    assert re.fullmatch(r"\d{1,2} [a-z]+ \d{4} \d{2}:\d{2}", ended[0])

    content = client.get("/beheer/logboek/export.xlsx?kind=changes").data
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    assert sheet.title == "Logboek" and isinstance(sheet["A2"].value, datetime)
    with app.app_context():
        assert audit_count("audit_log_exported") == 2
        entry = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "audit_log_exported")
                                   .order_by(AuditEvent.id)).first()
        assert entry.detail["filters"] == f"gegeven: plaatsing {region['placement']}"
        assert entry.actor_id == region["admin"].id
    reads = log_rows(client.get("/beheer/logboek?kind=reads").get_data(as_text=True))
    assert "Logboek gedownload (inzage)" in reads and "Bestandsvorm: CSV" in reads


def test_the_unusual_access_view_lists_a_heavy_reader_and_a_cross_team_read(app, client, factory, region):
    other = factory.user("advisor", name="Carla Cornelis")  # no partner, her own new team
    with app.app_context():
        anna, bram = db.session.get(User, region["anna"].id), db.session.get(User, region["bram"].id)
        carla = db.session.get(User, other.id)
        audit.record_reads(carla, "contacts", [region["contact"]] * 4)  # four reads today: heavy at threshold 4
        audit.record_read(bram, db.session.get(Contact, region["contact"]))  # Anna's lead: team Noord, UWV
        audit.record_read(anna, db.session.get(Contact, region["contact"]))  # her own lead: not unusual
        audit.record_read(bram, db.session.get(Placement, region["placement"]))  # UWV's placement
        db.session.commit()
    login(client, region["admin"])
    html = client.get("/beheer/logboek/ongebruikelijk?threshold=4").get_data(as_text=True)
    heavy = visible_text("<main>" + html.split('id="veel-inzages"')[1].split("</table>")[0] + "</main>")
    assert "Carla Cornelis" in heavy and "Anna de Vries" not in heavy and "Bram Bakker" not in heavy
    cross = visible_text("<main>" + html.split('id="buiten-team"')[1].split("</table>")[0] + "</main>")
    assert "Bram Bakker" in cross and "Bakkerij Jansen" in cross
    assert "De plaatsing hoort bij een andere partner." in cross
    assert "Anna de Vries" not in cross
    assert f'<a href="/beheer/gebruikers/{other.id}">Carla Cornelis</a>' in html

    quiet = client.get("/beheer/logboek/ongebruikelijk?threshold=5").get_data(as_text=True)
    assert "Niemand kwam op één dag aan de drempel." in quiet
    bad = client.get("/beheer/logboek/ongebruikelijk?threshold=veel")
    assert bad.status_code == 422 and "Geef een geheel getal" in bad.get_data(as_text=True)


def test_only_admins_review_the_log_and_its_views(client, factory, region):
    login(client, region["anna"])
    for path in ("/beheer/logboek", "/beheer/logboek/export.csv", "/beheer/logboek/ongebruikelijk"):
        assert client.get(path).status_code == 403, path


def _recorded_actions() -> set[str]:
    """Every action code the code base writes through the audit service (literal second arguments)."""
    found = set()
    for path in Path(campaign_crm.__file__).parent.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute | ast.Name)
                    and getattr(node.func, "attr", getattr(node.func, "id", "")) in (
                        "record", "record_about", "record_change") and len(node.args) >= 2):
                action = node.args[1]
                options = [action.body, action.orelse] if isinstance(action, ast.IfExp) else [action]
                found |= {o.value for o in options if isinstance(o, ast.Constant) and isinstance(o.value, str)}
    return found


def test_every_action_the_code_records_has_a_dutch_label():
    recorded = _recorded_actions()
    assert {"placement_ended", "contact_updated", "settings_updated", "read"} <= recorded  # the scan works
    missing = sorted(recorded - audit_log.ACTIONS.keys())
    assert missing == [], f"give these actions a Dutch label in models/audit.py ACTION_LABELS: {missing}"
