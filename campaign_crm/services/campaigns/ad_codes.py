"""Ad codes: a short code per printed or online ad that opens the campaign form pre-filled."""
from __future__ import annotations

import re
import secrets
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from ...extensions import db
from ...models import AdCode, Campaign, Channel, Phase, Touchpoint, User
from .. import audit
from ..errors import ValidationError

# No 0/O, 1/I/L: codes are typed over from paper.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9-]{2,18}[A-Z0-9]$")
_IN_TEXT = re.compile(r"\b[A-Za-z0-9][A-Za-z0-9-]{2,18}[A-Za-z0-9]\b")


def normalise_code(raw: str) -> str:
    """The stored form of a code: trimmed, upper case."""
    return raw.strip().upper()


def by_code(raw: str, field: str = "ad_code") -> AdCode:
    """The active ad code, case-insensitive; unknown or inactive codes are a field error."""
    code = normalise_code(raw)
    found = db.session.scalar(select(AdCode).where(AdCode.code == code))
    if found is None or not found.active:
        raise ValidationError(f"Onbekende advertentiecode {raw!r}.",
                              {field: "Deze advertentiecode bestaat niet (meer)."})
    return found


def find_in_text(text: str | None) -> AdCode | None:
    """An active ad code mentioned in free text ("code VB-LOG-06"), if any."""
    if not text:
        return None
    words = {w.upper() for w in _IN_TEXT.findall(text)}
    if not words:
        return None
    return db.session.scalar(
        select(AdCode).where(AdCode.code.in_(words), AdCode.active.is_(True)).order_by(AdCode.id)
    )


def _generate() -> str:
    while True:
        code = "".join(secrets.choice(ALPHABET) for _ in range(6))
        if not db.session.scalar(select(AdCode.id).where(AdCode.code == code)):
            return code


def create_ad_code(*, title: str, campaign: Campaign, channel: Channel, phase: Phase | None,
                   code: str | None = None, actor: User | None) -> AdCode:
    """Register an ad; without a code of its own, a short unambiguous one is made."""
    errors: dict[str, str] = {}
    title = title.strip()
    if not title:
        errors["title"] = "Geef de advertentie een titel, bijvoorbeeld 'AD Rotterdams Dagblad 12 mei'."
    elif len(title) > 200:
        errors["title"] = "Een titel heeft hoogstens 200 tekens."
    if phase is not None and phase.campaign_id != campaign.id:
        errors["phase_id"] = "Deze fase hoort niet bij de gekozen campagne."
    if code:
        code = normalise_code(code)
        if not CODE_PATTERN.match(code):
            errors["code"] = "Een code heeft 4 tot 20 letters, cijfers of streepjes."
        elif db.session.scalar(select(func.count()).select_from(AdCode).where(AdCode.code == code)):
            errors["code"] = "Deze code is al in gebruik."
    if errors:
        raise ValidationError("De advertentiecode is niet aangemaakt: " + " ".join(errors.values()), errors)
    ad = AdCode(code=code or _generate(), title=title, campaign=campaign, channel=channel, phase=phase,
                created_by=actor)
    db.session.add(ad)
    db.session.flush()
    audit.record(actor, "ad_code_created", ad, code=ad.code, title=title)
    return ad


def set_active(ad: AdCode, active: bool, *, actor: User | None) -> AdCode:
    """Switch an ad code off (its short URL and QR code then answer 404) or on again."""
    ad.active = active
    db.session.flush()
    audit.record(actor, "ad_code_activated" if active else "ad_code_deactivated", ad, code=ad.code)
    return ad


def ad_codes_of(campaign: Campaign) -> list[AdCode]:
    """The campaign's ad codes, newest first."""
    return list(db.session.scalars(
        select(AdCode).where(AdCode.campaign_id == campaign.id)
        .options(selectinload(AdCode.channel), selectinload(AdCode.phase))
        .order_by(AdCode.created_at.desc(), AdCode.id.desc())
    ))


@dataclass
class AdCodeCounts:
    touchpoints: int = 0  # every response that came in with this code
    new_leads: int = 0  # leads whose first touchpoint carried this code (first-touch attribution)


def counts(ad_ids: list[int]) -> dict[int, AdCodeCounts]:
    """Responses and new leads per ad code, counted in the database (one GROUP BY query)."""
    if not ad_ids:
        return {}
    touched_leads = select(Touchpoint.lead_id).where(Touchpoint.ad_code_id.in_(ad_ids), Touchpoint.lead_id.is_not(None))
    first = (
        select(Touchpoint.lead_id, func.min(Touchpoint.id).label("first_id"))
        .where(Touchpoint.lead_id.in_(touched_leads)).group_by(Touchpoint.lead_id).subquery()
    )
    rows = db.session.execute(
        select(Touchpoint.ad_code_id, func.count(Touchpoint.id), func.count(first.c.first_id))
        .outerjoin(first, first.c.first_id == Touchpoint.id)
        .where(Touchpoint.ad_code_id.in_(ad_ids))
        .group_by(Touchpoint.ad_code_id)
    ).all()
    return {ad_id: AdCodeCounts(touchpoints, new_leads) for ad_id, touchpoints, new_leads in rows}
