"""The web import as the campaign team uses it: upload → preview → apply (a background task; its progress and
then its result on the batch page) → error file; others get 403."""
from __future__ import annotations

import csv
import html
import io
import re

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from campaign_crm.extensions import db
from campaign_crm.models import AuditEvent, Event, ImportBatch, ImportMapping, Lead
from campaign_crm.services.imports import runner as import_runner
from tests.helpers import (
    IMPORT_FIXTURES,
    IMPORT_TABLES,
    count,
    counts,
    csrf_token_from,
    login,
    meta_with_a_repeated_row,
    nothing_stored,
    run_queued_tasks,
)

pytestmark = pytest.mark.usefixtures("campaign")


@pytest.fixture
def campaign_user(client, factory):
    who = factory.user("campaign")
    login(client, who)
    return who


def upload(client, name: str, preset: str, **fields):
    data = {"file": (io.BytesIO((IMPORT_FIXTURES / name).read_bytes()), name), "preset": preset, "campaign": "aknp",
            "phase": "", "channel": "", **fields}
    return client.post("/import/", data=data, content_type="multipart/form-data")


def batch_id_from(response) -> int:
    return int(re.search(r"/import/(\d+)", response.headers["Location"]).group(1))


def text_of(page: str) -> str:
    """The page as a reader hears it: tags dropped, entities decoded, white space collapsed."""
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def test_upload_preview_apply_and_download_the_rejected_rows(app, client, campaign_user):
    response = upload(client, "linkedin_broken_rows.csv", "linkedin-lead-gen")
    assert response.status_code == 302
    batch_id = batch_id_from(response)

    # The preview: computed while streaming, stored on the batch, nothing else written.
    preview = client.get(f"/import/{batch_id}")
    body = preview.get_data(as_text=True)
    assert preview.status_code == 200
    page = text_of(body)
    assert "10 van 10 rijen verwerkt (100%)" in page
    assert "Voorbeeld: dit gebeurt als u inleest" in page
    assert "Nieuwe leads 4" in page and "Afgewezen rijen 6" in page
    assert "7 KvK-nummer KvK-nummer '2412345' heeft 7 cijfers" in page
    assert "11 created_date Datum '6-2-2026' kan dag-maand of maand-dag zijn" in page
    assert "10 Phone number Geen geldig telefoonnummer. Waarde '12345' is weggelaten." in page
    assert f'action="/import/{batch_id}/inlezen"' in body
    with app.app_context():
        assert counts(IMPORT_TABLES) == {**nothing_stored(IMPORT_TABLES), "import_batches": 1}

    # Showing the batch again reads the stored preview instead of computing it.
    assert "Nieuwe leads 4" in text_of(client.get(f"/import/{batch_id}").get_data(as_text=True))

    # The apply: queued as a task, the batch page shows it waiting; the task puts the valid rows in.
    applied = client.post(f"/import/{batch_id}/inlezen", data={})
    assert applied.status_code == 302 and applied.headers["Location"].endswith(f"/import/{batch_id}")
    assert "In de wachtrij" in text_of(client.get(f"/import/{batch_id}").get_data(as_text=True))
    run_queued_tasks(app)
    page = text_of(client.get(f"/import/{batch_id}").get_data(as_text=True))
    assert "Resultaat: ingelezen" in page
    with app.app_context():
        assert counts(IMPORT_TABLES) == {**nothing_stored(IMPORT_TABLES),
                                         "employers": 4, "contacts": 4, "leads": 4, "touchpoints": 4,
                                         "import_batches": 1}
        batch = db.session.get(ImportBatch, batch_id)
        assert (batch.status, batch.content) == ("applied", None)
        assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "import_applied")).object_id == batch_id

    # The rejected rows as a Dutch Excel CSV: BOM, semicolons, formulas neutralised, no BSN.
    download = client.get(f"/import/{batch_id}/afgewezen.csv")
    assert download.status_code == 200
    assert download.mimetype == "text/csv"
    assert "attachment" in download.headers["Content-Disposition"]
    raw = download.get_data()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:4] == ["Rij", "Kolom", "Reden", "First name"]
    assert [r[0] for r in rows[1:]] == ["3", "4", "5", "6", "9", "11"]
    karin = rows[1]
    assert karin[1] == "Company name"
    assert karin[rows[0].index("Job title")] == "'=1+2"  # would be a formula in Excel
    assert "111222333" not in raw.decode("utf-8-sig")

    # Applying again is refused; the result stays as it was.
    again = client.post(f"/import/{batch_id}/inlezen", data={}, follow_redirects=True)
    assert "Dit bestand is al ingelezen." in again.get_data(as_text=True)
    with app.app_context():
        assert count(Lead) == 4


def test_every_post_carries_a_csrf_token_including_the_streamed_apply_form(app, client, campaign_user, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert upload(client, "meta_lead_ads.tsv", "meta-lead-ads").status_code == 400  # no token: refused

    token = csrf_token_from(client.get("/import/").get_data(as_text=True))
    batch_id = batch_id_from(upload(client, "meta_lead_ads.tsv", "meta-lead-ads", csrf_token=token))
    preview = client.get(f"/import/{batch_id}").get_data(as_text=True)
    assert client.post(f"/import/{batch_id}/inlezen", data={}).status_code == 400
    applied = client.post(f"/import/{batch_id}/inlezen", data={"csrf_token": csrf_token_from(preview)})
    assert applied.status_code == 302
    run_queued_tasks(app)

    assert "Resultaat: ingelezen" in text_of(client.get(f"/import/{batch_id}").get_data(as_text=True))
    with app.app_context():
        assert count(Lead) == 3


def test_the_same_file_uploaded_again_previews_as_unchanged_and_applies_nothing(app, client, campaign_user):
    first = batch_id_from(upload(client, "meta_lead_ads.tsv", "meta-lead-ads"))
    client.get(f"/import/{first}").get_data()
    client.post(f"/import/{first}/inlezen", data={}).get_data()
    run_queued_tasks(app)
    with app.app_context():
        before = counts(IMPORT_TABLES)

    second = batch_id_from(upload(client, "meta_lead_ads.tsv", "meta-lead-ads"))
    page = text_of(client.get(f"/import/{second}").get_data(as_text=True))

    assert "Hetzelfde bestand is al ingelezen op" in page
    assert "Al eerder ingelezen 3" in page
    assert "Er is niets nieuws om in te lezen." in page
    assert f'action="/import/{second}/inlezen"' not in page
    with app.app_context():
        assert counts(IMPORT_TABLES) == {**before, "import_batches": 2}


def test_the_generic_list_goes_through_a_column_mapping_that_can_be_saved(app, client, campaign_user):
    response = upload(client, "employers_excel_nl.csv", "generic")
    batch_id = batch_id_from(response)
    assert response.headers["Location"].endswith(f"/import/{batch_id}/kolommen")

    form = client.get(f"/import/{batch_id}/kolommen").get_data(as_text=True)
    # The suggestion from the Dutch headers is preselected.
    assert re.search(r'<select[^>]*id="map_employer_name".*?<option selected value="Bedrijfsnaam">', form, re.DOTALL)
    assert re.search(r'<select[^>]*id="map_municipality".*?<option selected value="Gemeente">', form, re.DOTALL)
    assert "<th scope=\"col\">Sector (SBI)</th>" in form

    missing = client.post(f"/import/{batch_id}/kolommen", data={"map_email": "E-mail"})
    assert "Kies de kolom met de bedrijfsnaam." in missing.get_data(as_text=True)

    mapping = {"map_employer_name": "Bedrijfsnaam", "map_kvk": "KvK-nummer", "map_email": "E-mail",
               "map_phone": "Telefoon", "map_contact_name": "Contactpersoon", "map_municipality": "Gemeente",
               "save_as": "Werkgeverslijst Excel"}
    saved = client.post(f"/import/{batch_id}/kolommen", data=mapping)
    assert saved.headers["Location"].endswith(f"/import/{batch_id}")
    page = text_of(client.get(f"/import/{batch_id}").get_data(as_text=True))
    assert "Nieuwe leads 3" in page
    client.post(f"/import/{batch_id}/inlezen", data={}).get_data()
    run_queued_tasks(app)
    with app.app_context():
        assert count(Lead) == 3
        assert db.session.scalar(select(ImportMapping.name)) == "Werkgeverslijst Excel"
        municipality = {lead.employer.municipality.name for lead in db.session.scalars(select(Lead))}
        assert municipality == {"Rotterdam", "Nissewaard", "Ridderkerk"}
        mapping_id = db.session.scalar(select(ImportMapping.id))

    # The next list of this kind: choose the saved mapping.
    next_id = batch_id_from(upload(client, "employers_excel_nl.csv", "generic"))
    reused = client.get(f"/import/{next_id}/kolommen?koppeling={mapping_id}").get_data(as_text=True)
    assert re.search(r'<select[^>]*id="map_phone".*?<option selected value="Telefoon">', reused, re.DOTALL)
    assert not re.search(r'<select[^>]*id="map_postcode".*?<option selected value="Postcode">', reused, re.DOTALL)


def test_when_the_apply_itself_fails_nothing_is_changed_and_it_can_be_tried_again(app, client, campaign_user,
                                                                                  monkeypatch):
    batch_id = batch_id_from(upload(client, "meta_lead_ads.tsv", "meta-lead-ads"))
    client.get(f"/import/{batch_id}").get_data()
    real = import_runner.record_touchpoints

    def lose_the_connection_on_the_third_row(batch, **kwargs):
        real(batch[:2], **kwargs)
        raise OperationalError("INSERT INTO touchpoints", {}, Exception("server closed the connection"))

    monkeypatch.setattr(import_runner, "record_touchpoints", lose_the_connection_on_the_third_row)
    client.post(f"/import/{batch_id}/inlezen", data={})
    run_queued_tasks(app)  # every attempt fails: the task is retried, then given up
    failed = text_of(client.get(f"/import/{batch_id}").get_data(as_text=True))

    assert "De verbinding met de database is verbroken; het inlezen is gestopt en er is niets opgeslagen." in failed
    assert "Traceback" not in failed
    with app.app_context():
        assert counts(IMPORT_TABLES) == {**nothing_stored(IMPORT_TABLES),
                                         "import_batches": 1}  # the two rows before the failure are gone too
        assert db.session.get(ImportBatch, batch_id).status == "failed"
    assert "Opnieuw proberen" in failed

    monkeypatch.setattr(import_runner, "record_touchpoints", real)
    client.post(f"/import/{batch_id}/inlezen", data={})
    run_queued_tasks(app)
    retried = text_of(client.get(f"/import/{batch_id}").get_data(as_text=True))
    assert "Resultaat: ingelezen" in retried
    with app.app_context():
        assert count(Lead) == 3


def test_a_file_that_is_not_of_the_chosen_kind_is_refused_on_the_upload_form(app, client, campaign_user):
    response = upload(client, "zoom_webinar_attendees.csv", "meta-lead-ads")

    assert response.status_code == 200
    assert "Dit lijkt geen Meta-leadformulier-bestand" in response.get_data(as_text=True)
    with app.app_context():
        assert counts(IMPORT_TABLES) == nothing_stored(IMPORT_TABLES)


def test_a_zoom_report_shows_the_event_it_creates(app, client, campaign_user):
    batch_id = batch_id_from(upload(client, "zoom_webinar_attendees.csv", "zoom-attendees"))
    page = text_of(client.get(f"/import/{batch_id}").get_data(as_text=True))

    assert "Bijeenkomst: Livestream Anders kijken naar personeel (4-6-2026 15:58), wordt nieuw aangemaakt." in page
    assert "Vastgelegd zonder lead 3" in page
    with app.app_context():
        assert count(Event) == 0


def test_the_upload_page_lists_recent_imports(client, campaign_user):
    batch_id = batch_id_from(upload(client, "meta_lead_ads.tsv", "meta-lead-ads"))
    page = client.get("/import/").get_data(as_text=True)
    assert f'href="/import/{batch_id}"' in page
    assert '<label for="file">Bestand</label>' in page
    assert "hoogstens 20 MB" in page


@pytest.mark.parametrize("role", ["advisor", "teamlead", "management"])
def test_only_the_campaign_team_and_admins_may_import(app, client, factory, role):
    owner = factory.user("campaign")
    login(client, owner)
    batch_id = batch_id_from(upload(client, "meta_lead_ads.tsv", "meta-lead-ads"))
    client.get(f"/import/{batch_id}").get_data()
    client.post("/logout")

    login(client, factory.user(role))
    for method, url in [("get", "/import/"), ("post", "/import/"), ("get", f"/import/{batch_id}"),
                        ("post", f"/import/{batch_id}/inlezen"), ("get", f"/import/{batch_id}/kolommen"),
                        ("get", f"/import/{batch_id}/afgewezen.csv")]:
        assert getattr(client, method)(url).status_code == 403, (method, url)
    with app.app_context():
        assert count(Lead) == 0


def test_an_admin_may_import(client, factory):
    login(client, factory.user("admin"))
    assert client.get("/import/").status_code == 200


def test_the_preview_tells_rows_repeated_in_the_file_from_rows_imported_before(app, client, campaign_user):
    data = {"file": (io.BytesIO(meta_with_a_repeated_row()), "meta_dubbel.tsv"), "preset": "meta-lead-ads",
            "campaign": "aknp", "phase": "", "channel": ""}
    batch = batch_id_from(client.post("/import/", data=data, content_type="multipart/form-data"))
    page = text_of(client.get(f"/import/{batch}").get_data(as_text=True))

    assert "Nieuwe leads 3" in page and "Al eerder ingelezen 0" in page and "Dubbel in dit bestand 1" in page
    assert "Zelfde als rij 2 in dit bestand." in page
