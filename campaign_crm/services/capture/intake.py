"""The one intake path: every touchpoint (form, API, import, demo) becomes a lead through here.

`record_touchpoints` takes a batch; `record_touchpoint` is the same code with a batch of one, so
there is one set of rules. A batch goes through three steps:

1. normalise each record (pure, against code look-ups asked once per batch): every refusal comes
   from here, so a refused record writes nothing and the write step cannot fail on a record's data;
2. find what exists (earlier external_ids, employers by KvK / e-mail domain / name + postcode,
   their contacts and open leads) in a few IN queries for the whole batch, then decide record by
   record, in order, in memory, so a record also finds what the records before it made;
3. write with Core INSERT/UPDATE over lists of rows (one executemany per table, ids by RETURNING).
"""
from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import func, select, text

from ...extensions import db
from ...models import (
    AdCode,
    ApiToken,
    Campaign,
    Channel,
    Contact,
    Employer,
    EventRegistration,
    Interest,
    Lead,
    Municipality,
    Phase,
    Sector,
    Touchpoint,
    User,
    utcnow,
)
from ...models.leads import OPEN_STAGES, lead_interests
from ...permissions import ADMIN, CAMPAIGN
from .. import bulk, normalise, reference
from ..calendar import AMSTERDAM, sla_due, today
from ..campaigns import ad_codes
from ..errors import ValidationError
from ..leads import attribution
from ..routing import engine as routing
from ..routing import priority

SIZE_CLASSES = ("1-9", "10-49", "50-249", "250+")
IDENTITY_LOCK_NAMESPACE = 4711  # advisory-lock namespace of employer identities
IDENTITY_LOCK_BUCKETS = 512
# A sender's clock may run a little ahead; beyond this, a time "in the future" is refused.
CLOCK_SKEW = timedelta(minutes=2)
# The source of the external ids sent by the region's own admin and campaign tokens without a partner.
REGION_SOURCE = "region"
# What an intake fills in on an employer when the record does not know it yet (never overwrites).
EMPLOYER_FIELDS = ("kvk", "vestigingsnummer", "postcode", "municipality_id", "sector_id", "sbi_code", "size_class",
                   "website", "email_domain")


@dataclass
class EmployerInput:
    name: str
    kvk: str | None = None
    vestigingsnummer: str | None = None
    municipality: str | None = None
    sector: str | None = None
    sbi: str | None = None
    size: str | None = None
    postcode: str | None = None
    website: str | None = None


@dataclass
class ContactInput:
    name: str = ""
    function: str = ""
    email: str | None = None
    phone: str | None = None


@dataclass
class TouchpointInput:
    employer: EmployerInput
    contact: ContactInput
    kind: str = "api"
    campaign: str | None = None
    channel: str | None = None
    phase: str | None = None
    utm: dict[str, str] = field(default_factory=dict)
    interests: list[str] = field(default_factory=list)
    message: str | None = None
    how_heard: str | None = None
    occurred_at: datetime | None = None
    external_id: str | None = None
    # Who issued external_id (required with it): the id is unique only within its source, e.g.
    # `token_source(token)` for the API, the platform ("meta", "zoom") for an import.
    external_source: str | None = None
    consent_basis: str | None = None
    consent_text_version: str | None = None
    ad_code: str | None = None
    # False: record the touchpoint (attached to an open lead if there is one) without starting a
    # new lead, e.g. a livestream registration that does not meet the lead rule yet.
    make_lead: bool = True
    import_batch_id: int | None = None
    # When the touchpoint reached the CRM (default: now). A new lead's first-contact deadline counts from here, not
    # from occurred_at: a row of an old export imported today is not overdue on arrival. The demo region, which
    # plays out months of history, gives each touchpoint its own moment of arrival.
    arrived_at: datetime | None = None


@dataclass
class IntakeResult:
    """What the intake did with one touchpoint; `lead` and `touchpoint` load the rows on first use."""

    lead_id: int | None
    touchpoint_id: int | None
    employer_id: int | None = None
    contact_id: int | None = None
    created: bool = False
    attached: bool = False
    unchanged: bool = False
    warnings: list[str] = field(default_factory=list)
    _lead: Lead | None = field(default=None, repr=False, compare=False)
    _touchpoint: Touchpoint | None = field(default=None, repr=False, compare=False)

    @property
    def lead(self) -> Lead | None:
        if self._lead is None and self.lead_id is not None:
            self._lead = db.session.get(Lead, self.lead_id)
        return self._lead

    @property
    def touchpoint(self) -> Touchpoint | None:
        if self._touchpoint is None and self.touchpoint_id is not None:
            self._touchpoint = db.session.get(Touchpoint, self.touchpoint_id)
        return self._touchpoint


def token_source(token: ApiToken) -> str:
    """The source of the external ids an API token sends: its partner (`partner:<id>`, shared by the
    partner's tokens, so a new token replays the old one's ids); without a partner, the region's own
    systems (`region`) for admin and campaign tokens, which see every lead anyway; any other token
    without a partner is a source of its own (`token:<id>`)."""
    if token.partner_id is not None:
        return f"partner:{token.partner_id}"
    if token.role in {ADMIN, CAMPAIGN}:
        return REGION_SOURCE
    return f"token:{token.id}"


def size_class(raw: str | None) -> str | None:
    """A size class code from a code or a head count."""
    if not raw:
        return None
    value = raw.strip()
    if value in SIZE_CLASSES:
        return value
    if value.isdigit():
        count = int(value)
        return "1-9" if count < 10 else "10-49" if count < 50 else "50-249" if count < 250 else "250+"
    raise ValidationError(f"Onbekende grootteklasse {raw!r}.",
                          {"employer.size": "Verwacht 1-9, 10-49, 50-249, 250+ of een aantal."})


@cache
def _max_length(column) -> int:
    """The length of a model's string column, so input is checked against what the table holds."""
    return column.property.columns[0].type.length


def _optional_text(raw: str | None, column, field_name: str, warnings: list[str]) -> str | None:
    """Trimmed optional text; one longer than its column is dropped with a warning, not a database error."""
    value = (raw or "").strip()
    if not value:
        return None
    limit = _max_length(column)
    if len(value) > limit:
        warnings.append(f"{field_name}: langer dan {limit} tekens. Waarde is weggelaten.")
        return None
    return value


def _optional(fn, raw: str | None, field_name: str, warnings: list[str]):
    """Normalise an optional value; an invalid one is dropped with a warning instead of losing the lead."""
    if raw is None or not str(raw).strip():
        return None
    try:
        return fn(str(raw), field_name)
    except ValidationError as exc:
        warnings.append(f"{field_name}: {next(iter(exc.fields.values()))} Waarde {raw!r} is weggelaten.")
        return None


def record_touchpoint(data: TouchpointInput, *, actor: User | None = None,
                      route: bool | routing.Router = True) -> IntakeResult:
    """Store one touchpoint; attach it to the employer's open lead or create a new lead.

    Raises ValidationError (with per-field messages) when the touchpoint cannot be stored.
    A new lead is routed at once (`routing.route_lead`); a bulk caller passes its `routing.Router`,
    which decides the route before the lead is written (the same choice, far fewer statements);
    `route=False` leaves the lead waiting for routing.
    """
    outcome = record_touchpoints([data], actor=actor, route=route)[0]
    if isinstance(outcome, ValidationError):
        raise outcome
    return outcome


def record_touchpoints(batch: Sequence[TouchpointInput], *, actor: User | None = None,
                       route: bool | routing.Router = True,
                       lookups: Lookups | None = None) -> list[IntakeResult | ValidationError]:
    """Store touchpoints as if one by one, in order: each gets its IntakeResult, or the ValidationError
    that refused it (a refused touchpoint writes nothing; the others are stored).

    A caller with many batches in one transaction (an import) may pass one `Lookups` for all of them.
    """
    db.session.flush()  # the look-ups below read the tables, so pending ORM changes go first
    now = utcnow()
    ask = lookups or Lookups()
    outcomes: list[IntakeResult | ValidationError | None] = [None] * len(batch)
    if any(data.external_id and not data.external_source for data in batch):
        raise ValueError("An external_id needs its external_source: the id is unique only within its source.")
    earlier = _earlier({_external_key(data) for data in batch if data.external_id})
    stored_by: dict[tuple[str, str], int] = {}  # (source, external_id) → the record of this batch that stores it
    replays: list[tuple[int, int]] = []
    records: list[_Record] = []
    for index, data in enumerate(batch):
        key = _external_key(data) if data.external_id else None
        if key in earlier:
            outcomes[index] = IntakeResult(lead_id=earlier[key], touchpoint_id=None, unchanged=True)
            continue
        if key in stored_by:
            replays.append((index, stored_by[key]))
            continue
        try:
            record = _normalise(data, now, ask)
        except ValidationError as exc:
            outcomes[index] = exc
            continue
        record.index = index
        if key:
            stored_by[key] = index
        records.append(record)

    if records:
        _store(records, outcomes, now=now, ask=ask, route=route, actor=actor)
    for index, original in replays:
        first = outcomes[original]
        outcomes[index] = IntakeResult(lead_id=first.lead_id, touchpoint_id=None, unchanged=True)
    return outcomes


def _store(records: list[_Record], outcomes: list, *, now: datetime, ask: Lookups,
           route: bool | routing.Router, actor: User | None) -> None:
    """Write the normalised records as one plan, put each result in its place, and route the new leads
    (at once, or as the caller's router decided before writing)."""
    router = route if isinstance(route, routing.Router) else None
    plan = _Plan(records, now, ask)
    for record, result in zip(records, plan.write(router), strict=True):
        outcomes[record.index] = result
    if route is True:
        for record in records:
            result = outcomes[record.index]
            if result.created:
                routing.route_lead(result.lead, actor=actor, at=record.occurred_at)


def _external_key(data: TouchpointInput) -> tuple[str, str]:
    return data.external_source, data.external_id


def _earlier(keys: set[tuple[str, str]]) -> dict[tuple[str, str], int | None]:
    """The (source, external_id) pairs already recorded (on a touchpoint or a lead), each with the lead it went to.

    Only the same source's ids count: an equal id from another source is another touchpoint.
    """
    found: dict[tuple[str, str], int | None] = {}
    by_source: dict[str, set[str]] = {}
    for source, external_id in keys:
        by_source.setdefault(source, set()).add(external_id)
    for source, external_ids in by_source.items():
        for external_id, lead_id in db.session.execute(
            select(Touchpoint.external_id, Touchpoint.lead_id)
            .where(Touchpoint.external_source == source, Touchpoint.external_id.in_(external_ids))
        ):
            found[source, external_id] = lead_id
        rest = {external_id for external_id in external_ids if (source, external_id) not in found}
        if rest:
            for external_id, lead_id in db.session.execute(
                select(Lead.external_id, Lead.id).where(Lead.external_source == source, Lead.external_id.in_(rest))
            ):
                found[source, external_id] = lead_id
    return found


class Lookups:
    """Code look-ups (reference, ad codes) asked once each: for one batch, or for one transaction
    (the code tables do not change under it)."""

    def __init__(self) -> None:
        self._answers: dict[tuple, Any] = {}

    def __call__(self, fn: Callable, *args):
        key = (fn, *args)
        if key not in self._answers:
            try:
                self._answers[key] = fn(*args)
            except ValidationError as exc:
                self._answers[key] = exc
        answer = self._answers[key]
        if isinstance(answer, ValidationError):
            raise ValidationError(answer.message, dict(answer.fields))
        return answer


@dataclass(eq=False)
class _Record:
    """One touchpoint after normalisation: checked, in its stored form, ready to match and write."""

    data: TouchpointInput
    occurred_at: datetime
    name: str
    name_key: str
    kvk: str | None
    domain: str | None
    postcode: str | None
    employer_values: dict[str, Any]
    email: str | None
    phone: str | None
    contact_name: str
    contact_function: str
    campaign: Campaign | None
    phase: Phase | None
    channel: Channel | None
    ad_code: AdCode | None
    interests: list[Interest]
    utm: dict[str, str]
    how_heard: str | None
    warnings: list[str]
    index: int = 0
    # The ids of campaign, phase, channel and ad code, read off the objects once.
    campaign_id: int | None = None
    phase_id: int | None = None
    channel_id: int | None = None
    ad_code_id: int | None = None

    def __post_init__(self) -> None:
        self.campaign_id, self.phase_id = _id(self.campaign), _id(self.phase)
        self.channel_id, self.ad_code_id = _id(self.channel), _id(self.ad_code)

    @property
    def identity_keys(self) -> list[str]:
        """The employer identities this record may create or find, for the advisory locks."""
        keys = [f"kvk:{self.kvk}" if self.kvk else None, f"domain:{self.domain}" if self.domain else None,
                f"name:{self.name_key}:{self.postcode}" if self.postcode else None]
        return [key for key in keys if key]


def _normalise(data: TouchpointInput, now: datetime, ask: Lookups) -> _Record:
    """Check and normalise one touchpoint; raises ValidationError with every field that is wrong.

    A wrong required value is an error; a wrong optional one is dropped with a warning instead, so the
    lead is not lost. The steps run in the order their messages are listed.
    """
    errors: dict[str, str] = {}
    warnings: list[str] = []
    occurred_at = _occurred_at(data, now, errors)
    name = (data.employer.name or "").strip()
    _check_required_lengths(data, name, errors)
    _refuse_bsns(data, errors)
    email, phone = _email_and_phone(data.contact, errors, warnings)
    employer = _employer_fields(data.employer, ask, warnings)
    contact_name = _optional_text(data.contact.name, Contact.name, "contact.name", warnings) or ""
    contact_function = _optional_text(data.contact.function, Contact.function, "contact.function", warnings) or ""
    how_heard = _optional_text(data.how_heard, Touchpoint.how_heard, "how_heard", warnings)
    sector = _sector(data.employer.sector, employer.sbi, ask, warnings)
    interests = _interests(data.interests, ask, errors)
    utm = _utm(data.utm, warnings)
    origin = _attribution(data, occurred_at, utm, how_heard, ask, errors)
    if errors:
        raise ValidationError("De aanmelding is niet opgeslagen: " + " ".join(errors.values()), errors)

    domain = normalise.email_domain(email) if email else None
    return _Record(
        data=data, occurred_at=occurred_at, name=name, name_key=normalise.name_key(name), kvk=employer.kvk,
        domain=domain, postcode=employer.postcode,
        employer_values={"kvk": employer.kvk, "vestigingsnummer": employer.vestigingsnummer,
                         "postcode": employer.postcode,
                         "municipality_id": employer.municipality.id if employer.municipality else None,
                         "sector_id": sector.id if sector else None, "sbi_code": employer.sbi,
                         "size_class": employer.size_class, "website": employer.website, "email_domain": domain},
        email=email, phone=phone, contact_name=contact_name, contact_function=contact_function,
        campaign=origin.campaign, phase=origin.phase, channel=origin.channel, ad_code=origin.ad_code,
        interests=interests, utm=utm, how_heard=how_heard, warnings=warnings,
    )


def _occurred_at(data: TouchpointInput, now: datetime, errors: dict[str, str]) -> datetime | None:
    """When it happened (default: now), with a time zone and not in the future; None when refused."""
    occurred_at = data.occurred_at or now
    if occurred_at.tzinfo is None:
        errors["occurred_at"] = "Tijd zonder tijdzone."
    elif occurred_at > now + CLOCK_SKEW:
        errors["occurred_at"] = "Mag niet in de toekomst liggen."
    else:
        return occurred_at
    return None


def _check_required_lengths(data: TouchpointInput, name: str, errors: dict[str, str]) -> None:
    """The employer's name is required; it and the external_id must fit their columns."""
    if not name:
        errors["employer.name"] = "Vul de naam van de werkgever in."
    elif len(name) > _max_length(Employer.name):
        errors["employer.name"] = f"Een naam heeft hoogstens {_max_length(Employer.name)} tekens."
    if data.external_id and len(data.external_id) > _max_length(Lead.external_id):
        errors["external_id"] = f"Een external_id heeft hoogstens {_max_length(Lead.external_id)} tekens."


def _refuse_bsns(data: TouchpointInput, errors: dict[str, str]) -> None:
    """No free text may hold a BSN. Identifier fields too: a BSN typed into the KvK field must not be
    stored or echoed back in a warning."""
    for label, value in {
        "employer.name": data.employer.name, "employer.kvk": data.employer.kvk,
        "employer.vestigingsnummer": data.employer.vestigingsnummer, "employer.website": data.employer.website,
        "contact.name": data.contact.name, "contact.function": data.contact.function, "message": data.message,
        "how_heard": data.how_heard,
    }.items():
        try:
            normalise.refuse_bsn(value, label)
        except ValidationError as exc:
            errors.update(exc.fields)


def _email_and_phone(contact: ContactInput, errors: dict[str, str],
                     warnings: list[str]) -> tuple[str | None, str | None]:
    """The contact's e-mail address and phone number; an invalid one is dropped with a warning, but the
    contact must remain reachable by one of them (then the error replaces those warnings)."""
    email = _optional(normalise.email, contact.email, "contact.email", warnings)
    phone = _optional(normalise.phone, contact.phone, "contact.phone", warnings)
    if email is None and phone is None:
        errors["contact"] = "Geef een geldig e-mailadres of telefoonnummer van de contactpersoon."
        warnings.clear()
    return email, phone


@dataclass(frozen=True)
class _EmployerFields:
    """The optional employer values of a touchpoint in their stored form (None: not given or dropped)."""

    kvk: str | None
    vestigingsnummer: str | None
    postcode: str | None
    size_class: str | None
    municipality: Municipality | None
    website: str | None
    sbi: str | None


def _employer_fields(employer: EmployerInput, ask: Lookups, warnings: list[str]) -> _EmployerFields:
    """Each optional employer value normalised; an invalid or unknown one is dropped with a warning."""
    return _EmployerFields(
        kvk=_optional(normalise.kvk, employer.kvk, "employer.kvk", warnings),
        vestigingsnummer=_optional(normalise.vestigingsnummer, employer.vestigingsnummer,
                                   "employer.vestigingsnummer", warnings),
        postcode=_optional(normalise.postcode, employer.postcode, "employer.postcode", warnings),
        size_class=_optional(lambda v, f: size_class(v), employer.size, "employer.size", warnings),
        municipality=_optional(lambda v, f: ask(reference.municipality, v, f), employer.municipality,
                               "employer.municipality", warnings),
        website=_optional_text(employer.website, Employer.website, "employer.website", warnings),
        sbi=_optional_text(employer.sbi, Employer.sbi_code, "employer.sbi", warnings),
    )


def _sector(raw: str | None, sbi: str | None, ask: Lookups, warnings: list[str]) -> Sector | None:
    """The sector as given (an unknown one is dropped with a warning), else the one of the SBI code."""
    if raw:
        return _optional(lambda v, f: ask(reference.sector, v, f), raw, "employer.sector", warnings)
    if sbi:
        return ask(reference.sector_for_sbi, sbi)
    return None


def _interests(raw: list[str] | None, ask: Lookups, errors: dict[str, str]) -> list[Interest]:
    """The interests by their codes; an unknown code is an error."""
    try:
        return ask(reference.interests, tuple(raw or ()))
    except ValidationError as exc:
        errors.update(exc.fields)
        return []


def _utm(raw: dict[str, str] | None, warnings: list[str]) -> dict[str, str]:
    """The UTM parameters we keep (source, medium, campaign, content, term, id), trimmed; others are ignored,
    a value too long for its column is dropped with a warning."""
    utm: dict[str, str] = {}
    for key, given in (raw or {}).items():
        column = getattr(Touchpoint, f"utm_{key}", None)
        value = _optional_text(given, column, f"utm.{key}", warnings) if column is not None else None
        if value:
            utm[key] = value
    return utm


@dataclass(frozen=True)
class _Attribution:
    campaign: Campaign | None = None
    phase: Phase | None = None
    channel: Channel | None = None
    ad_code: AdCode | None = None


def _attribution(data: TouchpointInput, occurred_at: datetime | None, utm: dict[str, str], how_heard: str | None,
                 ask: Lookups, errors: dict[str, str]) -> _Attribution:
    """Campaign, phase and channel: the ad code first, then what the caller states, then UTM, then the answer
    to "how did you hear of us". The first unknown code is an error, and nothing after it is looked up."""
    try:
        ad_code = ask(ad_codes.by_code, data.ad_code) if data.ad_code and data.ad_code.strip() else None
        campaign = ad_code.campaign if ad_code else ask(reference.campaign, data.campaign)
        phase = _phase(data.phase, ad_code, campaign, occurred_at, ask)
        channel = _channel(data.channel, ad_code, utm, how_heard, ask)
    except ValidationError as exc:
        errors.update(exc.fields)
        return _Attribution()
    return _Attribution(campaign, phase, channel, ad_code)


def _phase(raw: str | None, ad_code: AdCode | None, campaign: Campaign, occurred_at: datetime | None,
           ask: Lookups) -> Phase | None:
    """The ad code's phase, else the phase named, else the campaign's phase on the day (none for a refused time)."""
    if ad_code and ad_code.phase:
        return ad_code.phase
    if raw:
        return ask(reference.phase, campaign, raw)
    if occurred_at is not None:
        return ask(reference.phase_on, campaign, occurred_at.date())
    return None


def _channel(raw: str | None, ad_code: AdCode | None, utm: dict[str, str], how_heard: str | None,
             ask: Lookups) -> Channel | None:
    """The ad code's channel, else the channel named, else the one of the UTM source and medium, else the
    one of the answer to "how did you hear of us"."""
    if ad_code:
        return ad_code.channel
    if raw:
        return ask(reference.channel, raw)
    return ask(reference.channel_for_utm, utm.get("source"), utm.get("medium")) or (
        ask(reference.channel_for_answer, how_heard) if how_heard else None
    )


# --- matching and writing a batch ------------------------------------------------------------------

@dataclass(eq=False)
class _EmployerRow:
    id: int | None  # None until inserted
    order: tuple[int, int]  # existing employers by id, then the new ones in the order they were made
    name: str
    name_key: str
    values: dict[str, Any]
    changed: set[str] = field(default_factory=set)
    open_lead: _LeadRow | None = None


@dataclass(eq=False)
class _ContactRow:
    id: int | None
    employer: _EmployerRow
    values: dict[str, Any]
    changed: set[str] = field(default_factory=set)


@dataclass(eq=False)
class _LeadRow:
    id: int | None
    employer: _EmployerRow
    campaign_id: int | None
    message: str | None
    interest_ids: set[int]
    values: dict[str, Any] = field(default_factory=dict)  # a new lead's columns
    routed: routing.Routed | None = None  # a new lead's route, decided before it is written
    new_interest_ids: list[int] = field(default_factory=list)
    touched: bool = False


class _Plan:
    """One batch's matching (in memory, record by record) and its writes."""

    def __init__(self, records: list[_Record], now: datetime, ask: Lookups) -> None:
        self.records, self.now, self.ask = records, now, ask
        self.employers_new: list[_EmployerRow] = []
        self.contacts_new: list[_ContactRow] = []
        self.leads_new: list[_LeadRow] = []
        self.contacts_existing: list[_ContactRow] = []
        self._due: dict = {}
        self._interests: dict[int, Interest] = {}
        _lock_identity(*(key for record in records for key in record.identity_keys))
        self._load_employers()
        self.employer_of = [self._employer(record) for record in records]
        self._load_contacts_and_leads()

    # -- employers: KvK, then the domain of a non-free-mail address, then name + postcode

    def _load_employers(self) -> None:
        kvks = {r.kvk for r in self.records if r.kvk}
        domains = {r.domain for r in self.records if r.domain}
        name_keys = {r.name_key for r in self.records if r.postcode}
        columns = (Employer.id, Employer.name, Employer.name_key, Employer.account_manager_id,
                   *(getattr(Employer, f) for f in EMPLOYER_FIELDS))
        rows = {}
        for column, wanted in ((Employer.kvk, kvks), (Employer.email_domain, domains), (Employer.name_key, name_keys)):
            if wanted:
                for row in db.session.execute(select(*columns).where(column.in_(wanted))):
                    rows[row.id] = row
        self.by_kvk: dict[str, _EmployerRow] = {}
        self.by_domain: dict[str, list[_EmployerRow]] = {}
        self.by_name: dict[tuple[str, str], list[_EmployerRow]] = {}
        self.existing: dict[int, _EmployerRow] = {}
        for employer_id in sorted(rows):
            row = rows[employer_id]
            employer = _EmployerRow(row.id, (0, row.id), row.name, row.name_key,
                                    {f: getattr(row, f) for f in (*EMPLOYER_FIELDS, "account_manager_id")})
            self.existing[employer.id] = employer
            self._index(employer)

    def _index(self, employer: _EmployerRow, only: tuple[str, ...] = EMPLOYER_FIELDS) -> None:
        values = employer.values
        if "kvk" in only and values["kvk"]:
            self.by_kvk[values["kvk"]] = employer
        if "email_domain" in only and values["email_domain"]:
            _insert_ordered(self.by_domain.setdefault(values["email_domain"], []), employer)
        if "postcode" in only and values["postcode"]:
            _insert_ordered(self.by_name.setdefault((employer.name_key, values["postcode"]), []), employer)

    def _employer(self, record: _Record) -> _EmployerRow:
        employer = self._find(record)
        if employer is None:
            employer = _EmployerRow(None, (1, len(self.employers_new)), record.name, record.name_key,
                                    dict.fromkeys((*EMPLOYER_FIELDS, "account_manager_id")))
            self.employers_new.append(employer)
        # Fill what the record does not know yet; never overwrite what someone entered.
        filled = tuple(f for f, value in record.employer_values.items()
                       if value is not None and employer.values[f] is None)
        for name in filled:
            employer.values[name] = record.employer_values[name]
            employer.changed.add(name)
        self._index(employer, filled)
        return employer

    def _find(self, record: _Record) -> _EmployerRow | None:
        """find_employer's rule, on what the database holds plus what this batch made so far.

        With a KvK number given, an employer registered under another KvK number is never a match:
        two numbers are two legal entities.
        """
        if record.kvk and record.kvk in self.by_kvk:
            return self.by_kvk[record.kvk]
        for candidates in (self.by_domain.get(record.domain) if record.domain else None,
                           self.by_name.get((record.name_key, record.postcode)) if record.postcode else None):
            for employer in candidates or ():
                if not (record.kvk and employer.values["kvk"]):
                    return employer
        return None

    # -- contacts (by e-mail, else phone) and open leads of the employers found

    def _load_contacts_and_leads(self) -> None:
        found = {e.id for e in self.employer_of if e.id is not None}
        self.contact_by_email: dict[tuple[int, str], _ContactRow] = {}
        self.contact_by_phone: dict[tuple[int, str], _ContactRow] = {}
        leads: dict[int, _LeadRow] = {}
        if found:
            known = [r for r, e in zip(self.records, self.employer_of, strict=True) if e.id is not None]
            emails = {r.email for r in known if r.email}
            phones = {r.phone for r in known if r.phone and not r.email}
            rows = {}
            columns = (Contact.id, Contact.employer_id, Contact.email, Contact.phone, Contact.name, Contact.function,
                       Contact.consent_basis)
            for column, wanted in ((Contact.email, emails), (Contact.phone, phones)):
                if wanted:
                    for row in db.session.execute(select(*columns).where(Contact.employer_id.in_(found),
                                                                         column.in_(wanted))):
                        rows[row.id] = row
            for contact_id in sorted(rows):
                row = rows[contact_id]
                contact = _ContactRow(row.id, self.existing[row.employer_id],
                                      {"email": row.email, "phone": row.phone, "name": row.name,
                                       "function": row.function, "consent_basis": row.consent_basis})
                self.contacts_existing.append(contact)
                self._index_contact(contact)
            # The employers' leads, open ones picked here: given the stage condition too, SQLite may read every
            # open lead by the stage index instead of the employers' leads (a plan that gets slower with every
            # lead stored). An employer has few leads.
            their_leads = db.session.execute(
                select(Lead.id, Lead.employer_id, Lead.campaign_id, Lead.message, Lead.stage)
                .where(Lead.employer_id.in_(found))
            ).all()
            for row in sorted((row for row in their_leads if row.stage in OPEN_STAGES), key=lambda row: row.id):
                employer = self.existing[row.employer_id]
                if employer.open_lead is None:
                    employer.open_lead = leads[row.id] = _LeadRow(row.id, employer, row.campaign_id, row.message, set())
            if leads:
                for lead_id, interest_id in db.session.execute(
                    select(lead_interests.c.lead_id, lead_interests.c.interest_id)
                    .where(lead_interests.c.lead_id.in_(leads))
                ):
                    leads[lead_id].interest_ids.add(interest_id)
        self.leads_existing = leads

    def _index_contact(self, contact: _ContactRow) -> None:
        for index, attribute in ((self.contact_by_email, "email"), (self.contact_by_phone, "phone")):
            value = contact.values[attribute]
            if value:
                index.setdefault((id(contact.employer), value), contact)

    def _contact(self, record: _Record, employer: _EmployerRow) -> _ContactRow:
        contact = None
        if record.email:
            contact = self.contact_by_email.get((id(employer), record.email))
        elif record.phone:
            contact = self.contact_by_phone.get((id(employer), record.phone))
        data = record.data
        if contact is None:
            contact = _ContactRow(None, employer, {"name": record.contact_name, "function": record.contact_function,
                                                   "email": record.email, "phone": record.phone, "consent_basis": None,
                                                   "consent_at": None, "consent_source": None,
                                                   "consent_text_version": None})
            self.contacts_new.append(contact)
        else:
            for attribute, value in (("phone", record.phone), ("name", record.contact_name),
                                     ("function", record.contact_function)):
                if value and not contact.values[attribute]:
                    contact.values[attribute] = value
                    contact.changed.add(attribute)
        if data.consent_basis and contact.values["consent_basis"] is None:
            contact.values.update(consent_basis=data.consent_basis, consent_at=record.occurred_at,
                                  consent_source=data.kind, consent_text_version=data.consent_text_version)
            contact.changed.update(("consent_basis", "consent_at", "consent_source", "consent_text_version"))
        self._index_contact(contact)
        return contact

    # -- the decisions, then the writes

    def write(self, router: routing.Router | None) -> list[IntakeResult]:
        sla_days = int(self.ask(reference.setting, "sla_working_days"))
        touchpoints: list[tuple[_Record, _ContactRow, _LeadRow | None, bool]] = []
        for record, employer in zip(self.records, self.employer_of, strict=True):
            data = record.data
            contact = self._contact(record, employer)
            lead = employer.open_lead
            created = lead is None and data.make_lead
            if created:
                message = (data.message or "").strip() or None
                lead = employer.open_lead = _LeadRow(None, employer, record.campaign_id, message, set())
                lead.values = {
                    "contact": contact, "campaign_id": lead.campaign_id, "phase_id": record.phase_id,
                    "channel_id": record.channel_id, "stage": "new", "message": message,
                    # Its last touch so far; _last_touch takes the batch's later records into account, so
                    # the lead is written with it and refresh_last_touch below has nothing to rewrite.
                    "last_touch_channel_id": record.channel_id, "last_touch_phase_id": record.phase_id,
                    "external_source": data.external_source if data.external_id else None,
                    "external_id": data.external_id, "created_at": record.occurred_at,
                    "arrived_at": max(record.occurred_at, data.arrived_at or self.now),
                    "sla_due_at": self._sla_due(max(record.occurred_at, data.arrived_at or self.now), sla_days),
                }
                self.leads_new.append(lead)
            if lead is not None:
                lead.touched = True
                for interest in record.interests:
                    if interest.id not in lead.interest_ids:
                        lead.interest_ids.add(interest.id)
                        lead.new_interest_ids.append(interest.id)
            touchpoints.append((record, contact, lead, created))

        self._score()
        self._last_touch(touchpoints)
        if router is not None:
            self._route(router)
        self._write_employers()
        self._write_contacts()
        self._write_leads()
        if router is not None:
            for lead in self.leads_new:
                router.record(lead.id, lead.routed)
            router.write()
        touchpoint_ids = self._write_touchpoints(touchpoints)
        attribution.refresh_last_touch(lead.id for _, _, lead, _ in touchpoints if lead is not None)
        self._expire_changed()
        return [
            IntakeResult(lead_id=lead.id if lead else None, touchpoint_id=touchpoint_id,
                         employer_id=contact.employer.id, contact_id=contact.id, created=created,
                         attached=lead is not None and not created, warnings=record.warnings)
            for (record, contact, lead, created), touchpoint_id in zip(touchpoints, touchpoint_ids, strict=True)
        ]

    def _last_touch(self, touchpoints: list[tuple[_Record, _ContactRow, _LeadRow | None, bool]]) -> None:
        """A new lead's last touch by the rule of `attribution.refresh_last_touch`, from all of this batch's
        touchpoints (its only ones; no meeting yet), also when a later record of the batch attaches to it: it is
        written with the lead, and the refresh has nothing to rewrite. The touchpoints get their ids in this
        order, so a later one of the same time is the later recorded."""
        latest: dict[tuple[int, str], datetime] = {}
        for record, _, lead, _ in touchpoints:
            if lead is None or lead.id is not None:
                continue  # no lead, or one that existed before this batch: the refresh works that out
            for column, value in (("last_touch_channel_id", record.channel_id),
                                  ("last_touch_phase_id", record.phase_id)):
                key = (id(lead), column)
                if value is not None and (key not in latest or record.occurred_at >= latest[key]):
                    latest[key] = record.occurred_at
                    lead.values[column] = value

    def _sla_due(self, occurred_at: datetime, working_days: int) -> datetime:
        """calendar.sla_due, once per Amsterdam day (the due time depends on the day alone)."""
        day = occurred_at.astimezone(AMSTERDAM).date()
        if day not in self._due:
            self._due[day] = sla_due(occurred_at, working_days)
        return self._due[day]

    def _score(self) -> None:
        """The priority score of every lead this batch creates or attaches to, by priority.compose."""
        touched = [lead for lead in (*self.leads_existing.values(), *self.leads_new) if lead.touched]
        registrations: dict[int, tuple] = {}
        existing = [lead.id for lead in touched if lead.id is not None]
        if existing:
            for lead_id, *facts in db.session.execute(
                select(EventRegistration.lead_id, func.max(EventRegistration.asked_for_contact.cast(db.Integer)),
                       func.max(EventRegistration.attended.cast(db.Integer)),
                       func.coalesce(func.sum(EventRegistration.minutes_watched), 0))
                .where(EventRegistration.lead_id.in_(existing)).group_by(EventRegistration.lead_id)
            ):
                registrations[lead_id] = tuple(facts)
        for lead in touched:
            sector_id = lead.employer.values["sector_id"]
            sector = db.session.get(Sector, sector_id) if sector_id else None
            campaign = db.session.get(Campaign, lead.campaign_id) if lead.campaign_id else None
            current = self.ask(reference.phase_on, campaign, today()) if sector and campaign else None
            interests = sorted((self._interest(i) for i in lead.interest_ids), key=lambda i: (i.sort_order, i.id))
            parts = priority.compose(registrations.get(lead.id), sector=sector, current_phase=current,
                                     interests=interests, message=lead.message)
            lead.values.update(priority=sum(p["points"] for p in parts), priority_parts=parts)

    def _route(self, router: routing.Router) -> None:
        """Decide the route of every new lead (oldest first, as route_many would) before it is written:
        the lead is inserted with its owner, and an employer gets its account manager with it."""
        for lead in sorted(self.leads_new, key=lambda lead: lead.values["created_at"]):
            employer = lead.employer.values
            sector = db.session.get(Sector, employer["sector_id"]) if employer["sector_id"] else None
            facts = routing.LeadFacts(employer["municipality_id"], employer["sector_id"],
                                      sector.name if sector else None, employer["size_class"],
                                      lead.values["channel_id"], lead.values["phase_id"],
                                      employer["account_manager_id"])
            lead.routed = router.decide(facts, stage="new", at=self.now)
            lead.values.update(lead.routed.columns)
            if lead.routed.takes_employer:
                employer["account_manager_id"] = lead.routed.choice.advisor_id
                lead.employer.changed.add("account_manager_id")

    def _interest(self, interest_id: int) -> Interest:
        if interest_id not in self._interests:
            self._interests[interest_id] = db.session.get(Interest, interest_id)
        return self._interests[interest_id]

    def _write_employers(self) -> None:
        changed = [e for e in self.existing.values() if e.changed]
        if self.employers_new:
            ids = bulk.insert_rows(Employer, [{"name": e.name, "name_key": e.name_key, **e.values,
                                               "created_at": self.now, "updated_at": self.now}
                                              for e in self.employers_new])
            for employer, employer_id in zip(self.employers_new, ids, strict=True):
                employer.id = employer_id
        bulk.update_rows(Employer, [{"id": e.id, **{f: e.values[f] for f in e.changed}, "updated_at": self.now}
                           for e in changed])

    def _write_contacts(self) -> None:
        changed = [c for c in self.contacts_existing if c.changed]
        if self.contacts_new:
            ids = bulk.insert_rows(Contact, [{"employer_id": c.employer.id, **c.values, "created_at": self.now}
                                    for c in self.contacts_new])
            for contact, contact_id in zip(self.contacts_new, ids, strict=True):
                contact.id = contact_id
        bulk.update_rows(Contact, [{"id": c.id, **{f: c.values[f] for f in c.changed}} for c in changed])

    def _write_leads(self) -> None:
        attached = [lead for lead in self.leads_existing.values() if lead.touched]
        if self.leads_new:
            rows = []
            for lead in self.leads_new:
                values = dict(lead.values)
                contact = values.pop("contact")
                rows.append({"employer_id": lead.employer.id, "contact_id": contact.id, **values,
                             "updated_at": self.now})
            for lead, lead_id in zip(self.leads_new, bulk.insert_rows(Lead, rows), strict=True):
                lead.id = lead_id
        # An attached touchpoint is news for `updated_since` readers.
        bulk.update_rows(Lead, [{"id": lead.id, "updated_at": self.now, "priority": lead.values["priority"],
                        "priority_parts": lead.values["priority_parts"]} for lead in attached])
        links = [{"lead_id": lead.id, "interest_id": interest_id}
                 for lead in (*attached, *self.leads_new) for interest_id in lead.new_interest_ids]
        bulk.insert_rows(lead_interests, links, ids=False)

    def _write_touchpoints(self, touchpoints: list[tuple[_Record, _ContactRow, _LeadRow | None, bool]]) -> list[int]:
        return bulk.insert_rows(Touchpoint, [{
            "kind": record.data.kind, "occurred_at": record.occurred_at, "employer_id": contact.employer.id,
            "contact_id": contact.id, "lead_id": lead.id if lead else None, "campaign_id": record.campaign_id,
            "phase_id": record.phase_id, "channel_id": record.channel_id,
            **{f"utm_{key}": record.utm.get(key) for key in ("source", "medium", "campaign", "content", "term", "id")},
            "ad_code_id": record.ad_code_id, "how_heard": record.how_heard, "message": record.data.message or None,
            "external_source": record.data.external_source if record.data.external_id else None,
            "external_id": record.data.external_id, "import_batch_id": record.data.import_batch_id,
            "created_at": self.now,
        } for record, contact, lead, _ in touchpoints])

    def _expire_changed(self) -> None:
        bulk.expire(Employer, self.existing)
        bulk.expire(Contact, (c.id for c in self.contacts_existing if c.changed))
        bulk.expire(Lead, (lead.id for lead in self.leads_existing.values() if lead.touched))


def _id(obj) -> int | None:
    return obj.id if obj is not None else None


def _insert_ordered(employers: list[_EmployerRow], employer: _EmployerRow) -> None:
    if employer not in employers:
        employers.append(employer)
        employers.sort(key=lambda e: e.order)


def _lock_identity(*keys: str) -> None:
    """On PostgreSQL, serialise intakes for the same employer identity until the transaction ends,
    so two parallel submissions cannot both create it (a KvK is unique; a domain or name is not)."""
    if not keys or db.session.get_bind().dialect.name != "postgresql":
        return  # SQLite serialises writers
    # Keys fall into a fixed number of buckets: a long import transaction then holds at most that
    # many locks (PostgreSQL's lock table is finite), at the price of rarely waiting on a stranger.
    # One statement takes a batch's buckets in ascending order (unnest yields the sorted array in
    # order), so two batches cannot each hold a bucket the other waits for.
    buckets = sorted({zlib.crc32(key.encode()) % IDENTITY_LOCK_BUCKETS for key in keys})
    db.session.execute(text("SELECT pg_advisory_xact_lock(:namespace, bucket) "
                            "FROM unnest(CAST(:buckets AS integer[])) AS bucket"),
                       {"namespace": IDENTITY_LOCK_NAMESPACE, "buckets": buckets})
