"""AVG rights of one contact person: an admin sees and downloads everything held about them, and
erases them so that nothing identifies them while every count stays the same; both are audited."""
from __future__ import annotations

import json

from sqlalchemy import func, select

from campaign_crm.extensions import db
from campaign_crm.models import Activity, AuditEvent, Contact, Lead, Touchpoint
from tests.helpers import counts, login, touchpoint

EMAIL = "jan@bakkerij-jansen.nl"


def _recorded(app, record):
    made = record(touchpoint(message="Bel mij: Jan Jansen, 06 12345678", phone="0612345678"))
    with app.app_context():
        db.session.add(Activity(lead_id=made.lead_id, kind="call", occurred_at=func.now(),
                                outcome="Gesproken met Jan over de vacature", next_action="Mail naar " + EMAIL))
        db.session.commit()
    return made


def _actions(app) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "contacts")))


def test_an_admin_sees_everything_held_about_a_contact_and_the_view_is_audited(app, client, factory, record):
    made = _recorded(app, record)
    login(client, factory.user("admin"))
    response = client.get(f"/beheer/contactpersonen/{made.contact_id}/avg")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert "Jan Jansen" in html and EMAIL in html and "Bel mij" in html and "Gesproken met Jan" in html
    assert '<label for="confirm">' in html and "<caption" in html
    assert "contact_exported" in _actions(app)


def test_the_json_download_holds_the_same_data(app, client, factory, record):
    made = _recorded(app, record)
    login(client, factory.user("admin"))
    response = client.get(f"/beheer/contactpersonen/{made.contact_id}/avg.json")
    assert response.headers["Content-Disposition"] == f'attachment; filename="contactpersoon-{made.contact_id}.json"'
    data = json.loads(response.get_data(as_text=True))
    assert data["contactpersoon"]["e_mail"] == EMAIL and data["contactpersoon"]["telefoon"] == "+31612345678"
    assert [t["bericht"] for t in data["contactmomenten"]] == ["Bel mij: Jan Jansen, 06 12345678"]
    assert [lead["id"] for lead in data["leads"]] == [made.lead_id]
    with app.app_context():
        entry = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "contact_exported"))
        assert entry.detail == {"format": "json"} and entry.object_id == made.contact_id


def test_only_admins_reach_the_contact_rights_pages(app, client, factory, record):
    made = _recorded(app, record)
    login(client, factory.user("campaign"))
    assert client.get(f"/beheer/contactpersonen/{made.contact_id}/avg").status_code == 403
    assert client.get(f"/beheer/contactpersonen/{made.contact_id}/avg.json").status_code == 403
    assert client.post(f"/beheer/contactpersonen/{made.contact_id}/wissen", data={"confirm": "ja"}).status_code == 403
    with app.app_context():
        assert db.session.get(Contact, made.contact_id).email == EMAIL


def test_erasing_a_contact_removes_what_identifies_them_and_keeps_the_counts(app, client, factory, record):
    made = _recorded(app, record)
    login(client, factory.user("admin"))
    with app.app_context():
        before = counts([Touchpoint, Lead, Activity, Contact])
    response = client.post(f"/beheer/contactpersonen/{made.contact_id}/wissen", data={"confirm": "ja"},
                           follow_redirects=True)
    assert "De contactpersoon is gewist" in response.get_data(as_text=True)
    with app.app_context():
        after = counts([Touchpoint, Lead, Activity, Contact])
        contact = db.session.get(Contact, made.contact_id)
        activity = db.session.scalar(select(Activity))
        assert after == before
        assert (contact.name, contact.function, contact.email, contact.phone) == ("", "", None, None)
        assert contact.anonymised_at is not None
        assert db.session.get(Touchpoint, made.touchpoint_id).message is None
        assert db.session.get(Lead, made.lead_id).contact_id == made.contact_id  # still counted with the lead
        assert activity.outcome == "Gesproken met [gewist] over de vacature"
        assert activity.next_action == "Mail naar [gewist]"
    download = client.get(f"/beheer/contactpersonen/{made.contact_id}/avg.json").get_data(as_text=True)
    for trace in ("Jan Jansen", EMAIL, "12345678", "met Jan "):
        assert trace not in download
    assert "contact_erased" in _actions(app)


def test_erasing_needs_the_confirmation_box(app, client, factory, record):
    made = _recorded(app, record)
    login(client, factory.user("admin"))
    response = client.post(f"/beheer/contactpersonen/{made.contact_id}/wissen", data={}, follow_redirects=True)
    assert "Vink aan dat u de contactpersoon definitief wilt wissen." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.get(Contact, made.contact_id).email == EMAIL
        assert "contact_erased" not in _actions(app)
