"""Ad codes: a short code per printed or online ad that opens the campaign form pre-filled."""
from __future__ import annotations

import re
import secrets

from sqlalchemy import func, select

from ..extensions import db
from ..models import AdCode, Campaign, Channel, Phase, User
from . import audit
from .errors import ValidationError

# No 0/O, 1/I/L: codes are typed over from paper.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9-]{2,18}[A-Z0-9]$")
_IN_TEXT = re.compile(r"\b[A-Za-z0-9][A-Za-z0-9-]{2,18}[A-Za-z0-9]\b")


def normalise_code(raw: str) -> str:
    return raw.strip().upper()


def by_code(raw: str, field: str = "ad_code") -> AdCode:
    """The active ad code, case-insensitive; unknown or inactive codes are a field error."""
    code = normalise_code(raw)
    found = db.session.scalar(select(AdCode).where(AdCode.code == code))
    if found is None or not found.active:
        raise ValidationError(f"Onbekende advertentiecode {raw!r}.", {field: "Deze advertentiecode bestaat niet (meer)."})
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
