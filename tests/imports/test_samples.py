"""The sample export files import with the right counts, and importing them again adds nothing.

Expected counts are worked out by hand from the platform exports in tests/imports/fixtures (as the
platforms write them, byte for byte) and the campaign fixture: aknp with phases launch 11-31 May,
livestream 1 Jun-31 Aug, techniek 1 Sep-31 Oct, zorg 1 Nov 2026-31 Jan 2027.
"""
from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import select

from campaign_crm.extensions import db
from campaign_crm.models import (
    AdCode,
    Channel,
    Contact,
    Employer,
    Event,
    EventRegistration,
    Lead,
    Phase,
    Touchpoint,
)
from campaign_crm.services import reference
from campaign_crm.services.calendar import AMSTERDAM
from campaign_crm.services.campaigns import ad_codes
from tests.helpers import IMPORT_TABLES, PASSWORD, SAMPLES, count, counts, fixture_bytes, import_file, nothing_stored

pytestmark = pytest.mark.usefixtures("service")


def lead_of(employer_name: str) -> Lead:
    return db.session.scalar(select(Lead).join(Employer).where(Employer.name == employer_name))


def touchpoints_of(employer_name: str) -> list[Touchpoint]:
    return list(db.session.scalars(select(Touchpoint).join(Employer).where(Employer.name == employer_name)
                                   .order_by(Touchpoint.id)))


# --- each sample on an empty database ----------------------------------------------------------------

def test_meta_lead_ads_three_rows_make_three_employers_and_leads():
    # 3 rows, 3 different employers (KvK 24123456, KvK 41234567, Bakkerij Jansen without KvK on its own
    # domain): 3 employers, 3 contacts, 3 new leads, 3 touchpoints.
    report = import_file("meta_lead_ads.tsv")

    assert report.as_json() == {"rows": 3, "created_leads": 3, "attached": 0, "unchanged": 0, "errors": []}
    assert report.format_label == "utf-16-le, gescheiden door tab"
    assert counts(IMPORT_TABLES) == {**nothing_stored(IMPORT_TABLES),
                                     "employers": 3, "contacts": 3, "leads": 3, "touchpoints": 3}

    vdberg = lead_of("Installatiebedrijf Van der Berg B.V.")
    assert vdberg.employer.kvk == "24123456"
    assert vdberg.employer.municipality.name == "Rotterdam"
    assert vdberg.employer.size_class == "10-49"  # 45 employees
    assert vdberg.contact.phone == "+31612345678"  # p:+31612345678
    assert vdberg.contact.name == "Sandra van der Berg"
    assert vdberg.channel.code == "facebook"  # platform fb
    assert vdberg.phase.code == "launch"  # 12 May 2026
    assert vdberg.created_at == datetime(2026, 5, 12, 9, 14, 3, tzinfo=AMSTERDAM)
    assert [i.code for i in vdberg.interests] == ["lks"]  # "loonkostensubsidie"
    assert vdberg.external_id == "meta:1200000000000001"  # l:1200000000000001

    waterkant = lead_of("Zorggroep De Waterkant")
    assert waterkant.channel.code == "instagram"  # platform ig
    assert waterkant.employer.size_class == "250+"
    assert [i.code for i in waterkant.interests] == ["jobcoaching"]

    jansen = lead_of("Bakkerij Jansen")
    assert jansen.employer.kvk is None
    assert jansen.interests == []
    assert jansen.message == "weet ik nog niet"  # no interest word: kept as the message
    touchpoint = touchpoints_of("Bakkerij Jansen")[0]
    assert (touchpoint.kind, touchpoint.utm_source, touchpoint.utm_content) == (
        "import", "facebook", "AKNP lancering video")


def test_linkedin_lead_gen_two_rows_make_two_leads_in_the_livestream_phase():
    # 2 rows, 2 employers; created_date 06/02/2026 and 06/03/2026 are MM/DD (LinkedIn's own form):
    # 2 and 3 June, the livestream phase.
    report = import_file("linkedin_lead_gen.csv")

    assert report.as_json() == {"rows": 2, "created_leads": 2, "attached": 0, "unchanged": 0, "errors": []}
    assert counts(IMPORT_TABLES) == {**nothing_stored(IMPORT_TABLES),
                                     "employers": 2, "contacts": 2, "leads": 2, "touchpoints": 2}
    techniek = lead_of("Techniekbouw Rijnmond")
    assert techniek.created_at == datetime(2026, 6, 2, 10, 15, tzinfo=AMSTERDAM)
    assert (techniek.channel.code, techniek.phase.code) == ("linkedin", "livestream")
    assert techniek.employer.kvk == "33123456"
    assert techniek.employer.municipality.name == "Capelle aan den IJssel"  # custom question "Gemeente vestiging"
    assert techniek.contact.phone == "+31107654321"  # "+31 10 765 4321"
    assert techniek.contact.function == "HR-manager"
    assert techniek.external_id == "linkedin:750339000000000001"
    thuiszorg = lead_of("Thuiszorg Zuid")
    assert thuiszorg.contact.phone == "+31611223344"  # "06-11223344"
    assert thuiszorg.contact.name == "Aylin Yılmaz"


def test_employers_excel_nl_with_a_suggested_mapping_and_an_ad_code_in_a_remark():
    # 3 rows, 3 employers, 3 leads. Row 2's remark mentions ad code VB-LOG-06: its channel and phase win.
    campaign = reference.campaign(None)
    vakblad = db.session.scalar(select(Channel).where(Channel.code == "vakblad"))
    launch = db.session.scalar(select(Phase).where(Phase.code == "launch"))
    ad = ad_codes.create_ad_code(title="Logistiek Magazine juni", campaign=campaign, channel=vakblad, phase=launch,
                                 code="VB-LOG-06", actor=None)
    db.session.commit()

    report = import_file("employers_excel_nl.csv")

    assert report.as_json() == {"rows": 3, "created_leads": 3, "attached": 0, "unchanged": 0, "errors": []}
    assert report.format_label == "utf-8, gescheiden door puntkomma"
    assert counts(IMPORT_TABLES) == {**nothing_stored(IMPORT_TABLES),
                                     "employers": 3, "contacts": 3, "leads": 3, "touchpoints": 3}
    lcw = lead_of("Logistiek Centrum Waalhaven")
    assert lcw.employer.vestigingsnummer == "000012345678"  # leading zeros kept
    assert lcw.employer.postcode == "3089 JB"
    assert lcw.employer.sector.code == "logistiek"  # SBI 52.10
    assert lcw.employer.size_class == "50-249"
    assert lcw.contact.phone == "+31104567890"  # "010 - 456 78 90"
    touchpoint = touchpoints_of("Logistiek Centrum Waalhaven")[0]
    assert touchpoint.ad_code_id == ad.id
    assert (lcw.channel.code, lcw.phase.code) == ("vakblad", "launch")
    groen = lead_of("Hoveniersbedrijf Groen")
    assert groen.employer.municipality.name == "Nissewaard"  # Gemeente, not Plaats (Spijkenisse)
    assert groen.employer.sector.code == "groen"  # SBI 81.30 is landscaping
    assert groen.channel.code == "dagblad"  # the Kanaal column
    assert groen.message == "Advertentie AD Rotterdams Dagblad"
    assert lead_of("Thuiszorg Zuid").employer.sector.code == "zorg"


def test_zoom_attendees_sums_joins_and_follows_the_livestream_lead_rule():
    # Attendee section: 4 rows, 3 people (the host block is not imported).
    # Sandra: joins 31 + 35 = 66 minutes, asked to be called -> registration starts a lead (created),
    #         attendance attaches to it.
    # Kees: registered, did not attend (--) -> a registration touchpoint, no lead (recorded).
    # Fatima: 15 minutes, no call -> registration and attendance recorded without a lead (rule: 30 min).
    report = import_file("zoom_webinar_attendees.csv")

    assert report.as_json() == {"rows": 4, "created_leads": 1, "attached": 1, "unchanged": 0, "errors": []}
    assert report.recorded == 3
    assert counts(IMPORT_TABLES) == {**nothing_stored(IMPORT_TABLES),
                                     "employers": 3, "contacts": 3, "leads": 1, "touchpoints": 5,
                                     "event_registrations": 3, "events": 1}
    event = db.session.scalar(select(Event))
    assert (event.title, event.external_ref, event.kind) == (
        "Livestream Anders kijken naar personeel", "81234567890", "livestream")
    assert event.starts_at == datetime(2026, 6, 4, 15, 58, tzinfo=AMSTERDAM)
    assert event.phase.code == "livestream"
    registrations = {r.email: r for r in db.session.scalars(select(EventRegistration))}
    sandra = registrations["s.vanderberg@vdberg-installatie.example"]
    assert (sandra.attended, sandra.minutes_watched, sandra.asked_for_contact) == (True, 66, True)
    assert sandra.registered_at == datetime(2026, 5, 28, 10, 1, tzinfo=AMSTERDAM)
    assert sandra.lead is not None and sandra.lead.channel.code == "livestream"
    kees = registrations["kees@bosbouw.example"]
    assert (kees.attended, kees.minutes_watched, kees.lead_id) == (False, 0, None)
    fatima = registrations["f.bakkali@schoonmaakplus.example"]
    assert (fatima.attended, fatima.minutes_watched, fatima.lead_id) == (True, 15, None)
    kinds = [t.kind for t in touchpoints_of("Installatiebedrijf Van der Berg B.V.")]
    assert kinds == ["livestream_registration", "livestream_attendance"]
    assert not db.session.scalar(select(Contact).where(Contact.email == "livestream@werkcentrum.example"))


# --- again: nothing added ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", SAMPLES)
def test_importing_a_sample_again_changes_nothing(name):
    first = import_file(name)
    before = counts(IMPORT_TABLES)
    again = import_file(name)

    assert counts(IMPORT_TABLES) == before
    records = first.created_leads + first.attached + first.recorded
    assert again.as_json() == {"rows": first.rows, "created_leads": 0, "attached": 0, "unchanged": records,
                               "errors": []}
    assert again.recorded == 0 and again.new_employers == 0


@pytest.mark.parametrize("name", SAMPLES)
def test_a_preview_writes_nothing_and_predicts_the_apply(name):
    preview = import_file(name, dry_run=True)
    assert counts(IMPORT_TABLES) == nothing_stored(IMPORT_TABLES)
    applied = import_file(name)
    assert preview.as_json() == applied.as_json()
    assert (preview.recorded, preview.new_employers) == (applied.recorded, applied.new_employers)


def test_the_samples_in_a_row_recognise_the_same_employers_across_sources():
    # Meta: 3 new. LinkedIn: 2 new. Employers list: Thuiszorg Zuid is LinkedIn's (same domain
    # thuiszorg-zuid.example) -> attached; 2 new. Zoom: Sandra is Meta's Van der Berg (same domain) with an
    # open lead -> registration and attendance attach; Kees and Fatima are new employers without a lead.
    reports = [import_file(name) for name in SAMPLES]

    assert [(r.created_leads, r.attached, r.unchanged) for r in reports] == [(3, 0, 0), (2, 0, 0), (2, 1, 0), (0, 2, 0)]
    assert counts(IMPORT_TABLES) == {**nothing_stored(IMPORT_TABLES),
                                     "employers": 9, "contacts": 9, "leads": 7, "touchpoints": 13,
                                     "event_registrations": 3, "events": 1}
    thuiszorg = lead_of("Thuiszorg Zuid")
    assert thuiszorg.channel.code == "linkedin"  # first touch
    assert len(touchpoints_of("Thuiszorg Zuid")) == 2
    vdberg = lead_of("Installatiebedrijf Van der Berg B.V.")
    assert [t.lead_id for t in touchpoints_of("Installatiebedrijf Van der Berg B.V.")] == [vdberg.id] * 3


def test_the_new_leads_of_an_import_are_routed_and_a_preview_routes_nothing():
    from campaign_crm.models import LeadAssignment
    from campaign_crm.services.accounts import organisation, users
    from campaign_crm.services.routing import rules as routing_rules

    team = organisation.save_team(None, name="Regionale pool", is_pool=True, actor=None)
    advisors = [users.create_user(email=f"adviseur{i}@test.example", name=f"Adviseur {i}", role="advisor",
                                  password=PASSWORD, team=team, capacity=10) for i in range(2)]
    routing_rules.save_rule(None, name="Vangnet", priority=1000, team_id=team.id, actor=None)
    db.session.commit()

    import_file("meta_lead_ads.tsv", dry_run=True)
    assert count(LeadAssignment) == 0

    import_file("meta_lead_ads.tsv")
    leads = db.session.scalars(select(Lead).order_by(Lead.id)).all()
    assert [lead.stage for lead in leads] == ["assigned"] * 3
    # Lowest load first, ties to the lowest id: the two advisors share the three leads.
    assert sorted(lead.owner_id for lead in leads) == sorted([advisors[0].id, advisors[1].id, advisors[0].id])
    assert count(LeadAssignment) == 3


# --- the other presets ------------------------------------------------------------------------------

def test_zoom_registrations_then_the_attendee_report_adds_only_the_attendance():
    # Registration report: 3 registrations; Sandra asked to be called -> a lead; Kees, Fatima recorded.
    registrations = import_file("zoom_webinar_registrations.csv", "zoom-registrations")
    assert registrations.as_json() == {"rows": 3, "created_leads": 1, "attached": 0, "unchanged": 0, "errors": []}
    assert registrations.recorded == 2
    # Attendee report of the same webinar (found by its ID): the 3 registrations are known (unchanged);
    # Sandra's attendance attaches to her lead, Fatima's 15 minutes are recorded without a lead.
    attendees = import_file("zoom_webinar_attendees.csv")
    assert attendees.as_json() == {"rows": 4, "created_leads": 0, "attached": 1, "unchanged": 3, "errors": []}
    assert attendees.recorded == 1
    assert counts(IMPORT_TABLES) == {**nothing_stored(IMPORT_TABLES),
                                     "employers": 3, "contacts": 3, "leads": 1, "touchpoints": 5,
                                     "event_registrations": 3, "events": 1}
    event = db.session.scalar(select(Event))
    assert event.starts_at == datetime(2026, 6, 4, 16, 0, tzinfo=AMSTERDAM)  # the scheduled time, from the first report


def test_teams_attendance_attaches_known_contacts_and_refuses_unknown_guests():
    import_file("linkedin_lead_gen.csv")  # Joost de Vries, Techniekbouw Rijnmond
    import_file("employers_excel_nl.csv")  # Erik Verhoeven, Logistiek Centrum Waalhaven
    before = counts(IMPORT_TABLES)

    report = import_file("teams_attendance.csv", "teams-attendance")

    # Participants: the organiser is not imported; Joost (1h 27m 51s) and Erik (17m 22s) are known and
    # have an open lead -> both attach; Lotte is unknown and the report names no organisation -> refused.
    assert report.as_json() == {"rows": 3, "created_leads": 0, "attached": 2, "unchanged": 0, "errors": [
        {"row": 14, "column": "Email", "message": "Dit e-mailadres is nog niet bekend en het rapport noemt geen "
         "organisatie, dus de werkgever is niet te bepalen. Leg deze deelnemer met zijn werkgever vast via een "
         "eigen lijst."},
    ]}
    assert report.notes == ["1 organisator(en) of presentator(en) niet ingelezen."]
    event = db.session.scalar(select(Event))
    assert (event.title, event.kind) == ("Werkgeversontbijt techniek: anders kijken naar personeel", "meeting")
    assert event.starts_at == datetime(2026, 10, 6, 8, 58, 12, tzinfo=AMSTERDAM)  # 10/6/26 is M/D/YY with AM/PM
    assert event.phase.code == "techniek"
    minutes = {r.email: r.minutes_watched for r in db.session.scalars(select(EventRegistration))}
    assert minutes == {"j.devries@techniekbouw.example": 87, "e.verhoeven@lcw.example": 17}
    assert counts(IMPORT_TABLES) == {**before, "touchpoints": before["touchpoints"] + 2, "event_registrations": 2,
                                     "events": 1}
    assert import_file("teams_attendance.csv", "teams-attendance").unchanged == 2


def test_a_generic_excel_workbook_drops_numbers_excel_shortened_with_a_warning_and_keeps_the_rows():
    from io import BytesIO

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["Bedrijfsnaam", "KvK-nummer", "Vestigingsnummer", "E-mail", "Telefoon", "Datum",
                  "Aantal medewerkers"])
    sheet.append(["Bouwbedrijf Noord", "24987654", "000012345678", "info@bouwnoord.example", "010-1234567",
                  datetime(2026, 6, 2, 10, 15), 45.0])  # a real date cell; a count Excel keeps as 45.0
    sheet.append(["Metaal Zuid", 2498765, None, "info@metaalzuid.example", None])  # KvK typed as a number: 7 digits
    sheet.append(["Zorg West", None, 12345678, "info@zorgwest.example", None])  # vestigingsnummer lost 4 zeros
    sheet.append(["Bouw Oost", None, 7.50339e17, "info@bouwoost.example", None])  # a long number Excel rounded
    buffer = BytesIO()
    book.save(buffer)

    report = import_file("werkgevers.xlsx", "generic", data=buffer.getvalue())

    assert report.format_label == "Excel-werkmap"
    assert report.created_leads == 4
    assert report.errors == []
    assert [(w["row"], w["column"]) for w in report.warnings] == [(3, "KvK-nummer"), (4, "Vestigingsnummer"),
                                                                  (5, "Vestigingsnummer")]
    assert "7 cijfers" in report.warnings[0]["message"]
    assert "8 cijfers in plaats van 12" in report.warnings[1]["message"]
    assert "'7.50339E+17' is door Excel afgekort" in report.warnings[2]["message"]
    assert all("De waarde is weggelaten" in w["message"] for w in report.warnings)
    damaged = db.session.scalars(select(Employer).where(Employer.name.in_(["Metaal Zuid", "Zorg West", "Bouw Oost"])))
    assert [(e.kvk, e.vestigingsnummer) for e in damaged] == [(None, None)] * 3
    lead = db.session.scalar(select(Lead).join(Lead.employer).where(Employer.name == "Bouwbedrijf Noord"))
    assert lead.employer.vestigingsnummer == "000012345678"
    assert lead.created_at == datetime(2026, 6, 2, 10, 15, tzinfo=AMSTERDAM)
    assert lead.employer.size_class == "10-49"


def test_a_cp1252_file_with_semicolons_and_a_saved_style_mapping():
    text = ("Organisatie;Naam;Mail;Opmerking\r\n"
            "Café De Zwaan;José Müller;jose@dezwaan.example;Graag een adviesgesprek\r\n")
    report = import_file("lijst.csv", "generic", data=text.encode("cp1252"),
                         mapping={"employer_name": "Organisatie", "contact_name": "Naam", "email": "Mail",
                                  "interests": "Opmerking"})

    assert report.format_label == "cp1252, gescheiden door puntkomma"
    lead = lead_of("Café De Zwaan")
    assert lead.contact.name == "José Müller"
    assert [i.code for i in lead.interests] == ["adviesgesprek"]
    assert lead.message == "Graag een adviesgesprek"


def test_an_ad_code_that_is_not_registered_is_just_part_of_the_remark():
    report = import_file("employers_excel_nl.csv")
    assert report.created_leads == 3
    assert db.session.scalar(select(AdCode)) is None
    assert all(t.ad_code_id is None for t in db.session.scalars(select(Touchpoint)))


def meta_with_a_repeated_row() -> bytes:
    """The Meta sample with its first lead downloaded twice (overlapping downloads): four rows, three leads."""
    lines = fixture_bytes("meta_lead_ads.tsv").decode("utf-16").rstrip("\r\n").split("\r\n")
    return "\r\n".join([*lines, lines[1]]).encode("utf-16")


def test_a_row_repeated_in_the_file_is_counted_apart_from_rows_imported_before():
    first = import_file("meta_lead_ads.tsv", data=meta_with_a_repeated_row())
    assert (first.rows, first.created_leads, first.unchanged, first.repeated_in_file) == (4, 3, 1, 1)
    assert first.samples["unchanged"][0]["detail"] == "Zelfde als rij 2 in dit bestand."

    again = import_file("meta_lead_ads.tsv", data=meta_with_a_repeated_row())
    assert (again.created_leads, again.unchanged, again.repeated_in_file) == (0, 4, 1)
    assert [s["detail"] for s in again.samples["unchanged"]].count("Al eerder ingelezen.") == 3
