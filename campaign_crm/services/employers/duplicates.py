"""Likely duplicate employers, found with self-joins in the database, and pairs declared distinct."""
from __future__ import annotations

from dataclasses import dataclass
from math import ceil

from sqlalchemy import Integer, and_, case, func, literal, not_, select, union_all
from sqlalchemy.orm import aliased, selectinload

from ...extensions import db
from ...models import Contact, Employer, EmployerNonDuplicate, User
from .. import audit, normalise
from ..errors import ValidationError

# Each reason is a bit, so the reasons of a pair add up to one number in SQL (SUM of DISTINCT bits);
# a higher bit is a stronger sign, so ordering by that number puts the likeliest pairs first.
NAME_AND_POSTCODE = 32
CONTACT_EMAIL = 16
CONTACT_PHONE = 8
EMAIL_DOMAIN = 4
NAME_AND_MUNICIPALITY = 2
NAME_ONLY = 1


@dataclass
class DuplicatePair:
    """Two employers that are probably one organisation, and why we think so."""

    first: Employer  # the lower id
    second: Employer
    reasons: list[str]


@dataclass
class DuplicatePage:
    """One page of pairs; quacks like a Flask-SQLAlchemy pagination for the pagination macro."""

    items: list[DuplicatePair]
    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        return max(1, ceil(self.total / self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def next_num(self) -> int:
        return self.page + 1


def _candidates():
    """(first_id, second_id, reason bit) rows, first_id < second_id, from one self-join per rule."""
    a, b = aliased(Employer), aliased(Employer)
    c1, c2 = aliased(Contact), aliased(Contact)
    same_name = (
        select(a.id.label("first_id"), b.id.label("second_id"), case(
            (a.postcode == b.postcode, NAME_AND_POSTCODE),
            (a.municipality_id == b.municipality_id, NAME_AND_MUNICIPALITY),
            else_=NAME_ONLY,
        ).label("reason"))
        .join(b, and_(a.name_key == b.name_key, a.id < b.id))
        .where(a.name_key != "")
    )
    same_domain = (
        select(a.id, b.id, literal(EMAIL_DOMAIN, Integer))
        .join(b, and_(a.email_domain == b.email_domain, a.id < b.id))
        .where(a.email_domain.not_in(sorted(normalise.FREE_MAIL_DOMAINS)))
    )
    same_email = (
        select(c1.employer_id, c2.employer_id, literal(CONTACT_EMAIL, Integer))
        .join(c2, and_(c1.email == c2.email, c1.employer_id < c2.employer_id))
    )
    same_phone = (
        select(c1.employer_id, c2.employer_id, literal(CONTACT_PHONE, Integer))
        .join(c2, and_(c1.phone == c2.phone, c1.employer_id < c2.employer_id))
    )
    return union_all(same_name, same_domain, same_email, same_phone).subquery("candidates")


def likely_pairs_query():
    """Pairs (first_id, second_id, reasons bitmask), likeliest first.

    Left out: pairs someone marked "not a duplicate", and pairs with two KvK numbers (two legal
    entities, which a merge refuses).
    """
    candidates = _candidates()
    pairs = (
        select(candidates.c.first_id, candidates.c.second_id,
               func.sum(candidates.c.reason.distinct()).label("reasons"))
        .group_by(candidates.c.first_id, candidates.c.second_id)
        .subquery("pairs")
    )
    first, second = aliased(Employer), aliased(Employer)
    declared_distinct = (
        select(EmployerNonDuplicate.employer_a_id)
        .where(EmployerNonDuplicate.employer_a_id == pairs.c.first_id,
               EmployerNonDuplicate.employer_b_id == pairs.c.second_id)
        .exists()
    )
    return (
        select(pairs.c.first_id, pairs.c.second_id, pairs.c.reasons)
        .join(first, first.id == pairs.c.first_id)
        .join(second, second.id == pairs.c.second_id)
        .where(not_(and_(first.kvk.is_not(None), second.kvk.is_not(None))), ~declared_distinct)
        .order_by(pairs.c.reasons.desc(), pairs.c.first_id, pairs.c.second_id)
    )


def _reason_texts(mask: int, first: Employer, second: Employer) -> list[str]:
    """Dutch reasons for a pair; contact details are named, never shown (they are personal data)."""
    texts = []
    if mask & NAME_AND_POSTCODE:
        texts.append(f"Zelfde naam en postcode ({first.postcode})")
    if mask & NAME_AND_MUNICIPALITY:
        texts.append(f"Zelfde naam in gemeente {first.municipality.name if first.municipality else '?'}")
    if mask & NAME_ONLY:
        without = "geen van beide" if first.kvk is None and second.kvk is None else "één van beide"
        texts.append(f"Zelfde naam; {without} heeft een KvK-nummer")
    if mask & EMAIL_DOMAIN:
        texts.append(f"Zelfde e-maildomein ({first.email_domain})")
    if mask & CONTACT_EMAIL:
        texts.append("Een contactpersoon met hetzelfde e-mailadres")
    if mask & CONTACT_PHONE:
        texts.append("Een contactpersoon met hetzelfde telefoonnummer")
    return texts


def likely_duplicates(*, page: int = 1, per_page: int = 50) -> DuplicatePage:
    """One page of likely duplicate pairs, each with its reasons."""
    query = likely_pairs_query()
    total = db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    page = max(1, page)
    rows = db.session.execute(query.limit(per_page).offset((page - 1) * per_page)).all()
    ids = {employer_id for row in rows for employer_id in row[:2]}
    employers = {e.id: e for e in db.session.scalars(
        select(Employer).where(Employer.id.in_(ids)).options(
            selectinload(Employer.municipality), selectinload(Employer.account_manager))
    )} if ids else {}
    items = [DuplicatePair(employers[a], employers[b], _reason_texts(mask, employers[a], employers[b]))
             for a, b, mask in rows]
    return DuplicatePage(items=items, page=page, per_page=per_page, total=total or 0)


def mark_not_duplicate(first: Employer, second: Employer, *, actor: User | None) -> EmployerNonDuplicate:
    """Record that two employers were checked and are different organisations (stored lower id first)."""
    if first.id == second.id:
        raise ValidationError("Kies twee verschillende werkgevers.", {"second": "Dezelfde werkgever."})
    low, high = sorted((first, second), key=lambda employer: employer.id)
    existing = db.session.get(EmployerNonDuplicate, (low.id, high.id))
    if existing is not None:
        return existing
    pair = EmployerNonDuplicate(employer_a_id=low.id, employer_b_id=high.id, decided_by_id=actor.id if actor else None)
    db.session.add(pair)
    db.session.flush()
    audit.record(actor, "employer_not_duplicate", low, other_employer_id=high.id, other_name=high.name)
    return pair


def is_marked_not_duplicate(first_id: int, second_id: int) -> bool:
    low, high = sorted((first_id, second_id))
    return db.session.get(EmployerNonDuplicate, (low, high)) is not None
