"""Forms for placements: registration (and edit), check-in, intervention, risk case, LKV request, ending."""
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.meta import DefaultMeta
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ...models.placements import (
    CHECKIN_WITH,
    CONTRACT_TYPES,
    INTERVENTION_KINDS,
    JOBCOACH_KINDS,
    LKS_TYPES,
    RISK_LEVELS,
)
from ..forms import Form, choices, optional_id


class DutchForm(Form):
    """A form whose fields carry a prefix (several forms share the placement page, so ids stay unique)
    and whose built-in messages ("Ongeldige datum.") are Dutch."""

    field_prefix = ""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", self.field_prefix)
        super().__init__(*args, **kwargs)

    class Meta:
        locales = ["nl"]

        def get_translations(self, form):
            # Flask-WTF looks for Flask-Babel, which this app does not use; WTForms ships Dutch itself.
            return DefaultMeta.get_translations(self, form)


class Required:
    """Marks a field as required (the label and assistive tech say so) and leaves judging the value to
    the service, so a refused form lists every problem at once."""

    field_flags = {"required": True}

    def __call__(self, form, field) -> None:
        return None


def optional_code(value):
    """A select's code; the empty choice (or no value sent at all) becomes None."""
    return value if value not in (None, "", "None") else None


def _blank(label: str, pairs) -> list:
    return choices([("", label), *pairs])


class PlacementForm(DutchForm):
    candidate_ref = StringField("Kandidaatreferentie", validators=[
        DataRequired("Vul de referentie uit uw eigen cliëntsysteem in."), Length(max=60)],
        render_kw={"autocomplete": "off", "spellcheck": "false"})
    instrument = SelectField("Instrument", coerce=optional_code, validators=[Required()])
    lks_type = SelectField("Soort loonkostensubsidie", coerce=optional_code,
                           choices=_blank("— niet van toepassing —", LKS_TYPES.items()))
    loonwaarde_pct = IntegerField("Loonwaarde (%)", validators=[Optional()], render_kw={"inputmode": "numeric"})
    loonwaarde_assessed_on = DateField("Loonwaarde vastgesteld op", validators=[Optional()])
    loonwaarde_reassess_on = DateField("Volgende loonwaardemeting", validators=[Optional()])
    hours_per_week = IntegerField("Uren per week", validators=[Optional()], render_kw={"inputmode": "numeric"})
    contract_type = SelectField("Soort contract", coerce=optional_code,
                                choices=_blank("— onbekend —", CONTRACT_TYPES.items()))
    fixed_term_ends_on = DateField("Einde tijdelijk contract", validators=[Optional()])
    start_date = DateField("Startdatum", validators=[InputRequired("Vul de startdatum in.")])
    vacancy_id = SelectField("Vacature", coerce=optional_id)
    jobcoach_kind = SelectField("Soort jobcoach", coerce=optional_code,
                                choices=_blank("— geen jobcoach —", JOBCOACH_KINDS.items()))
    jobcoach_org = SelectField("Jobcoachorganisatie", coerce=optional_id)
    jobcoach_hours = IntegerField("Jobcoachuren per maand", validators=[Optional()], render_kw={"inputmode": "numeric"})
    jobcoach_funder = StringField("Financier van de jobcoaching", validators=[Optional(), Length(max=120)])
    doelgroepregister = BooleanField("Staat in het doelgroepregister (banenafspraak)")
    lkv_requested_on = DateField("Doelgroepverklaring LKV aangevraagd op", validators=[Optional()])
    no_riskpolis = BooleanField("No-riskpolis van toepassing")
    submit = SubmitField("Plaatsing opslaan")


class NewPlacementForm(PlacementForm):
    field_prefix = "placement"
    previous_reference = StringField("Vervolg op plaatsing (referentie, bij overstap naar ander werk)",
                                     validators=[Optional(), Length(max=16)], render_kw={"autocomplete": "off"})
    submit = SubmitField("Plaatsing registreren")


class EditPlacementForm(PlacementForm):
    field_prefix = "placement"


class CheckInForm(DutchForm):
    field_prefix = "checkin"
    checkin_id = SelectField("Welke check-in", coerce=optional_id)
    done_on = DateField("Datum van het contact", validators=[InputRequired("Vul de datum van het contact in.")])
    with_whom = SelectField("Gesproken met", coerce=optional_code, validators=[Required()],
                            choices=_blank("— kies —", CHECKIN_WITH.items()))
    risk = SelectField("Risico op uitval", coerce=optional_code, validators=[Required()],
                       choices=_blank("— kies —", RISK_LEVELS.items()))
    note = TextAreaField("Notitie", validators=[Optional(), Length(max=5000)])
    submit = SubmitField("Check-in vastleggen")


class InterventionForm(DutchForm):
    field_prefix = "intervention"
    kind = SelectField("Interventie", coerce=optional_code, validators=[Required()],
                       choices=_blank("— kies —", INTERVENTION_KINDS.items()))
    started_on = DateField("Gestart op", validators=[InputRequired("Vul de startdatum in.")])
    ended_on = DateField("Afgerond op", validators=[Optional()])
    outcome = TextAreaField("Uitkomst", validators=[Optional(), Length(max=5000)])
    note = TextAreaField("Notitie", validators=[Optional(), Length(max=5000)])
    submit = SubmitField("Interventie vastleggen")


class FinishInterventionForm(DutchForm):
    field_prefix = "finish"
    ended_on = DateField("Afgerond op", validators=[InputRequired("Vul de einddatum in.")])
    outcome = TextAreaField("Uitkomst", validators=[DataRequired("Beschrijf de uitkomst."), Length(max=5000)])
    submit = SubmitField("Uitkomst opslaan")


class CloseCaseForm(DutchForm):
    field_prefix = "case"
    outcome = TextAreaField("Uitkomst", validators=[DataRequired("Beschrijf de uitkomst."), Length(max=5000)])
    submit = SubmitField("Risicodossier sluiten")


class LkvForm(DutchForm):
    field_prefix = "lkv"
    lkv_requested_on = DateField("Doelgroepverklaring aangevraagd op",
                                 validators=[InputRequired("Vul de datum van de aanvraag in.")])
    submit = SubmitField("Aanvraag vastleggen")


class EndForm(DutchForm):
    field_prefix = "end"
    end_date = DateField("Einddatum", validators=[InputRequired("Vul de einddatum in.")])
    end_how = SelectField("Hoe eindigde de baan?", coerce=optional_code, validators=[Required()])
    end_why = SelectField("Waarom eindigde de baan?", coerce=optional_code, validators=[Required()])
    end_note = TextAreaField("Toelichting", validators=[Optional(), Length(max=5000)])
    follow_up = StringField("Nieuwe plaatsing (referentie, bij overstap naar ander werk)",
                            validators=[Optional(), Length(max=16)], render_kw={"autocomplete": "off"})
    submit = SubmitField("Plaatsing beëindigen")
