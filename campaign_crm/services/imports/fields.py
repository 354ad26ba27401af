"""What a lead file's columns can mean: target fields, header synonyms, interest words, saved mappings."""
from __future__ import annotations

import re
import unicodedata

from sqlalchemy import select

from ...extensions import db
from ...models import ImportMapping, Interest, User
from ..errors import ValidationError

# Fields a generic file's columns can be mapped to, in the order the mapping form shows them.
FIELDS: dict[str, str] = {
    "employer_name": "Bedrijfsnaam",
    "kvk": "KvK-nummer",
    "vestigingsnummer": "Vestigingsnummer",
    "postcode": "Postcode",
    "city": "Plaats",
    "municipality": "Gemeente",
    "sbi": "SBI-code",
    "sector": "Sector",
    "size": "Aantal medewerkers of grootteklasse",
    "website": "Website",
    "contact_name": "Contactpersoon (volledige naam)",
    "first_name": "Voornaam",
    "last_name": "Achternaam",
    "function": "Functie",
    "email": "E-mail",
    "phone": "Telefoon",
    "channel": "Kanaal",
    "occurred_at": "Datum van aanmelding",
    "interests": "Interesses",
    "message": "Opmerking",
    "how_heard": "Hoe heeft u van ons gehoord?",
    "ad_code": "Advertentiecode",
    "utm_source": "utm_source",
    "utm_medium": "utm_medium",
    "utm_campaign": "utm_campaign",
    "utm_content": "utm_content",
    "utm_term": "utm_term",
}
REQUIRED_FIELDS = ("employer_name",)

# Header spellings per field, compared by header_key(): lower case, accents and punctuation dropped.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "employer_name": ("bedrijfsnaam", "bedrijf", "companyname", "company", "organisatie", "organisation",
                      "organization", "werkgever", "naamwerkgever", "naamorganisatie", "handelsnaam", "naambedrijf"),
    "kvk": ("kvknummer", "kvk", "kvknr", "kvkno", "cocnumber", "chamberofcommerce", "kamervankoophandel"),
    "vestigingsnummer": ("vestigingsnummer", "vestigingsnr", "branchnumber"),
    "postcode": ("postcode", "postalcode", "zipcode", "zip", "postcodevestiging"),
    "city": ("plaats", "vestigingsplaats", "woonplaats", "city", "stad"),
    "municipality": ("gemeente", "gemeentevestiging", "municipality"),
    "sbi": ("sectorsbi", "sbi", "sbicode", "sbicodes", "sbinummer"),
    "sector": ("sector", "branche"),
    "size": ("aantalmedewerkers", "medewerkers", "aantalwerknemers", "werknemers", "grootte", "grootteklasse",
             "bedrijfsgrootte", "companysize", "employees", "aantalpersoneel"),
    "website": ("website", "url", "site", "webadres"),
    "contact_name": ("contactpersoon", "naam", "contactnaam", "naamcontactpersoon", "fullname", "name",
                     "volledigenaam"),
    "first_name": ("voornaam", "firstname"),
    "last_name": ("achternaam", "lastname"),
    "function": ("functie", "jobtitle", "functietitel", "rol", "title"),
    "email": ("email", "emailadres", "mail", "emailaddress", "workemail", "mailadres"),
    "phone": ("telefoon", "telefoonnummer", "tel", "phone", "phonenumber", "mobiel", "mobielnummer",
              "workphonenumber", "telnr"),
    "channel": ("kanaal", "channel"),
    "occurred_at": ("datum", "date", "aanmelddatum", "datumaanmelding", "createdtime", "createddate", "aangemeldop"),
    "interests": ("interesse", "interesses", "belangstelling", "waarkunnenwemeehelpen", "interests",
                  "waarkunnenwejemeehelpen", "waarbijkunnenwehelpen"),
    "message": ("opmerking", "opmerkingen", "toelichting", "bericht", "notitie", "notities", "notes", "message",
                "vraag", "remarks"),
    "how_heard": ("hoeheeftuvanonsgehoord", "hoeheeftuonsgevonden", "hoegehoord", "bron"),
    "ad_code": ("advertentiecode", "adcode", "actiecode"),
    "utm_source": ("utmsource",),
    "utm_medium": ("utmmedium",),
    "utm_campaign": ("utmcampaign",),
    "utm_content": ("utmcontent",),
    "utm_term": ("utmterm",),
}

# Words in an answer like "waar kunnen we mee helpen?" that name an interest code.
INTEREST_WORDS: dict[str, str] = {
    "lks": "lks", "loonkostensubsidie": "lks", "loondispensatie": "loondispensatie", "lkv": "lkv",
    "loonkostenvoordeel": "lkv", "jobcoach": "jobcoaching", "jobcoaching": "jobcoaching",
    "adviesgesprek": "adviesgesprek", "harrie": "harrie", "harrietraining": "harrie", "vacature": "vacature",
    "vacatures": "vacature", "vacaturemelden": "vacature",
}


def header_key(name: str) -> str:
    """A header compared without case, accents, spaces or punctuation ("E-mail" == "email")."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]", "", text)


def suggest_mapping(columns: list[str]) -> dict[str, str]:
    """field → column for every field whose synonyms name a column; each column is used once."""
    by_key: dict[str, str] = {}
    for column in columns:
        by_key.setdefault(header_key(column), column)
    mapping: dict[str, str] = {}
    used: set[str] = set()
    for field, synonyms in SYNONYMS.items():
        for synonym in synonyms:
            column = by_key.get(synonym)
            if column is not None and column not in used:
                mapping[field] = column
                used.add(column)
                break
    return mapping


def check_mapping(mapping: dict[str, str], columns: list[str]) -> None:
    """A mapping must name existing columns, a company name, and an e-mail or phone column."""
    errors: dict[str, str] = {}
    for field, column in mapping.items():
        if field not in FIELDS:
            errors[field] = "Onbekend veld."
        elif column not in columns:
            errors[field] = f"Kolom {column!r} staat niet in het bestand."
    for field in REQUIRED_FIELDS:
        if not mapping.get(field):
            errors[field] = f"Kies de kolom met de {FIELDS[field].lower()}."
    if not mapping.get("email") and not mapping.get("phone"):
        errors["email"] = "Kies een kolom met het e-mailadres of het telefoonnummer."
    if errors:
        raise ValidationError("De kolomkoppeling is niet compleet: " + " ".join(errors.values()), errors)


def interest_words() -> dict[str, str]:
    """INTEREST_WORDS plus every interest code and name as seeded or added by an admin."""
    words = dict(INTEREST_WORDS)
    for code, name in db.session.execute(select(Interest.code, Interest.name)):
        words.setdefault(header_key(code), code)
        words.setdefault(header_key(re.sub(r"\(.*?\)", "", name)), code)
    return words


def split_interests(text: str, words: dict[str, str]) -> tuple[list[str], str]:
    """Interest codes named in an answer, and the answer itself when it says more than those words."""
    cleaned = text.replace("_", " ").strip()
    if not cleaned:
        return [], ""
    codes: list[str] = []
    rest = False
    for part in re.split(r"[,;/|\n]+|\s+(?:en|and|of|&)\s+", cleaned):
        part = part.strip()
        if not part:
            continue
        code = words.get(header_key(part))
        if code:
            codes.append(code)
            continue
        rest = True
        codes += [words[token] for token in map(header_key, part.split()) if token in words]
    return list(dict.fromkeys(codes)), cleaned if rest else ""


# --- saved mappings --------------------------------------------------------------------------------

def saved_mappings() -> list[ImportMapping]:
    return list(db.session.scalars(select(ImportMapping).order_by(ImportMapping.name)))


def save_mapping(name: str, mapping: dict[str, str], *, actor: User | None) -> ImportMapping:
    """Save (or overwrite) a named column mapping for the generic import."""
    name = name.strip()
    if not name:
        raise ValidationError("Geef de koppeling een naam.", {"save_as": "Geef de koppeling een naam."})
    if len(name) > 120:
        raise ValidationError("Een naam heeft hoogstens 120 tekens.", {"save_as": "Hoogstens 120 tekens."})
    saved = db.session.scalar(select(ImportMapping).where(ImportMapping.name == name))
    if saved is None:
        saved = ImportMapping(name=name, mapping={}, created_by_id=actor.id if actor else None)
        db.session.add(saved)
    saved.mapping = {field: column for field, column in mapping.items() if column}
    db.session.flush()
    return saved
