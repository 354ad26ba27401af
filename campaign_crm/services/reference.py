"""Look-ups of the seeded codes: municipalities, sectors by SBI, channels by UTM, settings."""
from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select

from ..extensions import db
from ..models import (
    Campaign,
    Channel,
    ChannelUtm,
    Interest,
    LostReason,
    Municipality,
    Phase,
    SbiMapping,
    Sector,
    Setting,
)
from .errors import ValidationError


def setting(key: str) -> Any:
    """The value of a setting; a missing key is a programming error, not user input."""
    row = db.session.get(Setting, key)
    if row is None:
        raise KeyError(f"setting {key!r} is not seeded")
    return row.value


def municipality(value: str, field: str = "municipality") -> Municipality:
    """A municipality by CBS code (`GM0599`, `0599`) or name, case-insensitive."""
    raw = value.strip()
    code = raw.upper()
    if re.fullmatch(r"\d{4}", code):
        code = "GM" + code
    found = db.session.scalar(
        select(Municipality).where((Municipality.cbs_code == code) | (func.lower(Municipality.name) == raw.lower()))
    )
    if found is None:
        raise ValidationError(f"Onbekende gemeente {value!r}.",
                              {field: "Geen gemeente van de regio met deze naam of CBS-code."})
    return found


def sector(code: str, field: str = "sector") -> Sector:
    found = db.session.scalar(select(Sector).where(Sector.code == code.strip().lower()))
    if found is None:
        raise ValidationError(f"Onbekende sector {code!r}.", {field: "Geen bekende sectorcode."})
    return found


def sector_for_sbi(sbi: str) -> Sector | None:
    """The campaign sector of an SBI code: the longest seeded prefix of its digits wins."""
    digits = re.sub(r"\D", "", sbi)
    if len(digits) < 2:
        return None
    prefixes = [digits[:n] for n in range(len(digits), 1, -1)]
    mapping = db.session.scalar(
        select(SbiMapping).where(SbiMapping.prefix.in_(prefixes)).order_by(func.length(SbiMapping.prefix).desc())
    )
    return mapping.sector if mapping else None


def channel(code: str, field: str = "channel") -> Channel:
    found = db.session.scalar(select(Channel).where(Channel.code == code.strip().lower()))
    if found is None:
        raise ValidationError(f"Onbekend kanaal {code!r}.", {field: "Geen bekende kanaalcode."})
    return found


def channel_for_utm(source: str | None, medium: str | None) -> Channel | None:
    """The channel that a utm_source (+ utm_medium) pair maps to; values compare lower-cased."""
    if not source:
        return None
    source, medium = source.strip().lower(), (medium or "").strip().lower()
    rows = db.session.scalars(
        select(ChannelUtm).where(ChannelUtm.utm_source == source, ChannelUtm.utm_medium.in_([medium, ""]))
    ).all()
    # An exact source+medium mapping beats a source-only one.
    rows.sort(key=lambda row: row.utm_medium == "", reverse=False)
    return rows[0].channel if rows else None


def campaign(code: str | None, field: str = "campaign") -> Campaign:
    """A campaign by code, or the active one when no code is given."""
    if code:
        found = db.session.scalar(select(Campaign).where(Campaign.code == code.strip().lower()))
        if found is None:
            raise ValidationError(f"Onbekende campagne {code!r}.", {field: "Geen campagne met deze code."})
        return found
    found = db.session.scalar(select(Campaign).where(Campaign.active.is_(True)).order_by(Campaign.starts_on.desc()))
    if found is None:
        raise ValidationError("Er is geen actieve campagne.", {field: "Geef een campagnecode."})
    return found


def phase(campaign_: Campaign, code: str, field: str = "phase") -> Phase:
    found = db.session.scalar(
        select(Phase).where(Phase.campaign_id == campaign_.id, Phase.code == code.strip().lower()))
    if found is None:
        raise ValidationError(f"Onbekende fase {code!r} in campagne {campaign_.code}.",
                              {field: "Geen fase met deze code."})
    return found


def phase_on(campaign_: Campaign, day) -> Phase | None:
    """The phase of `campaign_` whose dates hold `day` (the latest-starting one if they overlap)."""
    return db.session.scalar(
        select(Phase)
        .where(Phase.campaign_id == campaign_.id, Phase.starts_on <= day,
               (Phase.ends_on.is_(None)) | (Phase.ends_on >= day))
        .order_by(Phase.starts_on.desc())
    )


def interests(codes: list[str], field: str = "interests") -> list[Interest]:
    wanted = {c.strip().lower() for c in codes if c and c.strip()}
    found = db.session.scalars(select(Interest).where(Interest.code.in_(wanted))).all() if wanted else []
    unknown = wanted - {i.code for i in found}
    if unknown:
        codes = ", ".join(sorted(unknown))
        label = "Onbekende codes: " if len(unknown) > 1 else "Onbekende code: "
        raise ValidationError(f"Onbekende interesse: {codes}.", {field: label + codes})
    return sorted(found, key=lambda i: i.sort_order)


def lost_reason(code: str, field: str = "lost_reason") -> LostReason:
    found = db.session.scalar(select(LostReason).where(LostReason.code == (code or "").strip().lower()))
    if found is None:
        raise ValidationError("Geef een geldige reden van verval.", {field: "Onbekende of lege reden."})
    return found


def channel_for_answer(answer: str) -> Channel | None:
    """The channel an answer to "hoe heeft u van ons gehoord?" names (its code or its name)."""
    text = answer.strip().lower()
    return db.session.scalar(
        select(Channel).where(Channel.active.is_(True), (Channel.code == text) | (func.lower(Channel.name) == text))
    )
