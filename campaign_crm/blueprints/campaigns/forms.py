"""Forms of the campaign team: campaigns, phases, channels and UTM values, ad codes, events, the lead rule."""
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
)

from ...models.campaigns import EVENT_KINDS
from ..forms import Form, choices, optional_id

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]  # the first is how the field is rendered


class CampaignCreateForm(Form):
    code = StringField("Code", validators=[DataRequired("Geef de campagne een code."), Length(max=40)])
    name = StringField("Naam", validators=[DataRequired("Geef de campagne een naam."), Length(max=160)])
    starts_on = DateField("Begint op", validators=[InputRequired("Vul een begindatum in.")])
    ends_on = DateField("Eindigt op", validators=[Optional()])
    submit = SubmitField("Campagne aanmaken")


class CampaignEditForm(Form):
    name = StringField("Naam", validators=[DataRequired("Geef de campagne een naam."), Length(max=160)])
    starts_on = DateField("Begint op", validators=[InputRequired("Vul een begindatum in.")])
    ends_on = DateField("Eindigt op", validators=[Optional()])
    active = BooleanField("Actief (het formulier zonder advertentiecode hoort bij de actieve campagne die het "
                          "laatst begon)")
    submit = SubmitField("Opslaan")


class PhaseForm(Form):
    code = StringField("Code", validators=[DataRequired("Geef de fase een code."), Length(max=40)])
    name = StringField("Naam", validators=[DataRequired("Geef de fase een naam."), Length(max=160)])
    starts_on = DateField("Begint op", validators=[InputRequired("Vul een begindatum in.")])
    ends_on = DateField("Eindigt op", validators=[Optional()])
    sector_id = SelectField("Sectorfocus", coerce=optional_id)
    submit = SubmitField("Fase toevoegen")


class ChannelForm(Form):
    code = StringField("Code", validators=[DataRequired("Geef het kanaal een code."), Length(max=40)])
    name = StringField("Naam", validators=[DataRequired("Geef het kanaal een naam."), Length(max=80)])
    submit = SubmitField("Kanaal toevoegen")


class UtmMappingForm(Form):
    channel_id = SelectField("Kanaal", coerce=int)
    utm_source = StringField("utm_source", validators=[DataRequired("Vul een utm_source in."), Length(max=80)])
    utm_medium = StringField("utm_medium (leeg = elk medium)", validators=[Optional(), Length(max=80)])
    submit = SubmitField("Koppeling toevoegen")


class AdCodeForm(Form):
    title = StringField("Titel van de advertentie", validators=[
        DataRequired("Geef de advertentie een titel, bijvoorbeeld 'AD Rotterdams Dagblad 12 mei'."), Length(max=200)])
    channel_id = SelectField("Kanaal", coerce=int)
    phase_id = SelectField("Fase", coerce=optional_id)
    code = StringField("Eigen code", validators=[Optional(), Length(max=20, message="Hoogstens 20 tekens.")])
    submit = SubmitField("Advertentiecode aanmaken")


class EventForm(Form):
    kind = SelectField("Soort", choices=choices(EVENT_KINDS.items()))
    title = StringField("Titel", validators=[DataRequired("Geef het evenement een titel."), Length(max=200)])
    starts_at = DateTimeLocalField("Begint", format=DATETIME_FORMATS,
                                   validators=[InputRequired("Vul datum en tijd van het begin in.")])
    ends_at = DateTimeLocalField("Eindigt", format=DATETIME_FORMATS, validators=[Optional()])
    phase_id = SelectField("Fase", coerce=optional_id)
    external_ref = StringField("Webinar-ID", validators=[Optional(), Length(max=80)])
    slug = StringField("Webadres (laatste deel)", validators=[Optional(), Length(max=80)])
    description = TextAreaField("Omschrijving op de aanmeldpagina", validators=[Optional(), Length(max=4000)])
    registration_open = BooleanField("Aanmelden is open", default=True)
    submit = SubmitField("Opslaan")


class LeadRuleForm(Form):
    min_minutes = IntegerField("Lead vanaf zoveel minuten kijken", validators=[
        InputRequired("Vul een aantal minuten in."), NumberRange(0, 1440, "Tussen 0 en 1440 minuten.")])
    on_contact_request = BooleanField("Wie vraagt om gebeld te worden, wordt altijd een lead")
    submit = SubmitField("Leadregel opslaan")


class ActionForm(Form):
    """An empty form: a button whose POST carries the CSRF token."""

    submit = SubmitField("Bevestigen")
