"""Dutch identifiers and contact details: what is stored, and what is refused (KvK 8 digits, vestigingsnummer
12, postcode 4 digits and 2 letters, phone in E.164, a BSN never; the terms are in docs/domain.md)."""
from __future__ import annotations

import socket

import pytest

from campaign_crm.services import normalise
from campaign_crm.services.errors import ValidationError

# --- KvK number: 8 digits, stored as text --------------------------------------------------------

@pytest.mark.parametrize("raw", ["24123456", "2412 3456", "24.12.34.56", " 2412 3456 "])
def test_kvk_drops_spaces_and_dots(raw):
    assert normalise.kvk(raw) == "24123456"


def test_kvk_keeps_leading_zeros():
    assert normalise.kvk("0123 4567") == "01234567"


@pytest.mark.parametrize("raw", ["1234567", "123456789", "", "2412345a", "kvk onbekend"])
def test_kvk_without_exactly_eight_digits_is_refused_with_a_dutch_message_naming_the_field(raw):
    with pytest.raises(ValidationError) as refused:
        normalise.kvk(raw, "employer.kvk")
    assert "KvK-nummer" in refused.value.message
    assert list(refused.value.fields) == ["employer.kvk"]
    assert "8 cijfers" in refused.value.fields["employer.kvk"]


def test_kvk_in_non_ascii_digits_is_refused_so_one_employer_cannot_get_two_spellings():
    fullwidth = "２４１２３４５６"  # 24123456 typed in full-width digits
    with pytest.raises(ValidationError):
        normalise.kvk(fullwidth)


# --- Vestigingsnummer: 12 digits ------------------------------------------------------------------

def test_vestigingsnummer_has_twelve_digits_with_leading_zeros_kept():
    assert normalise.vestigingsnummer("0000 1234 5678") == "000012345678"


@pytest.mark.parametrize("raw", ["12345678901", "1234567890123", "24123456"])
def test_vestigingsnummer_of_another_length_is_refused_naming_the_field(raw):
    with pytest.raises(ValidationError) as refused:
        normalise.vestigingsnummer(raw, "employer.vestigingsnummer")
    assert list(refused.value.fields) == ["employer.vestigingsnummer"]
    assert "12 cijfers" in refused.value.fields["employer.vestigingsnummer"]


# --- Postcode: 4 digits (first 1-9) + 2 letters, never SA/SD/SS, stored as `1234 AB` --------------

@pytest.mark.parametrize("raw", ["3011ab", "3011 AB", "3011AB", " 3011  ab "])
def test_postcode_is_stored_as_four_digits_space_two_capitals(raw):
    assert normalise.postcode(raw) == "3011 AB"


@pytest.mark.parametrize("raw", [
    "0123 AB",  # a postcode never starts with 0
    "1234 SA", "1234 sd", "1234SS",  # letter pairs that are never issued
    "123 AB", "12345 AB", "3011 A1", "B-1000",
])
def test_postcode_that_is_not_dutch_is_refused_naming_the_field(raw):
    with pytest.raises(ValidationError) as refused:
        normalise.postcode(raw, "employer.postcode")
    assert list(refused.value.fields) == ["employer.postcode"]


# --- Phone: stored in E.164, Dutch numbers read without a country code ---------------------------

@pytest.mark.parametrize(("raw", "stored"), [
    ("010-1234567", "+31101234567"),
    ("06 12345678", "+31612345678"),
    ("+31 10 765 4321", "+31107654321"),
    ("p:+31612345678", "+31612345678"),  # Meta lead ads prefix every phone number with `p:`
    ("0031 6 12 34 56 78", "+31612345678"),
    ("(010) 123 4567", "+31101234567"),
])
def test_phone_is_stored_in_e164(raw, stored):
    assert normalise.phone(raw) == stored


@pytest.mark.parametrize("raw", ["geen", "bel me maar", "12", "06-1234567", "06123456789", "p:", "   "])
def test_phone_that_is_not_a_valid_number_is_refused_naming_the_field(raw):
    with pytest.raises(ValidationError) as refused:
        normalise.phone(raw, "contact.phone")
    assert list(refused.value.fields) == ["contact.phone"]


# --- E-mail ---------------------------------------------------------------------------------------

def test_email_is_stored_lower_cased_and_trimmed():
    assert normalise.email("  Jan.Jansen@Bakkerij-Jansen.NL ") == "jan.jansen@bakkerij-jansen.nl"


@pytest.mark.parametrize("raw", ["geen e-mail", "jan@", "@bakkerij.nl", "jan@bakkerij", "jan@@bakkerij.nl",
                                 "jan@localhost"])
def test_email_that_is_not_an_address_is_refused_naming_the_field(raw):
    with pytest.raises(ValidationError) as refused:
        normalise.email(raw, "contact.email")
    assert list(refused.value.fields) == ["contact.email"]


def test_email_check_does_not_touch_the_network(monkeypatch):
    def no_network(*args, **kwargs):
        raise AssertionError("the e-mail check must not look anything up")

    monkeypatch.setattr(socket, "socket", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    # A domain that does not exist is still a well-formed address.
    assert normalise.email("info@bestaat-niet-q7x9.nl") == "info@bestaat-niet-q7x9.nl"


def test_email_domain_of_an_organisation_address_is_its_domain():
    assert normalise.email_domain("jan@bakkerij-jansen.nl") == "bakkerij-jansen.nl"


@pytest.mark.parametrize("address", ["piet@gmail.com", "piet@Hotmail.NL", "piet@ziggo.nl", "piet@kpnmail.nl"])
def test_email_domain_of_a_free_mail_provider_is_none_because_it_says_nothing_about_the_employer(address):
    assert normalise.email_domain(address) is None


# --- Employer name comparison key -----------------------------------------------------------------

@pytest.mark.parametrize(("one", "other"), [
    ("Installatiebedrijf Van der Berg B.V.", "installatiebedrijf van der berg"),
    ("BAKKERIJ JANSEN", "Bakkerij Jansen"),
    ("Bakkerij Jansen BV", "Bakkerij Jansen"),
    ("Jansen & Zn. B. V.", "jansen zn"),
    ("Café De Zwaan", "Cafe de Zwaan"),
    ("Jansen-Smit Transport", "Jansen Smit Transport"),
    ("Zorggroep Rijnmond N.V.", "Zorggroep Rijnmond"),
])
def test_name_key_ignores_case_accents_punctuation_and_a_trailing_legal_form(one, other):
    assert normalise.name_key(one) == normalise.name_key(other)


@pytest.mark.parametrize(("one", "other"), [
    ("Bakkerij Jansen", "Bakkerij Janssen"),
    ("Bakkerij Jansen", "Slagerij Jansen"),
])
def test_name_key_keeps_different_names_apart(one, other):
    assert normalise.name_key(one) != normalise.name_key(other)


# --- BSN: 9 digits passing the elfproef; never stored ---------------------------------------------
# The elfproef: 9*d1 + 8*d2 + 7*d3 + 6*d4 + 5*d5 + 4*d6 + 3*d7 + 2*d8 - 1*d9 must be divisible by 11.
#   111222333: 9*1+8*1+7*1+6*2+5*2+4*2+3*3+2*3 - 1*3 = 69 - 3 = 66, 66 % 11 == 0  -> valid
#   123456782: 9*1+8*2+7*3+6*4+5*5+4*6+3*7+2*8 - 1*2 = 156 - 2 = 154 = 14*11   -> valid
#   123456783: 156 - 3 = 153, 153 % 11 == 10                                  -> not valid
#   101234569: 9*1+8*0+7*1+6*2+5*3+4*4+3*5+2*6 - 1*9 = 86 - 9 = 77 = 7*11      -> valid
#   612345671: 9*6+8*1+7*2+6*3+5*4+4*5+3*6+2*7 - 1*1 = 166 - 1 = 165 = 15*11   -> valid
#   241234566: 9*2+8*4+7*1+6*2+5*3+4*4+3*5+2*6 - 1*6 = 127 - 6 = 121 = 11*11   -> valid

@pytest.mark.parametrize("digits", ["111222333", "123456782", "101234569", "612345671", "241234566"])
def test_nine_digits_passing_the_elfproef_are_a_bsn(digits):
    assert normalise.is_bsn(digits)


@pytest.mark.parametrize("digits", [
    "123456783",  # fails the elfproef
    "000000000",  # sums to 0, but was never issued
    "12345678",  # 8 digits
    "1234567820",  # 10 digits
    "123 456 782",  # is_bsn takes bare digits; free text goes through refuse_bsn
])
def test_other_numbers_are_not_a_bsn(digits):
    assert not normalise.is_bsn(digits)


@pytest.mark.parametrize("text", [
    "Mijn BSN is 111222333.",
    "bsn: 123 456 782",
    "BSN 1234.56.782",  # the way it is printed on a passport
    "123-456-782",
    "BSN123456782",
    "Kandidaat 123456782 36 uur per week",  # another number right after it
    "Geboren 1-5-1990 123456782",
    "BSN １２３４５６７８２",  # full-width digits
])
def test_refuse_bsn_catches_a_bsn_in_free_text_and_names_the_field(text):
    with pytest.raises(ValidationError) as refused:
        normalise.refuse_bsn(text, "message")
    assert list(refused.value.fields) == ["message"]
    assert "BSN" in refused.value.message


@pytest.mark.parametrize("text", [
    None,
    "",
    "Graag contact over loonkostensubsidie.",
    "Nummer 123456783 haalt de elfproef niet",
    "Bel 06 12345678 of 010-1234567",
    "KvK 24123456, vestiging 000012345678",
    "KvK 24123456 6 vestigingen",  # 24123456 and 6 are two numbers, though 241234566 passes the elfproef
    "T +31 612345671",  # a mobile number without its 0; 612345671 alone would pass the elfproef
    "T +31 (0)6 1234 5671",
    "Tel. +31 (0)10 123 45 69",  # 10 123 45 69 would pass the elfproef on its own
    "Bel 0031 10 1234569",
    "Postcode 3011 AB, 2 vacatures, 36 uur",
])
def test_refuse_bsn_leaves_phone_numbers_kvk_numbers_and_ordinary_text_alone(text):
    normalise.refuse_bsn(text, "message")
