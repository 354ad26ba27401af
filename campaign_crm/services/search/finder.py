"""The employers, contacts and leads a query finds, within what the searcher may see.

Three statements whatever the number of hits (employers, contacts, leads; each capped), each key answered
from an index: name fragments from trigram indexes (PostgreSQL: pg_trgm GIN; SQLite: FTS5 tables kept in
step by triggers, migration 0016), the exact keys from b-tree indexes. Employers and contacts are the shared
regional record, seen by everyone who works leads; leads only as `permissions.visible_leads_clause` allows.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Integer, Select, case, column, literal, select, table, union, union_all
from sqlalchemy.orm import aliased

from ...extensions import db
from ...models import STAGE_LABELS, Contact, Employer, Lead, Municipality, Team, User
from ...permissions import visible_leads_clause
from .. import audit
from .terms import Terms, read_terms

PER_GROUP = 20  # hits shown per group; one more is fetched to tell whether there are more
# A common fragment ("bouw", "jan") matches thousands of names; the first this many found (in index order)
# are sorted for the page, so a search costs the same however common the fragment (docs/benchmarks.md).
NAME_CANDIDATES = 1000

# The SQLite full-text tables of migration 0016 (outside the ORM metadata): rowid is the row's id.
_EMPLOYER_NAMES = table("search_employer_names", column("rowid", Integer), column("name_key"))
_CONTACT_NAMES = table("search_contact_names", column("rowid", Integer), column("name"))
# Made once: an alias made per call costs milliseconds and defeats the statement cache.
_MANAGER = aliased(User, name="manager")
_OWNER = aliased(User, name="owner")


@dataclass(frozen=True)
class EmployerHit:
    id: int
    name: str
    kvk: str | None
    municipality: str | None
    account_manager: str | None


@dataclass(frozen=True)
class ContactHit:
    id: int
    name: str
    function: str
    employer_id: int
    employer_name: str
    municipality: str | None


@dataclass(frozen=True)
class LeadHit:
    id: int
    stage: str
    created_at: datetime
    employer_id: int
    employer_name: str
    municipality: str | None
    owner: str | None
    team: str | None

    @property
    def stage_label(self) -> str:
        return STAGE_LABELS[self.stage]


@dataclass
class Group:
    """Up to PER_GROUP hits; `more` when the query found more than that."""

    hits: list = field(default_factory=list)
    more: bool = False


@dataclass
class Results:
    terms: Terms
    employers: Group
    contacts: Group
    leads: Group

    @property
    def empty(self) -> bool:
        return not (self.employers.hits or self.contacts.hits or self.leads.hits)


def search(query: str | None, viewer: User) -> Results:
    """What `query` finds for `viewer`; raises ValidationError (Dutch) for an empty, too short or too long query.

    Adds one audit entry for the search (the kinds of key the query was read as and how many hits were
    shown, never the query itself: it may be an e-mail address or phone number) and, as the employer page
    does, a read entry for every contact shown, so a contact's inzage lists the searches that showed them.
    """
    terms = read_terms(query)
    contacts = _capped(_contacts_query(terms), ContactHit)
    # A contact found by e-mail address or phone number is one person: their employer is a hit too.
    via_contacts = [hit.employer_id for hit in contacts.hits] if terms.email or terms.phone else []
    employers = _capped(_employers_query(terms, via_contacts, viewer), EmployerHit)
    leads = _capped(_leads_query(terms, [hit.id for hit in employers.hits], viewer), LeadHit)
    audit.record_about(viewer, "search", "search", kinds=terms.kinds,
                       shown={"employers": len(employers.hits), "contacts": len(contacts.hits),
                              "leads": len(leads.hits)})
    audit.record_reads(viewer, Contact.__tablename__, [hit.id for hit in contacts.hits])
    return Results(terms, employers, contacts, leads)


def _capped(query: Select | None, hit_type) -> Group:
    if query is None:
        return Group()
    rows = db.session.execute(query.limit(PER_GROUP + 1)).all()
    return Group([hit_type(*row) for row in rows[:PER_GROUP]], more=len(rows) > PER_GROUP)


def _sqlite() -> bool:
    return db.session.get_bind().dialect.name == "sqlite"


def _first(rows: Select) -> Select:
    """At most NAME_CANDIDATES of `rows`, as a select that can sit in a UNION on either database."""
    limited = rows.limit(NAME_CANDIDATES).subquery()
    return select(*limited.c)


def _one_of(parts: list[Select]):
    """The rows of every part, once each."""
    return (parts[0] if len(parts) == 1 else union(*parts)).subquery()


_EMPLOYER_COLUMNS = (Employer.id, Employer.name, Employer.name_key)


def _employer_name_rows(key: str) -> Select:
    """Employers whose name key contains `key` (only [a-z0-9], so no LIKE wildcard in it)."""
    pattern = f"%{key}%"
    if _sqlite():
        ids = select(_EMPLOYER_NAMES.c.rowid).where(_EMPLOYER_NAMES.c.name_key.like(pattern))
        return select(*_EMPLOYER_COLUMNS).where(Employer.id.in_(ids.limit(NAME_CANDIDATES)))
    return _first(select(*_EMPLOYER_COLUMNS).where(Employer.name_key.like(pattern)))


def _employers_query(terms: Terms, via_contacts: list[int], viewer: User) -> Select | None:
    """Employers found by any key; the page's rows are picked from (id, name) first, then joined."""
    parts = []
    if terms.name_key:
        parts.append(_employer_name_rows(terms.name_key))
    if terms.kvk:
        parts.append(select(*_EMPLOYER_COLUMNS).where(Employer.kvk == terms.kvk))
    if terms.email_domain:
        parts.append(select(*_EMPLOYER_COLUMNS).where(Employer.email_domain == terms.email_domain))
    if via_contacts:
        parts.append(select(*_EMPLOYER_COLUMNS).where(Employer.id.in_(via_contacts)))
    if terms.lead_id:
        parts.append(select(*_EMPLOYER_COLUMNS).join(Lead, Lead.employer_id == Employer.id)
                     .where(Lead.id == terms.lead_id, visible_leads_clause(viewer)))
    if not parts:
        return None
    found = _one_of(parts)
    # A name that starts with the fragment comes before one that merely contains it.
    rank = case((found.c.name_key.startswith(terms.name_key), 0), else_=1) if terms.name_key else None
    page = (select(found.c.id, found.c.name, (rank if rank is not None else literal(1)).label("rank"))
            .order_by(*(() if rank is None else (rank,)), found.c.name, found.c.id)
            .limit(PER_GROUP + 1).subquery())
    return (select(page.c.id, page.c.name, Employer.kvk, Municipality.name, _MANAGER.name)
            .join(Employer, Employer.id == page.c.id)
            .outerjoin(Municipality, Employer.municipality_id == Municipality.id)
            .outerjoin(_MANAGER, Employer.account_manager_id == _MANAGER.id)
            .order_by(page.c.rank, page.c.name, page.c.id))


_CONTACT_COLUMNS = (Contact.id, Contact.name)


def _contact_name_rows(name: str) -> Select:
    """Contacts whose name contains `name`, ignoring case (terms drop LIKE's wildcards from it)."""
    if not _sqlite():
        return _first(select(*_CONTACT_COLUMNS).where(Contact.name.ilike(f"%{name}%"),
                                                       Contact.anonymised_at.is_(None)))
    # SQLite's LIKE ignores the case of ASCII letters only: "öztürk" must also be tried as "Öztürk".
    # UNION ALL streams: the first spellings (names are mostly written capitalised) may fill the candidates alone.
    spellings = [name] if name.isascii() else list(dict.fromkeys((name.title(), name, name.lower(), name.upper())))
    matches = [select(_CONTACT_NAMES.c.rowid).where(_CONTACT_NAMES.c.name.like(f"%{spelling}%"))
               for spelling in spellings]
    ids = matches[0] if len(matches) == 1 else union_all(*matches)
    return select(*_CONTACT_COLUMNS).where(Contact.id.in_(ids.limit(NAME_CANDIDATES)),
                                           Contact.anonymised_at.is_(None))


def _contacts_query(terms: Terms) -> Select | None:
    """Contacts found by any key (not the anonymised); the page's rows are picked first, then joined."""
    parts = []
    if terms.email:
        parts.append(select(*_CONTACT_COLUMNS).where(Contact.email == terms.email))
    if terms.phone:
        parts.append(select(*_CONTACT_COLUMNS).where(Contact.phone == terms.phone))
    if terms.contact_name:
        parts.append(_contact_name_rows(terms.contact_name))
    if not parts:
        return None
    found = _one_of(parts)
    page = select(found.c.id, found.c.name).order_by(found.c.name, found.c.id).limit(PER_GROUP + 1).subquery()
    return (select(page.c.id, page.c.name, Contact.function, Employer.id, Employer.name, Municipality.name)
            .join(Contact, Contact.id == page.c.id)
            .join(Employer, Contact.employer_id == Employer.id)
            .outerjoin(Municipality, Employer.municipality_id == Municipality.id)
            .order_by(page.c.name, page.c.id))


def _leads_query(terms: Terms, employer_ids: list[int], viewer: User) -> Select | None:
    """The lead asked for by number and the leads of the employers shown, as far as `viewer` may see them."""
    wanted = []
    if terms.lead_id:
        wanted.append(Lead.id == terms.lead_id)
    if employer_ids:
        wanted.append(Lead.employer_id.in_(employer_ids))
    if not wanted:
        return None
    asked_for_first = (case((Lead.id == terms.lead_id, 0), else_=1),) if terms.lead_id else ()
    return (select(Lead.id, Lead.stage, Lead.created_at, Employer.id, Employer.name, Municipality.name, _OWNER.name,
                   Team.name)
            .join(Employer, Lead.employer_id == Employer.id)
            .outerjoin(Municipality, Employer.municipality_id == Municipality.id)
            .outerjoin(_OWNER, Lead.owner_id == _OWNER.id)
            .outerjoin(Team, Lead.team_id == Team.id)
            .where(wanted[0] if len(wanted) == 1 else (wanted[0] | wanted[1]), visible_leads_clause(viewer))
            .order_by(*asked_for_first, Lead.created_at.desc(), Lead.id.desc()))
