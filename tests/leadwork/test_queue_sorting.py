"""Sorting a queue by its column headers: server-side, by a whitelisted key and direction, announced with aria-sort,
keeping the filters; anything unknown gives the queue's own order."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from campaign_crm.extensions import db
from campaign_crm.models import STAGES, Channel, Lead, Municipality
from campaign_crm.services.routing import queues
from tests.helpers import counting_statements, hand_to, login


def _row_ids(html: str) -> list[int]:
    return [int(lead_id) for lead_id in re.findall(r'id="select-lead-(\d+)"', html)]


def _sorted_header(html: str) -> list[tuple[str, str]]:
    """(aria-sort, the header's text) of every header that says it is sorted."""
    return [(direction, " ".join(re.sub(r"<[^>]+>", "", text).split()).split(":")[0].strip(" ▲▼"))
            for direction, text in re.findall(r'<th scope="col"[^>]*aria-sort="(\w+)">(.*?)</th>', html, flags=re.S)]


@pytest.fixture
def varied_queue(app, desk, make_lead) -> dict[int, dict]:
    """Four leads of the desk's team that differ in every column the queue shows; returns what each shows."""
    names = ["Citroen BV", "anker BV", "Duin BV", "Bakkerij Zon"]  # case differs: the sort ignores it
    ids = [make_lead(name, hours_ago=hours) for name, hours in zip(names, [5, 30, 2, 50], strict=True)]
    with app.app_context():
        channels = {code: db.session.scalar(select(Channel).where(Channel.code == code))
                    for code in ("dagblad", "linkedin", "website")}
        places = {name: db.session.scalar(select(Municipality).where(Municipality.name == name))
                  for name in ("Rotterdam", "Schiedam", "Vlaardingen")}
        setup = [  # municipality, channel, stage, priority, owner
            ("Vlaardingen", "linkedin", "assigned", 40, desk.owner.id),
            (None, "website", "contacted", 10, desk.colleague.id),
            ("Rotterdam", None, "meeting", 25, desk.owner.id),
            ("Schiedam", "dagblad", "assigned", 55, desk.colleague.id),
        ]
        shown = {}
        for lead_id, (place, channel, stage, priority, owner_id) in zip(ids, setup, strict=True):
            lead = db.session.get(Lead, lead_id)
            if owner_id != lead.owner_id:
                hand_to(lead, owner_id)
            lead.employer.municipality = places[place] if place else None
            lead.channel = channels[channel] if channel else None
            lead.stage, lead.priority = stage, priority
            db.session.flush()
            shown[lead_id] = {
                "werkgever": lead.employer.name.lower(), "gemeente": place, "kanaal": channels[channel].name
                if channel else None, "stand": STAGES.index(stage), "prioriteit": priority,
                "termijn": lead.sla_due_at if stage in ("new", "assigned") else None,
                "adviseur": lead.owner.name}
        db.session.commit()
    return shown


def _expected(shown: dict[int, dict], key: str, descending: bool) -> list[int]:
    """The lead ids in the order asked for: by the column's value, empty values last, the id breaking ties."""
    filled = [lead_id for lead_id in shown if shown[lead_id][key] is not None]
    empty = sorted(lead_id for lead_id in shown if shown[lead_id][key] is None)
    values = sorted({shown[lead_id][key] for lead_id in filled}, reverse=descending)
    return sorted(filled, key=lambda lead_id: (values.index(shown[lead_id][key]), lead_id)) + empty


@pytest.mark.parametrize("key", list(queues.SORT_KEYS))
def test_sorting_the_team_queue_by_a_column_orders_its_rows_and_marks_the_header(client, desk, varied_queue, key):
    login(client, desk.boss)
    label = queues.SORT_KEYS[key].label
    for direction, aria in (("op", "ascending"), ("af", "descending")):
        html = client.get(f"/leads/team?sorteer={key}&richting={direction}").get_data(as_text=True)
        assert _row_ids(html) == _expected(varied_queue, key, direction == "af"), (key, direction)
        assert [(found_aria, text.split(" · ")[0]) for found_aria, text in _sorted_header(html)] == [
            (aria, label.split(" · ")[0])]


def test_a_header_link_keeps_the_filters_and_turns_the_direction_round(client, desk, varied_queue):
    login(client, desk.boss)
    html = client.get("/leads/team?stage=assigned&q=bv&sorteer=werkgever&richting=op&page=1").get_data(as_text=True)
    links = re.findall(r'<a class="sort-link" href="([^"]+)"', html)
    assert len(links) == len(queues.SORT_KEYS)
    werkgever = next(link for link in links if "sorteer=werkgever" in link)
    assert "richting=af" in werkgever and "stage=assigned" in werkgever and "q=bv" in werkgever
    assert "page=" not in werkgever  # a new order starts on the first page
    prioriteit = next(link for link in links if "sorteer=prioriteit" in link)
    assert "richting=af" in prioriteit  # the highest priority first, on the first click
    # The filter form carries the order along when the filters change.
    assert '<input type="hidden" name="sorteer" value="werkgever">' in html
    assert _row_ids(html) == [lead_id for lead_id in _expected(varied_queue, "werkgever", False)
                              if varied_queue[lead_id]["stand"] == STAGES.index("assigned")
                              and "bv" in varied_queue[lead_id]["werkgever"]]


def test_an_unknown_sort_key_or_direction_falls_back_to_the_queues_own_order(client, desk, varied_queue):
    login(client, desk.boss)
    own = client.get("/leads/team").get_data(as_text=True)
    assert _sorted_header(own) == []
    for query in ("sorteer=naam;drop", "sorteer=id&richting=af", "sorteer=&richting=af"):
        html = client.get(f"/leads/team?{query}").get_data(as_text=True)
        assert _row_ids(html) == _row_ids(own) and _sorted_header(html) == []
    # A known key with an odd direction sorts in the key's first direction.
    html = client.get("/leads/team?sorteer=werkgever&richting=zijwaarts").get_data(as_text=True)
    assert _row_ids(html) == _expected(varied_queue, "werkgever", False)


def test_my_queue_and_the_overdue_list_sort_too(app, client, desk, make_lead):
    late = [make_lead(name, hours_ago=24 * 9) for name in ("Zeta BV", "Alfa BV")]
    with app.app_context():
        for lead_id, priority in zip(late, (5, 50), strict=True):
            db.session.get(Lead, lead_id).priority = priority
        db.session.commit()
    login(client, desk.owner)
    mine = client.get("/leads/mijn?sorteer=werkgever").get_data(as_text=True)
    assert mine.index("Alfa BV") < mine.index("Zeta BV") and 'aria-sort="ascending"' in mine
    overdue = client.get("/leads/te-laat?sorteer=prioriteit").get_data(as_text=True)
    assert overdue.index("Alfa BV") < overdue.index("Zeta BV") and 'aria-sort="descending"' in overdue


def test_the_sort_orders_are_a_whitelist_of_the_columns_shown():
    assert set(queues.SORT_KEYS) == {"werkgever", "gemeente", "kanaal", "stand", "termijn", "prioriteit", "adviseur"}
    assert queues.QueueFilters(sort="Lead.id; DROP TABLE leads").sorting is None
    assert queues.QueueFilters(sort="stand", direction="af").sorting == queues.Sorting("stand", True)


def _leads_access(kind: str, sorting: queues.Sorting | None, **ids: int) -> str:
    """How SQLite reads the leads table for a queue's page of rows (the line of its plan that names `leads`)."""
    rows, _ = queues._statements(kind, frozenset(), sorting)
    sql = str(rows.limit(51).offset(0).params(**ids).compile(db.engine, compile_kwargs={"literal_binds": True}))
    with db.engine.connect() as connection:
        plan = [row[-1] for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + sql)]
    return next(line for line in plan if " leads " in f"{line} ")


def test_a_sorted_queue_reads_the_leads_through_the_same_index_as_its_own_order(ctx):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("the plan is read with SQLite's EXPLAIN QUERY PLAN")
    for kind, ids in (("mine", {"owner_id": 1}), ("team", {"team_id": 1})):
        own = _leads_access(kind, None, **ids)
        assert own.startswith("SEARCH leads USING INDEX"), own
        for key in queues.SORT_KEYS:
            for descending in (False, True):
                assert _leads_access(kind, queues.Sorting(key, descending), **ids) == own, (kind, key)


def test_a_sorted_queue_page_costs_the_same_statements_as_the_unsorted_one(app, client, desk, varied_queue):
    login(client, desk.boss)
    counts = []
    for path in ("/leads/team", "/leads/team?sorteer=adviseur&richting=af", "/leads/team?sorteer=kanaal"):
        with app.app_context(), counting_statements(db.engine) as seen:
            assert client.get(path).status_code == 200
        counts.append(seen[0])
    assert len(set(counts)) == 1, counts
