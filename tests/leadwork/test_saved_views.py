"""Saved queue views: a user saves the filters and sort order of a queue page under a name, opens them again from
a link above the queue, deletes them; nobody else sees them, and the stored parameters are a checked whitelist."""
from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

from sqlalchemy import select

from campaign_crm.extensions import db
from campaign_crm.models import QueueView, User
from campaign_crm.services.errors import ValidationError
from campaign_crm.services.routing import queue_views
from tests.helpers import login


def _view_links(html: str) -> dict[str, str]:
    section = html[html.index('id="weergaven-kop"'):html.index("Bewaren als weergave</summary>")]
    links = re.findall(r'<a href="([^"]+)"[^>]*>([^<]+)</a>', section)
    return {name: href.replace("&amp;", "&") for href, name in links}


def _row_names(html: str) -> list[str]:
    return re.findall(r'<th scope="row"><a href="/leads/\d+">([^<]+)</a>', html)


def test_a_saved_view_restores_the_filters_and_sort_order_of_the_queue(app, client, desk, make_lead):
    make_lead("Alfa Techniek BV", stage="contacted")
    make_lead("Zulu Techniek BV", stage="contacted")
    make_lead("Bravo Zorg BV")  # another stage: filtered out
    login(client, desk.owner)
    response = client.post("/leads/mijn?stage=contacted&q=techniek&sorteer=werkgever&richting=af",
                           data={"view-name": "  Gebeld,   techniek "})
    assert response.status_code == 302
    saved = urlsplit(response.headers["Location"])
    assert saved.path == "/leads/mijn"
    assert {key: value[0] for key, value in parse_qs(saved.query).items()} == {
        "stage": "contacted", "q": "techniek", "sorteer": "werkgever", "richting": "af",
        "weergave": saved.query.split("weergave=")[1]}

    plain = client.get("/leads/mijn").get_data(as_text=True)
    link = _view_links(plain)["Gebeld, techniek"]  # the name with its spaces tidied
    html = client.get(link).get_data(as_text=True)
    assert _row_names(html) == ["Zulu Techniek BV", "Alfa Techniek BV"]
    assert 'aria-current="true">Gebeld, techniek</a>' in html
    assert '<option value="contacted" selected>' in html and 'value="techniek"' in html
    assert 'aria-sort="descending"' in html


def test_a_view_is_invisible_and_undeletable_for_another_user(app, client, factory, desk, make_lead):
    make_lead("Eigen BV")
    login(client, desk.owner)
    client.post("/leads/mijn?stage=assigned", data={"view-name": "Alleen toegewezen"})
    with app.app_context():
        view_id = db.session.scalar(select(QueueView.id))
    other = factory.user("advisor", team_id=desk.team_id, name="Anna Ander")
    with app.test_client() as other_client:
        login(other_client, other)
        html = other_client.get("/leads/mijn").get_data(as_text=True)
        assert "Alleen toegewezen" not in html and "U heeft hier nog geen weergaven." in html
        assert other_client.post(f"/leads/weergaven/{view_id}/verwijderen",
                                 data={"next": "/leads/mijn"}).status_code == 404
        # The id of someone else's view in the address shows nothing of it.
        assert "Alleen toegewezen" not in other_client.get(f"/leads/mijn?weergave={view_id}").get_data(as_text=True)
    response = client.post(f"/leads/weergaven/{view_id}/verwijderen", data={"next": "/leads/mijn"},
                           follow_redirects=True)
    assert "Weergave “Alleen toegewezen” verwijderd." in response.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(select(QueueView.id)) is None


def test_a_name_that_is_empty_taken_or_too_long_is_refused_on_the_field(app, client, desk, make_lead):
    make_lead("Naam BV")
    login(client, desk.owner)
    client.post("/leads/mijn?stage=assigned", data={"view-name": "Toegewezen"})
    refusals = {
        "": "Geef de weergave een naam.",
        "toegewezen": "U heeft al een weergave “toegewezen” bij Mijn leads; kies een andere naam.",
        "x" * 61: "Houd de naam onder 61 tekens (nu 61).",
    }
    for name, message in refusals.items():
        response = client.post("/leads/mijn?stage=new", data={"view-name": name})
        html = response.get_data(as_text=True)
        assert response.status_code == 200 and message in html
        assert 'class="error-summary"' in html and 'href="#view-name"' in html  # linked to its field
        assert 'id="view-name-error"' in html and "<details open>" in html
    nothing = client.post("/leads/mijn", data={"view-name": "Leeg"}).get_data(as_text=True)
    assert "Er zijn geen filters of sortering om te bewaren" in nothing
    with app.app_context():
        assert db.session.scalars(select(QueueView.name)).all() == ["Toegewezen"]


def test_the_same_name_may_serve_another_page_and_the_team_queue_remembers_its_team(app, client, desk, make_lead):
    make_lead("Team BV")
    login(client, desk.boss)
    response = client.post(f"/leads/team/{desk.team_id}?sorteer=prioriteit", data={"view-name": "Belangrijk"})
    assert response.status_code == 302 and response.headers["Location"].startswith(f"/leads/team/{desk.team_id}?")
    assert client.post("/leads/te-laat?sorteer=prioriteit", data={"view-name": "Belangrijk"}).status_code == 302
    links = _view_links(client.get("/leads/team").get_data(as_text=True))
    assert list(links) == ["Belangrijk"] and links["Belangrijk"].startswith(f"/leads/team/{desk.team_id}?")


def test_only_whitelisted_parameters_are_stored_and_they_are_checked_again_on_use(app, desk):
    with app.app_context():
        owner = db.session.get(User, desk.owner.id)
        view = queue_views.save_view(owner, "mine", "Rommel", {
            "stage": "assigned", "sorteer": "werkgever", "richting": "omhoog", "channel": "12abc",
            "phase": "7", "te_laat": "1", "sql": "1; DROP TABLE leads", "team": "3", "q": "  bakker  "})
        assert view.params == {"stage": "assigned", "sorteer": "werkgever", "phase": "7", "te_laat": "1",
                               "q": "bakker"}
        view.params = {**view.params, "stage": "lost", "sorteer": "id", "order_by": "x"}  # stored under older rules
        assert queue_views.view_params(view) == {"phase": "7", "te_laat": "1", "q": "bakker"}
        try:
            queue_views.save_view(owner, "admin", "Elders", {"stage": "new"})
        except ValidationError as exc:
            assert exc.fields == {"page": "Weergaven kunnen alleen bij een wachtrij."}
        else:
            raise AssertionError("a view of an unknown page was saved")
        for n in range(queue_views.MAX_VIEWS - 1):
            queue_views.save_view(owner, "mine", f"Weergave {n}", {"stage": "new"})
        try:
            queue_views.save_view(owner, "mine", "Een te veel", {"stage": "new"})
        except ValidationError as exc:
            assert exc.fields["name"] == "U heeft al 20 weergaven bij Mijn leads; verwijder er eerst een."
        else:
            raise AssertionError("more than the maximum number of views was saved")
