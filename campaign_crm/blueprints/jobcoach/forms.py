"""Forms for jobcoach organisations and for the coach's risk signal."""
from wtforms import (
    BooleanField,
    EmailField,
    StringField,
    SubmitField,
    TelField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length

from ...services.placements.jobcoaches import DESCRIPTION_MAX_LENGTH
from ..forms import ActionForm, Form  # noqa: F401  (shared; re-exported)


class OrganisationForm(Form):
    name = StringField("Naam van de organisatie", validators=[
        DataRequired("Vul de naam van de organisatie in."), Length(max=160, message="Hoogstens 160 tekens.")])
    contact_name = StringField("Contactpersoon", validators=[Length(max=160, message="Hoogstens 160 tekens.")])
    email = EmailField("E-mailadres", validators=[Length(max=254, message="Hoogstens 254 tekens.")])
    phone = TelField("Telefoonnummer", validators=[Length(max=40, message="Hoogstens 40 tekens.")])
    active = BooleanField("Actief (de link werkt)", default=True)
    submit = SubmitField("Opslaan")


class SignalForm(Form):
    reference = StringField("Referentie van de plaatsing", validators=[
        DataRequired("Vul de referentie van de plaatsing in."), Length(max=40, message="Hoogstens 40 tekens.")],
        render_kw={"autocomplete": "off", "spellcheck": "false"})
    description = TextAreaField("Wat is er aan de hand?", validators=[
        DataRequired("Beschrijf wat er aan de hand is."),
        Length(max=DESCRIPTION_MAX_LENGTH, message=f"Hoogstens {DESCRIPTION_MAX_LENGTH} tekens.")],
        render_kw={"rows": 8})
    # The honeypot of the public forms: people never see it, bots fill it.
    onderwerp = StringField("Onderwerp (laat dit veld leeg)")
    submit = SubmitField("Signaal versturen")
