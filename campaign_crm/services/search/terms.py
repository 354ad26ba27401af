"""What was typed in the search box, read as every key it can be: a lead number, a KvK number, an e-mail
address or domain, a phone number, or part of a name."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, fields

from ...models.types import MAX_DB_ID
from .. import normalise
from ..errors import ValidationError

MIN_LENGTH = 3  # a name fragment needs three characters: the indexes are built from trigrams
MAX_LENGTH = 100

# "123", "#123", "lead 123", "Lead #123": the lead pages and lists show a lead as "Lead 123".
_LEAD_REFERENCE = re.compile(r"(?:lead\s*)?#?\s*([1-9][0-9]{0,9})", re.IGNORECASE)
_PHONE_SHAPE = re.compile(r"\+?[0-9\s().\-/]+")
_DOMAIN = re.compile(r"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}")
_NAME_WILDCARDS = re.compile(r"[%_\\]")


# How the results page names each key the query was read as.
KIND_LABELS = {
    "lead_id": "leadnummer", "kvk": "KvK-nummer", "email": "e-mailadres", "email_domain": "e-maildomein",
    "phone": "telefoonnummer", "name_key": "naam werkgever", "contact_name": "naam contactpersoon",
}


@dataclass(frozen=True)
class Terms:
    """The keys a query can be; None where it cannot be that key."""

    lead_id: int | None = None
    kvk: str | None = None
    email: str | None = None
    email_domain: str | None = None
    phone: str | None = None
    name_key: str | None = None  # part of an employer name, as `normalise.name_key` stores it
    contact_name: str | None = None  # part of a contact's name, as typed (compared ignoring case)

    @property
    def kinds(self) -> list[str]:
        """The names of the keys the query was read as (what the audit entry records, not the values)."""
        return [f.name for f in fields(self) if getattr(self, f.name) is not None]


def read_terms(raw: str | None) -> Terms:
    """Every key `raw` can be; a Dutch ValidationError when it is empty, too short or too long."""
    text = " ".join(unicodedata.normalize("NFC", raw or "").split())
    if not text:
        raise ValidationError("Typ een zoekterm: een naam, KvK-nummer, e-mailadres, telefoonnummer of leadnummer.",
                              {"q": "Vul een zoekterm in."})
    if len(text) > MAX_LENGTH:
        raise ValidationError(f"Een zoekterm heeft hoogstens {MAX_LENGTH} tekens.",
                              {"q": f"Hoogstens {MAX_LENGTH} tekens."})
    phone = _phone(text)
    exact = {"lead_id": None if phone else _lead_id(text), "kvk": _kvk(text), "phone": phone, **_email(text)}
    if any(exact.values()):
        return Terms(**exact)
    domain = _domain(text)
    terms = Terms(email_domain=domain, name_key=_name_key(text), contact_name=None if domain else _contact_name(text))
    if terms.kinds:
        return terms
    if len(text) < MIN_LENGTH:
        raise ValidationError(f"Typ minstens {MIN_LENGTH} tekens, of een leadnummer.",
                              {"q": f"Minstens {MIN_LENGTH} tekens."})
    raise ValidationError("Zoek op een naam, KvK-nummer, e-mailadres, telefoonnummer of leadnummer.",
                          {"q": "Hier kan niet op gezocht worden."})


def _lead_id(text: str) -> int | None:
    match = _LEAD_REFERENCE.fullmatch(text)
    number = int(match.group(1)) if match else 0
    return number if 1 <= number <= MAX_DB_ID else None


def _kvk(text: str) -> str | None:
    digits = re.sub(r"[\s.]", "", text)
    return digits if re.fullmatch(r"[0-9]{8}", digits) else None


def _phone(text: str) -> str | None:
    """A phone number in any common notation, as stored (E.164); nine digits at least, so no lead number."""
    if not _PHONE_SHAPE.fullmatch(text) or sum(c.isdigit() for c in text) < 9:
        return None
    try:
        return normalise.phone(text)
    except ValidationError:
        return None


def _email(text: str) -> dict[str, str | None]:
    """An address ("jan@bakker.nl"): the address and its domain; "@bakker.nl": the domain alone."""
    if "@" not in text or " " in text:
        return {}
    local, _, domain = text.lower().rpartition("@")
    found: dict[str, str | None] = {"email_domain": domain if _DOMAIN.fullmatch(domain) else None}
    if local:
        try:
            found["email"] = normalise.email(text)
        except ValidationError:
            pass
    return found


def _domain(text: str) -> str | None:
    """"bakker.nl", "www.bakker.nl", "https://bakker.nl/": the domain, as employers store it."""
    domain = re.sub(r"^(?:https?://)?(?:www\.)?", "", text.lower()).rstrip("/")
    return domain if _DOMAIN.fullmatch(domain) else None


def _name_key(text: str) -> str | None:
    key = normalise.name_key(text)
    return key if len(key) >= MIN_LENGTH else None


def _contact_name(text: str) -> str | None:
    name = _NAME_WILDCARDS.sub("", text).strip()
    return name if len(name) >= MIN_LENGTH and any(c.isalpha() for c in name) else None
