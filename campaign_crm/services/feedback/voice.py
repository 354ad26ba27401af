"""The employee's voice: with their consent, the employee of a placement gets the check-in questions too.

The consent is recorded by the advisor who asked for it (who, when, to which text version). The e-mail address is
the only personal detail kept for it: withdrawing the consent clears it at once, and the retention purge clears it
once the placement has ended longer ago than `retention_placement_months`. The address is shown only to the
placement's own partner, and never written to the audit log.
"""
from __future__ import annotations

from dataclasses import dataclass

from ...extensions import db
from ...models import Placement, User, utcnow
from ...models.feedback import EmployeeVoice
from ...permissions import Actor
from .. import normalise
from ..errors import Conflict, ValidationError
from ..placements import access

# The text the employee agrees to; a new wording gets a new version, so a stored consent names what was agreed.
CONSENT_TEXT_VERSION = "werknemer-2026-12"
CONSENT_TEXT = ("De werknemer vindt het goed dat Werkcentrum Rijnmond bij de check-ins van deze baan een e-mail "
                "stuurt met drie korte vragen over hoe het gaat op het werk. Het e-mailadres wordt alleen daarvoor "
                "gebruikt. De werknemer kan altijd stoppen; dan wissen we het e-mailadres meteen.")


@dataclass
class ConsentInput:
    email: str | None
    consent: bool


def voice_of(placement: Placement) -> EmployeeVoice | None:
    """The placement's consent record (given or withdrawn), if there ever was one."""
    return db.session.get(EmployeeVoice, placement.id)


def consent_problems(placement: Placement, data: ConsentInput) -> dict[str, str]:
    """Every field error of a consent, without storing anything."""
    problems: dict[str, str] = {}
    if not data.consent:
        problems["consent"] = ("Vink aan dat de werknemer toestemming gaf; zonder toestemming krijgt hij of zij "
                               "geen vragen.")
    if not (data.email or "").strip():
        problems["email"] = "Vul het e-mailadres van de werknemer in."
    else:
        try:
            normalise.email(data.email, "email")
        except ValidationError as exc:
            problems.update(exc.fields)
    return problems


def record_consent(placement: Placement, data: ConsentInput, *, actor: Actor) -> EmployeeVoice:
    """Record that the employee agreed to get the questions, with the one address they need.

    A new consent (another address, or after a withdrawal) replaces the earlier one; the audit log keeps both."""
    if placement.end_date is not None:
        raise Conflict(f"Plaatsing {placement.reference} is beëindigd; de werknemer krijgt geen vragen meer.")
    problems = consent_problems(placement, data)
    if problems:
        raise ValidationError("De toestemming is niet opgeslagen; controleer: " + ", ".join(sorted(problems)) + ".",
                              problems)
    user = access.user_of(actor)
    voice = voice_of(placement) or EmployeeVoice(placement_id=placement.id)
    voice.email = normalise.email(data.email, "email")
    voice.consent_at, voice.consent_text_version = utcnow(), CONSENT_TEXT_VERSION
    voice.recorded_by_id = user.id if isinstance(user, User) else None
    voice.withdrawn_at = None
    db.session.add(voice)
    db.session.flush()
    access.record_change(actor, "employee_voice_consented", placement, text_version=CONSENT_TEXT_VERSION)
    return voice


def withdraw_consent(placement: Placement, *, actor: Actor) -> bool:
    """The employee no longer wants the questions: the address is wiped and open links to them stop working.

    False when there was no consent to withdraw (nothing changes)."""
    voice = voice_of(placement)
    if voice is None or voice.withdrawn_at is not None:
        return False
    voice.email, voice.withdrawn_at = None, utcnow()
    db.session.flush()
    access.record_change(actor, "employee_voice_withdrawn", placement)
    return True


def employee_address(placement: Placement) -> str | None:
    """Where the employee's questions go: the address of a standing consent, else None."""
    voice = voice_of(placement)
    return voice.email if voice is not None and voice.active else None
