"""Campaign spend: typed in the Dutch way and stored in cents, changed and deleted with an audit entry, and
imported from the spend exports of Meta Ads and LinkedIn Ads (tests/reports/fixtures) with a preview that
writes nothing, a mapping per ad chosen once, bad rows reported by row and column, and no doubles on re-import."""
from __future__ import annotations

import base64
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from campaign_crm.extensions import db
from campaign_crm.models import AdCode, AuditEvent, Channel, Phase, User
from campaign_crm.models.spend import SpendEntry, SpendMapping
from campaign_crm.services.errors import ValidationError
from campaign_crm.services.reports import spend
from tests.helpers import audit_count, count, report_login

FIXTURES = Path(__file__).parent / "fixtures"
META = (FIXTURES / "meta_ads_spend.csv").read_bytes()
LINKEDIN = (FIXTURES / "linkedin_ads_spend.csv").read_bytes()
META_VIDEO, META_CAROUSEL = "120208456712340001", "120208456712340002"
LI_LAUNCH, LI_LIVESTREAM = "281934501", "281934502"


# --- amounts ------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("typed", "cents"), [
    ("1.234,56", 123_456), ("1234,56", 123_456), ("€ 850", 85_000), ("0,5", 50), ("12.000", 1_200_000), ("0", 0),
])
def test_an_amount_typed_the_dutch_way_is_stored_in_whole_cents(typed, cents):
    assert spend.parse_euros(typed) == cents


@pytest.mark.parametrize(("typed", "says"), [
    ("1234.56", "komma"), ("12.5", "komma"), ("1,234", "twee cijfers"), ("-50", "negatief"), ("1e3", "komma"),
    ("", "Vul een bedrag in"), ("twaalf", "geen geldig bedrag"),
])
def test_a_float_like_or_negative_amount_is_refused_in_dutch(typed, says):
    with pytest.raises(ValidationError) as refused:
        spend.parse_euros(typed)
    assert says in refused.value.message


@pytest.mark.parametrize(("raw", "cents"), [
    ("45.12", 4_512), ("45,12", 4_512), ("1,204.75", 120_475), ("1.204,75", 120_475), ("130.9", 13_090),
    ("1,234", 123_400), ("0.005", 1), ("12", 1_200),
])
def test_an_export_amount_may_use_a_decimal_comma_or_point(raw, cents):
    assert spend.parse_export_amount(raw) == cents


# --- the form ---------------------------------------------------------------------------------------

@pytest.fixture
def staff(client, factory, campaign):
    """A campaign-team member, logged in."""
    return report_login(client, factory, "campaign")


def _channel(code: str) -> int:
    return db.session.scalar(select(Channel.id).where(Channel.code == code))


def _form(app, **overrides) -> dict:
    with app.app_context():
        linkedin = _channel("linkedin")
        launch = db.session.scalar(select(Phase.id).where(Phase.code == "launch"))
    return {"channel_id": str(linkedin), "phase_id": str(launch), "ad_code_id": "", "starts_on": "2026-06-01",
            "ends_on": "2026-06-30", "amount": "1.234,56", "note": "Factuur 2026-118", **overrides}


def test_campaign_staff_record_spend_in_cents_with_an_audit_entry(client, app, staff):
    response = client.post("/rapportages/uitgaven/nieuw", data=_form(app))
    assert response.status_code == 302
    with app.app_context():
        entry = db.session.scalars(select(SpendEntry)).one()
        assert (entry.amount_cents, entry.starts_on, entry.ends_on, entry.source) == (
            123_456, date(2026, 6, 1), date(2026, 6, 30), "manual")
        assert audit_count("spend_recorded") == 1
    page = client.get("/rapportages/uitgaven").get_data(as_text=True)
    assert "€ 1.234,56" in page and "1 juni 2026 – 30 juni 2026" in page


def test_the_spend_form_refuses_a_float_like_amount_and_an_end_before_the_start_per_field(client, app, staff):
    response = client.post("/rapportages/uitgaven/nieuw",
                           data=_form(app, amount="1234.56", starts_on="2026-06-30", ends_on="2026-06-01"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="amount-error"' in page and "gebruik een komma" in page
    assert 'id="ends_on-error"' in page and "De einddatum 1 juni 2026 ligt vóór de begindatum 30 juni 2026." in page
    assert 'aria-describedby="ends_on-hint ends_on-error"' in page and 'href="#amount"' in page
    negative = client.post("/rapportages/uitgaven/nieuw", data=_form(app, amount="-50", channel_id=""))
    text = negative.get_data(as_text=True)
    assert "negatief" in text and "Kies het kanaal waarop het geld is uitgegeven." in text
    unreadable = client.post("/rapportages/uitgaven/nieuw", data=_form(app, starts_on="31-31-2026"))
    assert unreadable.status_code == 422 and 'id="starts_on-error"' in unreadable.get_data(as_text=True)
    with app.app_context():
        assert count(SpendEntry) == 0


def test_spend_is_changed_and_deleted_with_an_audit_entry(client, app, staff):
    client.post("/rapportages/uitgaven/nieuw", data=_form(app))
    with app.app_context():
        entry_id = db.session.scalar(select(SpendEntry.id))
    assert 'value="1234,56"' in client.get(f"/rapportages/uitgaven/{entry_id}/wijzigen").get_data(as_text=True)
    client.post(f"/rapportages/uitgaven/{entry_id}/wijzigen", data=_form(app, amount="900"))
    with app.app_context():
        assert db.session.get(SpendEntry, entry_id).amount_cents == 90_000
        changed = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "spend_updated")).one()
        assert changed.detail["changes"] == {"amount_cents": [123_456, 90_000]}
    client.post(f"/rapportages/uitgaven/{entry_id}/verwijderen")
    with app.app_context():
        assert count(SpendEntry) == 0 and audit_count("spend_deleted") == 1


def test_management_reads_costs_but_does_not_record_spend(client, app, factory, campaign):
    report_login(client, factory, "management")
    assert client.get("/rapportages/kosten-per-uitkomst").status_code == 200
    for path in ("/rapportages/uitgaven", "/rapportages/uitgaven/nieuw", "/rapportages/uitgaven/importeren"):
        assert client.get(path).status_code == 403, path
    assert client.post("/rapportages/uitgaven/nieuw", data=_form(app)).status_code == 403
    with app.app_context():
        assert count(SpendEntry) == 0


# --- importing ----------------------------------------------------------------------------------------

@pytest.fixture
def ad_codes(app, campaign) -> dict[str, int]:
    """Ad codes for the ads of the fixtures: Meta's video and carousel, LinkedIn's launch and livestream."""
    with app.app_context():
        phases = {p.code: p.id for p in db.session.scalars(select(Phase))}
        made = {}
        for code, channel, phase in (("FB-VIDEO", "facebook", "launch"), ("FB-CARROUSEL", "facebook", "launch"),
                                     ("LI-LANCERING", "linkedin", "launch"), ("LI-LIVE", "linkedin", "livestream")):
            ad = AdCode(code=code, title=code.title(), campaign_id=campaign, phase_id=phases[phase],
                        channel_id=_channel(channel))
            db.session.add(ad)
            db.session.flush()
            made[code] = ad.id
        db.session.commit()
        return made


def _actor(app, factory) -> User:
    return db.session.get(User, factory.user("campaign").id)


def test_a_meta_export_is_previewed_mapped_once_and_re_imported_without_doubles(app, factory, ad_codes):
    with app.app_context():
        preview = spend.preview_import(META, "meta")
        assert count(SpendEntry) == 0 and count(SpendMapping) == 0              # the preview writes nothing
        assert [(ad.external_id, ad.name, ad.rows) for ad in preview.unmapped] == [
            (META_CAROUSEL, "Carrousel Anders kijken", 2), (META_VIDEO, "Video Harrie 30s", 2)]
        assert preview.skipped_zero == 1
        assert [(e.row, e.column) for e in preview.errors] == [(7, "Amount spent (EUR)")]
        assert "twaalf" in preview.errors[0].reason
        with pytest.raises(ValidationError):
            spend.apply_import(META, "meta", {}, actor=_actor(app, factory))   # no ad code chosen yet
        db.session.rollback()
        choices = {META_VIDEO: ad_codes["FB-VIDEO"], META_CAROUSEL: ad_codes["FB-CARROUSEL"]}
        result = spend.apply_import(META, "meta", choices, actor=_actor(app, factory), filename="meta.csv")
        db.session.commit()
        assert (result.added, result.errors, result.mappings_saved, result.amount_cents) == (
            4, 1, 2, 4_512 + 2_850 + 5_107 + 13_090)
        stored = db.session.scalars(select(SpendEntry).order_by(SpendEntry.id)).all()
        assert {(e.external_id, e.starts_on, e.amount_cents, e.ad_code_id) for e in stored} >= {
            (META_VIDEO, date(2026, 6, 1), 4_512, ad_codes["FB-VIDEO"])}
        assert stored[0].channel_id == _channel("facebook")
        again = spend.preview_import(META, "meta")                             # the mapping is remembered
        assert again.unmapped == [] and again.count("unchanged") == 4 and again.count("new") == 0
        repeat = spend.apply_import(META, "meta", {}, actor=_actor(app, factory))
        db.session.commit()
        assert (repeat.added, repeat.updated, repeat.unchanged) == (0, 0, 4)
        assert count(SpendEntry) == 4 and audit_count("spend_imported") == 2


def test_a_dutch_excel_copy_with_semicolons_and_decimal_commas_reads_the_same(app, ad_codes):
    text = META.decode("utf-8-sig").replace(",", ";")
    dutch = text.replace("45.12", "45,12").replace("130.9", "130,9")
    with app.app_context():
        rows, errors, skipped = spend.read_export(dutch.encode("cp1252"), "meta")
    assert [row.amount_cents for row in rows] == [4_512, 2_850, 5_107, 13_090]
    assert (len(errors), skipped) == (1, 1)


def test_a_linkedin_export_refuses_other_currencies_and_reports_bad_rows_by_row_and_column(
        app, factory, ad_codes):
    with app.app_context():
        preview = spend.preview_import(LINKEDIN, "linkedin")
        assert [(e.row, e.column) for e in preview.errors] == [(12, "Currency"), (13, "End Date (in UTC)")]
        assert "USD" in preview.errors[0].reason and "euro (EUR)" in preview.errors[0].reason
        assert [(row.row, row.starts_on, row.amount_cents) for row in preview.rows] == [
            (9, date(2026, 6, 1), 11_240), (10, date(2026, 6, 1), 120_475), (11, date(2026, 6, 2), 9_815)]
        choices = {LI_LAUNCH: ad_codes["LI-LANCERING"], LI_LIVESTREAM: ad_codes["LI-LIVE"]}
        result = spend.apply_import(LINKEDIN, "linkedin", choices, actor=_actor(app, factory))
        db.session.commit()
        assert (result.added, result.errors) == (3, 2)
        live = db.session.scalars(select(SpendEntry).where(SpendEntry.external_id == LI_LIVESTREAM)).one()
        assert live.phase_id == db.session.get(AdCode, ad_codes["LI-LIVE"]).phase_id
        assert spend.apply_import(LINKEDIN, "linkedin", {}, actor=_actor(app, factory)).added == 0
        assert count(SpendEntry) == 3


def test_a_corrected_amount_on_re_import_updates_the_row(app, factory, ad_codes):
    choices = {LI_LAUNCH: ad_codes["LI-LANCERING"], LI_LIVESTREAM: ad_codes["LI-LIVE"]}
    with app.app_context():
        spend.apply_import(LINKEDIN, "linkedin", choices, actor=_actor(app, factory))
        db.session.commit()
        corrected = LINKEDIN.replace(b"112.40", b"113.00")
        result = spend.apply_import(corrected, "linkedin", {}, actor=_actor(app, factory))
        db.session.commit()
        assert (result.added, result.updated, result.unchanged) == (0, 1, 2)
        assert db.session.scalar(select(SpendEntry.amount_cents).where(
            SpendEntry.external_id == LI_LAUNCH, SpendEntry.starts_on == date(2026, 6, 1))) == 11_300


def test_a_file_that_is_not_a_spend_export_is_refused_as_a_whole(app):
    with app.app_context(), pytest.raises(ValidationError) as refused:
        spend.preview_import(b"Naam;E-mail\nJan;jan@example.nl\n", "linkedin")
    assert "Start Date (in UTC)" in refused.value.message


def test_the_import_pages_preview_then_apply(client, app, staff, ad_codes):
    response = client.post("/rapportages/uitgaven/importeren", data={
        "source": "meta", "file": (FIXTURES.joinpath("meta_ads_spend.csv").open("rb"), "meta_ads_spend.csv")},
        content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Er is nog niets opgeslagen." in page
    assert "Video Harrie 30s" in page and f'name="map-{META_VIDEO}"' in page
    with app.app_context():
        assert count(SpendEntry) == 0
    applied = client.post("/rapportages/uitgaven/importeren/inlezen", data={
        "source": "meta", "filename": "meta_ads_spend.csv", "content": base64.b64encode(META).decode(),
        f"map-{META_VIDEO}": str(ad_codes["FB-VIDEO"]), f"map-{META_CAROUSEL}": str(ad_codes["FB-CARROUSEL"]),
        "submit": "Uitgaven inlezen"}, follow_redirects=True)
    assert "4 nieuwe uitgaven ingelezen (€ 255,59), 0 bijgewerkt, 0 al bekend, 1 met fouten overgeslagen." in (
        applied.get_data(as_text=True))
    with app.app_context():
        assert count(SpendEntry) == 4 and count(SpendMapping) == 2


def test_applying_before_every_ad_has_an_ad_code_writes_nothing_and_says_why(client, app, staff, ad_codes):
    response = client.post("/rapportages/uitgaven/importeren/inlezen", data={
        "source": "meta", "filename": "meta_ads_spend.csv", "content": base64.b64encode(META).decode(),
        f"map-{META_VIDEO}": str(ad_codes["FB-VIDEO"]), "submit": "Uitgaven inlezen"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Kies eerst een advertentiecode voor 1 advertentie(s) zonder koppeling: Carrousel Anders kijken." in page
    assert f'<option value="{ad_codes["FB-VIDEO"]}" selected>' in page                # the choice made is kept
    with app.app_context():
        assert count(SpendEntry) == 0 and count(SpendMapping) == 0


def test_the_spend_pages_open_for_campaign_staff(client, staff):
    for path in ("/rapportages/uitgaven", "/rapportages/uitgaven/nieuw", "/rapportages/uitgaven/importeren",
                 "/rapportages/kosten-per-uitkomst?cost_by=ad_code", "/rapportages/kosten-per-uitkomst?cost_by=sector"):
        response = client.get(path)
        assert response.status_code == 200, path
        assert "novalidate" in response.get_data(as_text=True)
    wrong = client.get("/rapportages/kosten-per-uitkomst?cost_by=gemeente")
    assert wrong.status_code == 422 and "Kies een indeling: kanaal, fase, advertentiecode, sectorfocus." in (
        wrong.get_data(as_text=True))
