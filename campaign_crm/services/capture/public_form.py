"""The public campaign form: what it offers, how it tells bots from people, and how a submission
goes through the one intake."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from ...extensions import db
from ...models import (
    AdCode,
    Campaign,
    Channel,
    Interest,
    Municipality,
    Phase,
    Sector,
    SizeClass,
    utcnow,
)
from .. import normalise, reference
from ..campaigns import ad_codes
from ..campaigns.campaigns import active_channels
from ..errors import ValidationError
from .intake import (
    ContactInput,
    EmployerInput,
    IntakeResult,
    TouchpointInput,
    record_touchpoint,
)

UTM_KEYS = ("source", "medium", "campaign", "content", "term", "id")
CONSENT_BASIS = "toestemming"
OTHER_ANSWER = "anders"  # the "Anders" option of "Hoe heeft u van ons gehoord?"
MESSAGE_MAX_LENGTH = 4000  # a visitor's question or remark; the API allows the same


@dataclass
class Landing:
    """Where a visitor came from: the campaign the form is for and, through an ad code, channel and phase."""

    campaign: Campaign | None
    ad_code: AdCode | None = None

    @property
    def channel(self) -> Channel | None:
        return self.ad_code.channel if self.ad_code else None

    @property
    def phase(self) -> Phase | None:
        return self.ad_code.phase if self.ad_code else None


def landing(code: str | None) -> Landing:
    """The campaign and ad code a form is opened for; an unknown or switched-off code is ignored."""
    ad = None
    if code and code.strip():
        try:
            ad = ad_codes.by_code(code)
        except ValidationError:
            ad = None
    if ad is not None:
        return Landing(campaign=ad.campaign, ad_code=ad)
    try:
        return Landing(campaign=reference.campaign(None))
    except ValidationError:
        return Landing(campaign=None)


def active_ad_code(code: str) -> AdCode | None:
    """The ad code behind a short URL, or None when it is unknown or switched off."""
    try:
        return ad_codes.by_code(code)
    except ValidationError:
        return None


@dataclass
class FormOptions:
    municipalities: list[Municipality]
    sectors: list[Sector]
    size_classes: list[SizeClass]
    interests: list[Interest]
    channels: list[Channel]


def form_options() -> FormOptions:
    """The choices the form offers, all from the reference tables an admin maintains."""
    return FormOptions(
        municipalities=list(db.session.scalars(
            select(Municipality).where(Municipality.active.is_(True)).order_by(Municipality.name))),
        sectors=list(db.session.scalars(select(Sector).where(Sector.active.is_(True)).order_by(Sector.sort_order))),
        size_classes=list(db.session.scalars(select(SizeClass).order_by(SizeClass.sort_order))),
        interests=list(db.session.scalars(
            select(Interest).where(Interest.active.is_(True)).order_by(Interest.sort_order))),
        channels=active_channels(),
    )


def consent_text() -> tuple[str, str]:
    """The consent text shown on the form and its version, stored with the contact."""
    return str(reference.setting("consent_text")), str(reference.setting("consent_text_version"))


def looks_like_a_bot(*, honeypot: str | None, started_at: datetime | None, now: datetime | None = None) -> bool:
    """A filled hidden field, a missing or forged start time, or a form sent faster than a person can fill it."""
    if honeypot and honeypot.strip():
        return True
    if started_at is None:
        return True
    elapsed = ((now or utcnow()) - started_at).total_seconds()
    return elapsed < float(reference.setting("form_min_fill_seconds"))


@dataclass
class CampaignFormInput:
    employer_name: str
    contact_name: str
    email: str | None = None
    phone: str | None = None
    function: str | None = None
    kvk: str | None = None
    municipality: str | None = None  # CBS code; None for an employer outside the region
    sector: str | None = None
    size: str | None = None
    interests: list[str] = field(default_factory=list)
    message: str | None = None
    how_heard: str | None = None  # a channel code, OTHER_ANSWER, or empty
    how_heard_other: str | None = None
    consent: bool = False
    ad_code: str | None = None
    utm: dict[str, str] = field(default_factory=dict)


def problems(data: CampaignFormInput) -> dict[str, str]:
    """What a person must correct before anything is stored, by intake's field names.

    Stricter than the API and imports: an invalid e-mail, phone or KvK number is an error the person can
    correct, not a value dropped with a warning; a BSN-like number in any text is refused.
    """
    errors: dict[str, str] = {}
    if not data.consent:
        errors["consent"] = "Geef toestemming, anders mogen we geen contact met u opnemen."
    for check, raw, field_name in ((normalise.email, data.email, "contact.email"),
                                   (normalise.phone, data.phone, "contact.phone"),
                                   (normalise.kvk, data.kvk, "employer.kvk")):
        if raw and raw.strip():
            try:
                check(raw, field_name)
            except ValidationError as exc:
                errors.update(exc.fields)
    for field_name, text in (("employer.name", data.employer_name), ("contact.name", data.contact_name),
                             ("contact.function", data.function), ("message", data.message),
                             ("how_heard", data.how_heard_other)):
        if field_name not in errors:
            try:
                normalise.refuse_bsn(text, field_name)
            except ValidationError as exc:
                errors.update(exc.fields)
    return errors


def submit_campaign_form(data: CampaignFormInput, *, now: datetime | None = None) -> IntakeResult:
    """Store a form submission as a touchpoint (and lead) through the one intake, with the consent given.

    Raises ValidationError with intake's field names (see `problems` for what the form adds to intake's checks).
    """
    errors = problems(data)
    if errors:
        raise ValidationError("De aanmelding is niet opgeslagen: " + " ".join(errors.values()), errors)

    how_heard = (data.how_heard or "").strip() or None
    if how_heard == OTHER_ANSWER:
        how_heard = (data.how_heard_other or "").strip() or "Anders"
    # A code switched off between landing and sending must not cost the lead: attribution falls back to UTM.
    code = data.ad_code if data.ad_code and active_ad_code(data.ad_code) else None
    _, version = consent_text()
    return record_touchpoint(TouchpointInput(
        employer=EmployerInput(name=data.employer_name, kvk=data.kvk, municipality=data.municipality,
                               sector=data.sector, size=data.size),
        contact=ContactInput(name=data.contact_name, function=data.function or "", email=data.email,
                             phone=data.phone),
        kind="form", utm={k: v for k, v in data.utm.items() if k in UTM_KEYS and v}, interests=data.interests,
        message=data.message, how_heard=how_heard, occurred_at=now or utcnow(), ad_code=code,
        consent_basis=CONSENT_BASIS, consent_text_version=version,
    ))
