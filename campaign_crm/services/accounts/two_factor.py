"""TOTP two-factor login: enrolment, code checks (each code once), switching off."""
from __future__ import annotations

from datetime import datetime

import pyotp
import segno

from ...models import User, utcnow
from .. import audit
from ..errors import ValidationError

ISSUER = "AKNP CRM Werkcentrum Rijnmond"
# Accept the previous and next 30-second step too: phone clocks drift.
VALID_WINDOW = 1


def new_secret() -> str:
    """A fresh TOTP secret for enrolment; nothing is stored until a code confirms it."""
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=ISSUER)


def qr_svg_data_uri(user: User, secret: str) -> str:
    """The enrolment QR code as an SVG data URI for an <img> (no external service)."""
    return segno.make(provisioning_uri(user, secret), error="m").svg_data_uri(scale=5, border=2)


def _matching_step(secret: str, code: str, at: datetime) -> int | None:
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(at)
    for step in range(current - VALID_WINDOW, current + VALID_WINDOW + 1):
        if pyotp.utils.strings_equal(totp.generate_otp(step), code):
            return step
    return None


def check_code(user: User, code: str, *, at: datetime | None = None) -> bool:
    """True for a valid code not used before; the step is remembered so it cannot be replayed."""
    if not user.totp_secret:
        return False
    step = _matching_step(user.totp_secret, code, at or utcnow())
    if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
        return False
    user.totp_last_step = step
    return True


def confirm_enrolment(user: User, code: str, *, secret: str, at: datetime | None = None) -> None:
    """Switch two-factor login on once a code proves the authenticator app holds `secret`."""
    step = _matching_step(secret, code, at or utcnow()) if secret else None
    if step is None:
        raise ValidationError("De code klopt niet.",
                              {"code": "Deze code klopt niet of is al gebruikt. Probeer de volgende code."})
    user.totp_secret = secret
    user.totp_last_step = step
    user.totp_enabled_at = utcnow()
    audit.record(user, "two_factor_enabled", user)


def switch_off(user: User, *, actor: User | None) -> None:
    """Remove two-factor login (the user themselves, or an admin after a lost phone)."""
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    audit.record(actor, "two_factor_disabled", user)
