"""The one intake path: every touchpoint (form, API, import, demo) becomes a lead through here."""
from __future__ import annotations

import zlib
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta

from sqlalchemy import select, text

from ..extensions import db
from ..models import OPEN_STAGES, Contact, Employer, Lead, Touchpoint, User, utcnow
from . import ad_codes, normalise, priority, reference, routing
from .calendar import sla_due
from .errors import ValidationError

SIZE_CLASSES = ("1-9", "10-49", "50-249", "250+")
IDENTITY_LOCK_NAMESPACE = 4711  # advisory-lock namespace of employer identities
IDENTITY_LOCK_BUCKETS = 512
# A sender's clock may run a little ahead; beyond this, a time "in the future" is refused.
CLOCK_SKEW = timedelta(minutes=2)


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
    consent_basis: str | None = None
    consent_text_version: str | None = None
    ad_code: str | None = None
    # False: record the touchpoint (attached to an open lead if there is one) without starting a
    # new lead, e.g. a livestream registration that does not meet the lead rule yet.
    make_lead: bool = True
    import_batch_id: int | None = None


@dataclass
class IntakeResult:
    lead: Lead | None
    touchpoint: Touchpoint | None
    created: bool = False
    attached: bool = False
    unchanged: bool = False
    warnings: list[str] = field(default_factory=list)


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
    raise ValidationError(f"Onbekende grootteklasse {raw!r}.", {"employer.size": "Verwacht 1-9, 10-49, 50-249, 250+ of een aantal."})


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


def record_touchpoint(data: TouchpointInput, *, actor: User | None = None, route: bool = True) -> IntakeResult:
    """Store one touchpoint; attach it to the employer's open lead or create a new lead.

    Raises ValidationError (with per-field messages) when the touchpoint cannot be stored.
    A new lead is routed at once; a bulk caller passes `route=False` and routes its new leads
    together with `routing.route_many` (the same choice, far fewer statements).
    """
    if data.external_id:
        seen, existing = _earlier(data.external_id)
        if seen:
            return IntakeResult(lead=existing, touchpoint=None, unchanged=True)

    errors: dict[str, str] = {}
    warnings: list[str] = []
    now = utcnow()
    occurred_at = data.occurred_at or now
    if occurred_at.tzinfo is None:
        errors["occurred_at"] = "Tijd zonder tijdzone."
    elif occurred_at > now + CLOCK_SKEW:
        errors["occurred_at"] = "Mag niet in de toekomst liggen."

    name = (data.employer.name or "").strip()
    if not name:
        errors["employer.name"] = "Vul de naam van de werkgever in."
    elif len(name) > _max_length(Employer.name):
        errors["employer.name"] = f"Een naam heeft hoogstens {_max_length(Employer.name)} tekens."
    if data.external_id and len(data.external_id) > _max_length(Lead.external_id):
        errors["external_id"] = f"Een external_id heeft hoogstens {_max_length(Lead.external_id)} tekens."
    # Identifier fields too: a BSN typed into the KvK field must not be stored or echoed back in a warning.
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

    email = _optional(normalise.email, data.contact.email, "contact.email", warnings)
    phone = _optional(normalise.phone, data.contact.phone, "contact.phone", warnings)
    if email is None and phone is None:
        errors["contact"] = "Geef een geldig e-mailadres of telefoonnummer van de contactpersoon."
        warnings.clear()
    kvk = _optional(normalise.kvk, data.employer.kvk, "employer.kvk", warnings)
    vestiging = _optional(normalise.vestigingsnummer, data.employer.vestigingsnummer, "employer.vestigingsnummer", warnings)
    postcode = _optional(normalise.postcode, data.employer.postcode, "employer.postcode", warnings)
    size = _optional(lambda v, f: size_class(v), data.employer.size, "employer.size", warnings)
    municipality = _optional(reference.municipality, data.employer.municipality, "employer.municipality", warnings)
    website = _optional_text(data.employer.website, Employer.website, "employer.website", warnings)
    sbi = _optional_text(data.employer.sbi, Employer.sbi_code, "employer.sbi", warnings)
    contact_data = replace(
        data.contact,
        name=_optional_text(data.contact.name, Contact.name, "contact.name", warnings) or "",
        function=_optional_text(data.contact.function, Contact.function, "contact.function", warnings) or "",
    )
    how_heard = _optional_text(data.how_heard, Touchpoint.how_heard, "how_heard", warnings)

    sector = None
    if data.employer.sector:
        sector = _optional(reference.sector, data.employer.sector, "employer.sector", warnings)
    elif sbi:
        sector = reference.sector_for_sbi(sbi)

    try:
        interests = reference.interests(data.interests)
    except ValidationError as exc:
        errors.update(exc.fields)
        interests = []
    utm: dict[str, str] = {}
    for key, raw in (data.utm or {}).items():
        column = getattr(Touchpoint, f"utm_{key}", None)  # source, medium, campaign, content, term, id
        value = _optional_text(raw, column, f"utm.{key}", warnings) if column is not None else None
        if value:
            utm[key] = value
    campaign = channel = phase = ad_code = None
    try:
        if data.ad_code and data.ad_code.strip():
            ad_code = ad_codes.by_code(data.ad_code)
        # Attribution: the ad code first, then what the caller states, then UTM, then the answer.
        campaign = ad_code.campaign if ad_code else reference.campaign(data.campaign)
        if ad_code and ad_code.phase:
            phase = ad_code.phase
        elif data.phase:
            phase = reference.phase(campaign, data.phase)
        elif "occurred_at" not in errors:
            phase = reference.phase_on(campaign, occurred_at.date())
        if ad_code:
            channel = ad_code.channel
        elif data.channel:
            channel = reference.channel(data.channel)
        else:
            channel = reference.channel_for_utm(utm.get("source"), utm.get("medium")) or (
                reference.channel_for_answer(how_heard) if how_heard else None
            )
    except ValidationError as exc:
        errors.update(exc.fields)
    if errors:
        raise ValidationError("De aanmelding is niet opgeslagen: " + " ".join(errors.values()), errors)

    employer = _find_or_create_employer(
        name=name, kvk=kvk, email=email, postcode=postcode, vestiging=vestiging, municipality=municipality,
        sector=sector, sbi=sbi, size=size, website=website,
    )
    contact = _find_or_create_contact(employer, contact_data, email=email, phone=phone)
    if data.consent_basis and contact.consent_basis is None:
        contact.consent_basis = data.consent_basis
        contact.consent_at = occurred_at
        contact.consent_source = data.kind
        contact.consent_text_version = data.consent_text_version

    lead = None
    if employer.id is not None:
        lead = db.session.scalar(
            select(Lead).where(Lead.employer_id == employer.id, Lead.stage.in_(OPEN_STAGES)).order_by(Lead.id)
        )
    created = lead is None and data.make_lead
    if created:
        lead = Lead(
            employer=employer, contact=contact, campaign=campaign, phase=phase, channel=channel,
            stage="new", message=(data.message or "").strip() or None, external_id=data.external_id,
            created_at=occurred_at, sla_due_at=sla_due(occurred_at, int(reference.setting("sla_working_days"))),
        )
        db.session.add(lead)
    if lead is not None and not created:
        lead.updated_at = now  # an attached touchpoint is news for `updated_since` readers
    for interest in interests if lead is not None else ():
        if interest not in lead.interests:
            lead.interests.append(interest)

    touchpoint = Touchpoint(
        kind=data.kind, occurred_at=occurred_at, employer=employer, contact=contact, campaign_id=campaign.id if campaign else None,
        phase=phase, channel=channel, utm_source=utm.get("source"), utm_medium=utm.get("medium"),
        utm_campaign=utm.get("campaign"), utm_content=utm.get("content"), utm_term=utm.get("term"), utm_id=utm.get("id"),
        how_heard=how_heard, message=(data.message or None), external_id=data.external_id, lead=lead,
        ad_code=ad_code, import_batch_id=data.import_batch_id,
    )
    db.session.add(touchpoint)
    db.session.flush()
    if lead is not None:
        priority.refresh(lead)
    if created and route:
        routing.route_lead(lead, actor=actor, at=occurred_at)
    return IntakeResult(lead=lead, touchpoint=touchpoint, created=created, attached=lead is not None and not created,
                        warnings=warnings)


def _earlier(external_id: str) -> tuple[bool, Lead | None]:
    """Whether a touchpoint with this external_id was recorded already, and the lead it went to."""
    earlier = db.session.scalar(select(Touchpoint).where(Touchpoint.external_id == external_id))
    if earlier is not None:
        return True, earlier.lead
    lead = db.session.scalar(select(Lead).where(Lead.external_id == external_id))
    return lead is not None, lead


def find_employer(*, kvk: str | None, email: str | None, name: str, postcode: str | None) -> Employer | None:
    """The existing employer: by KvK, then organisation e-mail domain, then name + postcode.

    With a KvK number given, an employer registered under another KvK number is never a match:
    two numbers are two legal entities.
    """
    if kvk:
        found = db.session.scalar(select(Employer).where(Employer.kvk == kvk))
        if found:
            return found
    candidates = select(Employer).order_by(Employer.id)
    if kvk:
        candidates = candidates.where(Employer.kvk.is_(None))
    domain = normalise.email_domain(email) if email else None
    if domain:
        found = db.session.scalar(candidates.where(Employer.email_domain == domain))
        if found:
            return found
    if postcode:
        return db.session.scalar(
            candidates.where(Employer.name_key == normalise.name_key(name), Employer.postcode == postcode)
        )
    return None


def _lock_identity(*keys: str | None) -> None:
    """On PostgreSQL, serialise intakes for the same employer identity until the transaction ends,
    so two parallel submissions cannot both create it (a KvK is unique; a domain or name is not)."""
    if db.session.get_bind().dialect.name != "postgresql":
        return  # SQLite serialises writers
    # Keys fall into a fixed number of buckets: a long import transaction then holds at most that
    # many locks (PostgreSQL's lock table is finite), at the price of rarely waiting on a stranger.
    for bucket in sorted({zlib.crc32(k.encode()) % IDENTITY_LOCK_BUCKETS for k in keys if k}):
        db.session.execute(text("SELECT pg_advisory_xact_lock(:namespace, :bucket)"),
                           {"namespace": IDENTITY_LOCK_NAMESPACE, "bucket": bucket})


def _find_or_create_employer(*, name, kvk, email, postcode, vestiging, municipality, sector, sbi, size, website) -> Employer:
    domain = normalise.email_domain(email) if email else None
    _lock_identity(f"kvk:{kvk}" if kvk else None, f"domain:{domain}" if domain else None,
                   f"name:{normalise.name_key(name)}:{postcode}" if postcode else None)
    employer = find_employer(kvk=kvk, email=email, name=name, postcode=postcode)
    if employer is None:
        employer = Employer(name=name, name_key=normalise.name_key(name))
        db.session.add(employer)
    # Fill what the record does not know yet; never overwrite what someone entered.
    for attr, value in {
        "kvk": kvk, "vestigingsnummer": vestiging, "postcode": postcode, "municipality": municipality,
        "sector": sector, "sbi_code": sbi, "size_class": size, "website": website,
        "email_domain": normalise.email_domain(email) if email else None,
    }.items():
        if value is not None and getattr(employer, attr) is None:
            setattr(employer, attr, value)
    return employer


def _find_or_create_contact(employer: Employer, data: ContactInput, *, email: str | None, phone: str | None) -> Contact:
    contact = None
    if employer.id is not None:
        if email:
            contact = db.session.scalar(select(Contact).where(Contact.employer_id == employer.id, Contact.email == email))
        elif phone:
            contact = db.session.scalar(select(Contact).where(Contact.employer_id == employer.id, Contact.phone == phone))
    if contact is None:
        contact = Contact(employer=employer, name=(data.name or "").strip(), function=(data.function or "").strip(),
                          email=email, phone=phone)
        db.session.add(contact)
    else:
        contact.phone = contact.phone or phone
        contact.name = contact.name or (data.name or "").strip()
        contact.function = contact.function or (data.function or "").strip()
    return contact
