"""Normalisers for Dutch identifiers and contact details; each returns the stored form or raises."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from email_validator.rfc_constants import DOT_ATOM_TEXT, EMAIL_MAX_LENGTH

from .errors import ValidationError

FREE_MAIL_DOMAINS = frozenset({
    "gmail.com", "hotmail.com", "hotmail.nl", "outlook.com", "outlook.nl", "live.nl", "live.com",
    "yahoo.com", "yahoo.nl", "icloud.com", "me.com", "kpnmail.nl", "ziggo.nl", "planet.nl",
    "home.nl", "xs4all.nl", "chello.nl", "zeelandnet.nl", "upcmail.nl", "msn.com", "proton.me",
    "protonmail.com", "gmx.com", "gmx.net", "telfort.nl", "caiway.nl",
})

_LEGAL_FORMS = re.compile(r"\b(b\.?\s?v\.?|n\.?\s?v\.?|v\.?o\.?f\.?|vof|c\.?v\.?|holding|stichting|vereniging)\s*$")
# A run of digit groups joined by a space, dot or hyphen ("123 456 782", "1234.56.782", "1-5-1990 123456782").
_DIGIT_RUN = re.compile(r"(?<![0-9])[0-9]+(?:(?:[^\S\n]?[.-][^\S\n]?|[^\S\n])[0-9]+)*")
# What comes right before a phone number written internationally: "+31 …", "+31 (0)10 …".
_PHONE_PREFIX = re.compile(r"(?:\+|\(0\))[^\S\n]*$")
# A Dutch number written as +31 and nine digits: the form of most imports, read without the general parser.
_DUTCH_E164 = re.compile(r"\+31([1-9][0-9]{8})")
_DIGITS = "0123456789"


def kvk(raw: str, field: str = "kvk") -> str:
    """An 8-digit KvK number; spaces and dots are dropped, leading zeros kept."""
    digits = re.sub(r"[\s.]", "", raw)
    if not re.fullmatch(r"[0-9]{8}", digits):
        raise ValidationError(f"KvK-nummer {raw!r} heeft niet 8 cijfers.", {field: "Een KvK-nummer heeft 8 cijfers."})
    return digits


def vestigingsnummer(raw: str, field: str = "vestigingsnummer") -> str:
    """A 12-digit vestigingsnummer (branch number); spaces and dots are dropped, leading zeros kept."""
    digits = re.sub(r"[\s.]", "", raw)
    if not re.fullmatch(r"[0-9]{12}", digits):
        raise ValidationError(
            f"Vestigingsnummer {raw!r} heeft niet 12 cijfers.", {field: "Een vestigingsnummer heeft 12 cijfers."}
        )
    return digits


def postcode(raw: str, field: str = "postcode") -> str:
    """A Dutch postcode as `1234 AB`."""
    compact = re.sub(r"\s", "", raw).upper()
    match = re.fullmatch(r"([1-9][0-9]{3})([A-Z]{2})", compact)
    if not match or match.group(2) in {"SA", "SD", "SS"}:
        raise ValidationError(f"Postcode {raw!r} is geen Nederlandse postcode.",
                              {field: "Verwacht 4 cijfers en 2 letters, zoals 3011 AB."})
    return f"{match.group(1)} {match.group(2)}"


def phone(raw: str, field: str = "phone") -> str:
    """A phone number in E.164, read as Dutch when it has no country code."""
    cleaned = raw.strip()
    if cleaned.lower().startswith("p:"):
        cleaned = cleaned[2:]
    dutch = _DUTCH_E164.fullmatch(cleaned)
    try:
        # The number object the parser would make of "+31…", checked below by the library as any other.
        number = (phonenumbers.PhoneNumber(country_code=31, national_number=int(dutch.group(1))) if dutch
                  else phonenumbers.parse(cleaned, "NL"))
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValidationError(f"Telefoonnummer {raw!r} is ongeldig.", {field: "Geen geldig telefoonnummer."})
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def email(raw: str, field: str = "email") -> str:
    """A syntactically valid e-mail address, lower-cased (no DNS look-up).

    The common form (ASCII, a plain dot-atom before the @) has its domain checked by `email-validator` once
    per distinct domain; every other address goes through the library whole. Both give the same answer."""
    address = raw.strip()
    local, at, domain = address.rpartition("@")
    if at and address.isascii() and len(address) <= EMAIL_MAX_LENGTH and DOT_ATOM_TEXT.match(local):
        normalized = _email_domain_checked(domain)
        if normalized is not None and normalized.isascii():
            return f"{local}@{normalized}".lower()
    try:
        return validate_email(address, check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        raise ValidationError(f"E-mailadres {raw!r} is ongeldig.", {field: "Geen geldig e-mailadres."}) from None


@lru_cache(maxsize=16384)
def _email_domain_checked(domain: str) -> str | None:
    """The library's normal form of the part after the @ (as it checks it behind any plain local part),
    or None when it refuses it."""
    try:
        return validate_email(f"x@{domain}", check_deliverability=False).domain
    except EmailNotValidError:
        return None


def email_domain(address: str) -> str | None:
    """The organisation domain of an address, or None for free-mail providers."""
    domain = address.rsplit("@", 1)[-1].lower()
    return None if domain in FREE_MAIL_DOMAINS else domain


def name_key(name: str) -> str:
    """A comparison key for an employer name: case, accents, punctuation and legal form ignored."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    text = re.sub(r"[^a-z0-9 .]", " ", text)
    text = _LEGAL_FORMS.sub("", re.sub(r"\s+", " ", text).strip())
    return re.sub(r"[^a-z0-9]", "", text)


def is_bsn(digits: str) -> bool:
    """True for 9 digits passing the 11-test (elfproef) of a citizen service number."""
    if not re.fullmatch(r"[0-9]{9}", digits) or digits == "000000000":
        return False
    total = sum(int(d) * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True)) - int(digits[8])
    return total % 11 == 0


def refuse_bsn(text: str | None, field: str) -> None:
    """Raise when free text holds a number that looks like a BSN; we never store one."""
    if not text or (text.isascii() and sum(map(text.count, _DIGITS)) < 9):
        return  # fewer than nine digits cannot hold one
    # NFKC turns full-width digits into ASCII ones, so "１２３…" is read as a number too.
    if any(is_bsn(candidate) for candidate in _bsn_candidates(unicodedata.normalize("NFKC", text))):
        raise ValidationError(
            "Er staat een nummer in dat op een BSN lijkt; een BSN mag hier niet worden opgeslagen.",
            {field: "Bevat een BSN-achtig nummer (9 cijfers die de elfproef halen). Haal het weg."},
        )


def _bsn_candidates(text: str):
    """Nine-digit numbers in `text`: a whole run of digit groups, or one group of nine digits in it.

    Only whole runs and whole groups count, never a slice of a longer number, so a phone
    number's tail is not read as a BSN; runs written as international phone numbers are skipped,
    and so are runs with a lone digit ("KvK 24123456 6 vestigingen" is two numbers).
    """
    for match in _DIGIT_RUN.finditer(text):
        groups = re.findall(r"[0-9]+", match.group())
        digits = "".join(groups)
        if _PHONE_PREFIX.search(text[max(0, match.start() - 8):match.start()]):
            continue
        if digits.startswith("00") and len(digits) > 9:
            continue
        if len(digits) == 9 and min(map(len, groups)) > 1:
            yield digits
        yield from (group for group in groups if len(group) == 9 and group != digits)
