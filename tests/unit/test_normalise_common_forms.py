"""The short ways for the common forms (e-mail domains checked once, "+31…" numbers, texts without nine
digits) give exactly the answers of the full checks."""
from __future__ import annotations

import random

import phonenumbers
import pytest
from email_validator import EmailNotValidError, validate_email

from campaign_crm.services import normalise
from campaign_crm.services.errors import ValidationError

ADDRESSES = [
    "Jan.Jansen@Werkgever.NL", "info@bakkerij-de-vries.nl", "a@b.co", "x.y+tag@sub.domain.example",
    "sandra@gmail.com", "  petra@hotmail.com  ", "postmaster@Example.COM", "a..b@example.com", ".a@example.com",
    "a@-example.com", "a@example-.com", "a@example", "a@123", "a@example..com", "a@exa_mple.com", "a@ex ample.com",
    "a@localhost", "a@invalid", "a@test", "jan@xn--bcher-kva.example", "jan@bücher.example", "jür@example.com",
    '"quoted"@example.com', "Jan <jan@example.com>", "jan@[127.0.0.1]", "jan@example.com.", "@example.com", "jan@",
    "jan", "a" * 65 + "@example.com", "a@" + "b" * 64 + ".com", "a" * 240 + "@example.com", "a@b@c.com",
    "ab--cd@ab--cd.com", "a@ab--cd.com", "a@xn--abc.com", "a@EXAMPLE.ONION", "a@example.local", "a@1.2.3.4",
]


def library_email(raw: str) -> str | None:
    try:
        return validate_email(raw.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError:
        return None


def our_email(raw: str) -> str | None:
    try:
        return normalise.email(raw)
    except ValidationError:
        return None


@pytest.mark.parametrize("raw", ADDRESSES)
def test_an_address_is_accepted_and_written_as_the_library_does(raw):
    assert our_email(raw) == library_email(raw)


def test_a_domain_seen_before_gives_the_same_answer_for_another_address():
    assert our_email("one@Werkgever7.example") == "one@werkgever7.example"
    assert our_email("Two.People@WERKGEVER7.example") == "two.people@werkgever7.example"
    assert our_email("three@werkgever7..example") is None


def library_phone(raw: str) -> str | None:
    try:
        number = phonenumbers.parse(raw, "NL")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def test_dutch_numbers_written_with_plus_31_are_read_as_the_parser_reads_them():
    rng = random.Random(31)
    numbers = [f"+31{rng.randrange(100_000_000, 999_999_999)}" for _ in range(3000)]
    numbers += ["+31612345678", "+31101234567", "+31201234567", "+31970123456", "+31800123456", "+31900123456"]
    for raw in numbers:
        try:
            ours = normalise.phone(raw)
        except ValidationError:
            ours = None
        assert ours == library_phone(raw), raw
    assert normalise.phone("p:+31612345678") == "+31612345678"
    with pytest.raises(ValidationError):
        normalise.phone("+31012345678")


@pytest.mark.parametrize("text", ["Bouwbedrijf 12345678", "Bakkerij 1234 5678", "tel 12 34 56 78", "", "geen cijfers"])
def test_a_text_with_fewer_than_nine_digits_is_never_a_bsn(text):
    normalise.refuse_bsn(text, "message")


@pytest.mark.parametrize("text", ["BSN 111222333", "nummer 111 222 333", "１１１２２２３３３"])
def test_nine_digits_passing_the_eleven_test_are_still_refused(text):
    with pytest.raises(ValidationError):
        normalise.refuse_bsn(text, "message")
