"""Reading what was typed in the search box as the keys it can be (pure functions, no database)."""
from __future__ import annotations

import pytest

from campaign_crm.services.errors import ValidationError
from campaign_crm.services.search.terms import Terms, read_terms


@pytest.mark.parametrize("typed", ["06-12345678", "0612345678", "+31 6 1234 5678", "+31612345678", "06 123 456 78",
                                   "(06) 12345678", "0031 6 12345678"])
def test_a_phone_number_in_any_notation_is_compared_as_stored(typed):
    assert read_terms(typed) == Terms(phone="+31612345678")


def test_a_landline_number_is_a_phone_number_too():
    assert read_terms("010-1234567") == Terms(phone="+31101234567")


@pytest.mark.parametrize("typed", ["24123456", "2412 3456", "24.12.34.56"])
def test_eight_digits_are_a_kvk_number_and_without_a_leading_zero_also_a_lead_number(typed):
    terms = read_terms(typed)
    assert terms.kvk == "24123456"
    assert terms.lead_id == (24123456 if typed.isdigit() else None)


def test_a_kvk_number_with_a_leading_zero_is_no_lead_number():
    assert read_terms("01234567") == Terms(kvk="01234567")


@pytest.mark.parametrize("typed", ["7", "#7", "Lead 7", "lead #7", "LEAD7"])
def test_a_lead_number_as_the_pages_show_it(typed):
    assert read_terms(typed) == Terms(lead_id=7)


def test_a_number_beyond_the_id_range_is_no_lead_number():
    assert read_terms("#9999999999").lead_id is None


def test_an_e_mail_address_is_lower_cased_and_also_searched_by_its_domain():
    assert read_terms(" Jan.Jansen@Bakkerij-Jansen.NL ") == Terms(email="jan.jansen@bakkerij-jansen.nl",
                                                                  email_domain="bakkerij-jansen.nl")


@pytest.mark.parametrize("typed", ["@bakkerij-jansen.nl", "bakkerij-jansen.nl", "www.bakkerij-jansen.nl",
                                   "https://www.bakkerij-jansen.nl/"])
def test_a_domain_is_searched_as_an_e_mail_domain(typed):
    assert read_terms(typed).email_domain == "bakkerij-jansen.nl"
    assert read_terms(typed).contact_name is None


def test_a_name_is_searched_as_an_employer_name_key_and_as_a_contact_name():
    assert read_terms("Bakkerij  Élégance B.V.") == Terms(name_key="bakkerijelegance",
                                                          contact_name="Bakkerij Élégance B.V.")


def test_like_wildcards_in_a_name_match_nothing_special():
    assert read_terms("50%_jan").contact_name == "50jan"


def test_kinds_name_the_keys_not_their_values():
    assert read_terms("jan@bakker.nl").kinds == ["email", "email_domain"]


@pytest.mark.parametrize(("typed", "message"), [
    (None, "Typ een zoekterm"),
    ("  ", "Typ een zoekterm"),
    ("ab", "Typ minstens 3 tekens, of een leadnummer."),
    ("é", "Typ minstens 3 tekens, of een leadnummer."),
    ("!!!", "Zoek op een naam, KvK-nummer, e-mailadres, telefoonnummer of leadnummer."),
    ("a" * 101, "Een zoekterm heeft hoogstens 100 tekens."),
])
def test_a_query_that_cannot_be_used_says_why_in_dutch(typed, message):
    with pytest.raises(ValidationError) as info:
        read_terms(typed)
    assert info.value.message.startswith(message)
