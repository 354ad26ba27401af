"""Forms for quick actions on leads, and for the work on the lead page: activities, stages, vacancies."""
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.meta import DefaultMeta
from wtforms.validators import DataRequired, Length, Optional

from ...models.placements import ACTIVITY_KINDS
from ..forms import Form, choices, optional_id


class ContactLoggedForm(Form):
    note = StringField("Notitie (optioneel)", validators=[Optional(), Length(max=500)])
    submit = SubmitField("Contact gelegd")


class DeclineForm(Form):
    reason = TextAreaField("Reden van afwijzen", validators=[DataRequired("Geef een reden."), Length(max=500)])
    submit = SubmitField("Lead afwijzen")


class ReassignForm(Form):
    advisor_id = SelectField("Toewijzen aan", coerce=int)
    reason = StringField("Reden", validators=[DataRequired("Geef een reden."), Length(max=300)])
    # The owner the page showed ("" while the lead waited): a reassignment made on a page that has gone
    # stale is refused rather than overruling what a colleague did in the meantime.
    seen_owner_id = HiddenField()
    submit = SubmitField("Toewijzen")


class TakeForm(Form):
    submit = SubmitField("Zelf oppakken")


class RouteAgainForm(Form):
    submit = SubmitField("Wachtende leads opnieuw verdelen")


# --- lead work: activities, stage changes, vacancies ------------------------------------------------

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]  # the first is how the field is rendered


class LeadWorkForm(Form):
    """A form on the lead page: its fields carry a prefix (three forms share the page, so ids stay
    unique), and its built-in messages ("Ongeldige datum.") are Dutch, like the rest of the UI."""

    field_prefix = ""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", self.field_prefix)
        super().__init__(*args, **kwargs)

    class Meta:
        locales = ("nl",)

        def get_translations(self, form):
            # Flask-WTF looks for Flask-Babel, which this app does not use; WTForms ships Dutch itself.
            return DefaultMeta.get_translations(self, form)


class ActivityForm(LeadWorkForm):
    field_prefix = "activity"
    kind = SelectField("Soort", choices=choices(ACTIVITY_KINDS.items()))
    occurred_at = DateTimeLocalField("Wanneer", format=DATETIME_FORMATS, validators=[Optional()])
    outcome = TextAreaField("Uitkomst of notitie", validators=[
        DataRequired("Beschrijf wat er is gebeurd of afgesproken."), Length(max=5000)])
    next_action = StringField("Volgende actie", validators=[Optional(), Length(max=300)])
    next_action_due = DateField("Volgende actie uiterlijk op", validators=[Optional()])
    submit = SubmitField("Activiteit vastleggen")


class StageForm(LeadWorkForm):
    field_prefix = "stage"
    # Any stage is accepted here: the lead service refuses an illegal move with a message that says why.
    to_stage = SelectField("Nieuwe fase", validate_choice=False)
    lost_reason = SelectField("Reden van verval (alleen bij Vervallen)", validate_choice=False)
    at = DateTimeLocalField("Wanneer", format=DATETIME_FORMATS, validators=[Optional()])
    note = StringField("Toelichting (optioneel)", validators=[Optional(), Length(max=500)])
    submit = SubmitField("Fase wijzigen")


class VacancyForm(LeadWorkForm):
    field_prefix = "vacancy"
    title = StringField("Functietitel", validators=[DataRequired("Geef de functie een titel."), Length(max=200)])
    sector_id = SelectField("Sector", coerce=optional_id)
    hours_per_week = IntegerField("Uren per week", validators=[Optional()])
    banenafspraak = BooleanField("Geschikt voor de banenafspraak (LKS)")
    submit = SubmitField("Vacature registreren")


# --- queue pages: saved views and work on a selection -------------------------------------------------

class SaveViewForm(Form):
    """Save the queue's current filters and sort order (they travel in the page's own address) under a name."""

    name = StringField("Naam van de weergave", render_kw={"maxlength": 60, "autocomplete": "off"})
    submit = SubmitField("Bewaren als weergave")


class BulkNextActionForm(LeadWorkForm):
    """The next action the team queue's selection gets (the lead ids come as `lead_ids`)."""

    field_prefix = "bulk"
    next_action = StringField("Volgende actie", render_kw={"maxlength": 300})
    next_action_due = DateField("Uiterlijk op", validators=[Optional()])
    submit = SubmitField("Actie plannen bij de geselecteerde leads")


class BulkSelectionForm(Form):
    """The team queue's selection form itself (prefix `bulk`): its CSRF token, for the actions without fields of
    their own (take, export)."""
