"""Forms employers fill in without logging in, each with a honeypot and a signed start time."""
from __future__ import annotations

from datetime import UTC, datetime

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    SelectField,
    StringField,
    SubmitField,
    TelField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional

from ...services.capture.public_form import MESSAGE_MAX_LENGTH
from ..forms import CheckboxListField, Form

_SALT = "public-form-started"


def start_token(at: datetime) -> str:
    """The form's start time, signed, so a bot cannot claim it spent longer on the form."""
    return URLSafeSerializer(current_app.secret_key, salt=_SALT).dumps({"t": at.timestamp()})


def started_at(token: str | None) -> datetime | None:
    """The signed start time, or None when the token is missing or forged."""
    if not token:
        return None
    try:
        value = URLSafeSerializer(current_app.secret_key, salt=_SALT).loads(token)
        return datetime.fromtimestamp(float(value["t"]), UTC)
    except (BadSignature, KeyError, TypeError, ValueError, OverflowError):
        return None


class BotTrapForm(Form):
    """The honeypot (people never see it) and the signed start time every public form carries."""

    # A plain-looking name: bots fill it, browsers' autofill does not know it.
    onderwerp = StringField("Onderwerp (laat dit veld leeg)")
    started = HiddenField()


class CampaignForm(BotTrapForm):
    employer_name = StringField("Naam van uw organisatie", validators=[
        DataRequired("Vul de naam van uw organisatie in."), Length(max=200, message="Hoogstens 200 tekens.")],
        render_kw={"autocomplete": "organization"})
    kvk = StringField("KvK-nummer", validators=[Optional(), Length(max=20, message="Een KvK-nummer heeft 8 cijfers.")],
                      render_kw={"inputmode": "numeric", "autocomplete": "off"})
    municipality = SelectField("Gemeente van vestiging",
                               validators=[DataRequired("Kies de gemeente waar uw organisatie zit.")])
    sector = SelectField("Sector")
    size = SelectField("Aantal medewerkers")

    contact_name = StringField("Uw naam", validators=[
        DataRequired("Vul uw naam in."), Length(max=160, message="Hoogstens 160 tekens.")],
        render_kw={"autocomplete": "name"})
    function = StringField("Uw functie", validators=[Optional(), Length(max=120, message="Hoogstens 120 tekens.")],
                           render_kw={"autocomplete": "organization-title"})
    email = EmailField("E-mailadres", validators=[Length(max=254, message="Hoogstens 254 tekens.")],
                       render_kw={"autocomplete": "email"})
    phone = TelField("Telefoonnummer", validators=[Length(max=40, message="Hoogstens 40 tekens.")],
                     render_kw={"autocomplete": "tel"})

    interests = CheckboxListField("Waar wilt u meer over weten?")
    message = TextAreaField("Uw vraag of toelichting",
                            validators=[Optional(), Length(max=MESSAGE_MAX_LENGTH,
                                                     message=f"Hoogstens {MESSAGE_MAX_LENGTH} tekens.")])
    how_heard = SelectField("Hoe heeft u van ons gehoord?")
    how_heard_other = StringField("Anders, namelijk",
                                  validators=[Optional(), Length(max=200, message="Hoogstens 200 tekens.")])
    consent = BooleanField(validators=[DataRequired("Geef toestemming, anders mogen we geen contact met u opnemen.")])

    code = HiddenField()
    utm_source = HiddenField()
    utm_medium = HiddenField()
    utm_campaign = HiddenField()
    utm_content = HiddenField()
    utm_term = HiddenField()
    utm_id = HiddenField()
    submit = SubmitField("Verstuur aanmelding")


class EventRegistrationForm(BotTrapForm):
    name = StringField("Uw naam",
                       validators=[DataRequired("Vul uw naam in."), Length(max=160, message="Hoogstens 160 tekens.")],
                       render_kw={"autocomplete": "name"})
    organisation = StringField("Naam van uw organisatie", validators=[
        DataRequired("Vul de naam van uw organisatie in."), Length(max=200, message="Hoogstens 200 tekens.")],
        render_kw={"autocomplete": "organization"})
    email = EmailField("E-mailadres", validators=[DataRequired("Vul uw e-mailadres in; daarop ontvangt u de link."),
                                                  Length(max=254, message="Hoogstens 254 tekens.")],
                       render_kw={"autocomplete": "email"})
    phone = TelField("Telefoonnummer", validators=[Length(max=40, message="Hoogstens 40 tekens.")],
                     render_kw={"autocomplete": "tel"})
    call_me = BooleanField("Ja, bel mij na afloop")
    submit = SubmitField("Aanmelden")
