"""The lead page writes its form fields in Python (blueprints.leads.fields) for speed: the same HTML as the house
macro (templates/_macros/forms.html `field`) and WTForms (hidden fields, buttons), for every field of the page's
forms, blank, as typed and refused."""
from __future__ import annotations

import re

import pytest
from werkzeug.datastructures import MultiDict

from campaign_crm.blueprints.forms import choices
from campaign_crm.blueprints.leads import fields
from campaign_crm.blueprints.leads.forms import (
    ActivityForm,
    ContactLoggedForm,
    DeclineForm,
    ReassignForm,
    StageForm,
    TakeForm,
    VacancyForm,
)

HINT = 'Tussen 1 en 60 uur, "per week" & <b>niet</b> meer.'  # a hint with characters that must be escaped

TYPED = {
    ActivityForm: {"activity-kind": "visit", "activity-occurred_at": "2026-03-02T09:30",
                   "activity-outcome": "Gesprek <met> \"Jansen\" & co.\nTweede regel",
                   "activity-next_action": "x" * 301,
                   "activity-next_action_due": "geen datum"},
    StageForm: {"stage-to_stage": "lost", "stage-lost_reason": "no_vacancy", "stage-at": "morgen",
                "stage-note": "Valt af & <stopt>"},
    VacancyForm: {"vacancy-title": "", "vacancy-sector_id": "3", "vacancy-hours_per_week": "veel",
                  "vacancy-banenafspraak": "y"},
    ContactLoggedForm: {"note": "Gebeld 'vanochtend' " * 30},
    DeclineForm: {"reason": ""},
    ReassignForm: {"advisor_id": "7", "reason": "", "seen_owner_id": "4"},
}


def with_options(form):
    """The choices the lead page gives these forms."""
    if isinstance(form, StageForm):
        form.to_stage.choices = choices([("meeting", "Adviesgesprek"), ("lost", "Vervallen")])
        form.lost_reason.choices = choices([("", "— kies een reden —"), ("no_vacancy", "Geen vacature"),
                                            ("other", "Anders & <overig>")])
    elif isinstance(form, VacancyForm):
        form.sector_id.choices = choices([("", "— onbekend —"), (2, "Zorg en welzijn"), (3, "Techniek")])
    elif isinstance(form, ReassignForm):
        form.advisor_id.choices = choices([(5, "Anna (team Waterweg)"), (7, "Bram (geen team)")])
    return form


def normalised(html: str) -> str:
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", str(html))).strip()


def make_form(form_class, state: str):
    """The form blank, as typed, or refused after validation (with its messages)."""
    form = with_options(form_class(formdata=None if state == "blank" else MultiDict(TYPED[form_class])))
    if state == "refused":
        assert not form.validate()
    return form


@pytest.mark.parametrize("state", ["blank", "typed", "refused"])
@pytest.mark.parametrize("form_class", list(TYPED), ids=lambda form_class: form_class.__name__)
def test_every_field_is_written_as_the_macro_writes_it(app, form_class, state):
    macro = app.jinja_env.from_string('{% from "_macros/forms.html" import field %}{{ field(f, hint=hint) }}')
    with app.test_request_context("/leads/1", method="POST"):
        form = make_form(form_class, state)
        shown = [f for f in form if f.type not in ("CSRFTokenField", "HiddenField", "SubmitField")]
        assert shown
        for f in shown:
            for hint in (None, HINT):
                assert normalised(fields.field(f, hint)) == normalised(macro.render(f=f, hint=hint)), f.name


def test_refused_fields_carry_their_errors(app):
    with app.test_request_context("/leads/1", method="POST"):
        html = fields.field(make_form(VacancyForm, "refused").title)
    assert 'aria-invalid="true"' in html and 'aria-describedby="vacancy-title-error"' in html
    assert 'class="error-text" id="vacancy-title-error">Geef de functie een titel. </p>' in html


@pytest.mark.parametrize("form_class", [*TYPED, TakeForm], ids=lambda form_class: form_class.__name__)
def test_hidden_fields_and_buttons_are_written_as_wtforms_writes_them(app, form_class):
    with app.test_request_context("/leads/1", method="POST"):
        form = with_options(form_class(formdata=None, meta={"csrf": True}))  # the tests' app has CSRF off
        if isinstance(form, ReassignForm):
            form.seen_owner_id.data = '4"'
        assert 'csrf_token" type="hidden" value="' in fields.hidden(form)
        assert normalised(fields.hidden(form)) == normalised(form.hidden_tag())
        for css_class in ("button", "button secondary"):
            assert normalised(fields.button(form.submit, css_class)) == normalised(form.submit(class_=css_class))
