"""Forms for meetings: plan, move, record as held; the buttons to cancel and to renew or revoke the feed link."""
from wtforms import DateField, SelectField, StringField, SubmitField, TextAreaField, TimeField
from wtforms.meta import DefaultMeta
from wtforms.validators import Length, Optional

from ...models.meetings import MEETING_KINDS, PLACE_KINDS
from ..forms import CheckboxListField, Form, choices


class MeetingForm(Form):
    """A meeting form: its fields carry a prefix (the meeting page holds several forms), and the built-in
    messages ("Ongeldige datumwaarde.") are Dutch like the rest of the UI. Required fields are checked by the
    service, so all that is missing or wrong is reported in one round."""

    field_prefix = ""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", self.field_prefix)
        super().__init__(*args, **kwargs)

    class Meta:
        locales = ("nl",)

        def get_translations(self, form):
            # Flask-WTF looks for Flask-Babel, which this app does not use; WTForms ships Dutch itself.
            return DefaultMeta.get_translations(self, form)


class Needed:
    """Marks a field as required, so the page says "(verplicht)"; whether it is filled in, the service checks (and
    says so beside the other problems, in one round)."""

    field_flags = {"required": True}

    def __call__(self, form, field) -> None:
        pass


DAY, START, END = "Datum", "Begintijd", "Eindtijd"
PLACE_KIND, PLACE = "Soort plaats", "Adres, telefoonnummer of videolink"


class PlanForm(MeetingForm):
    field_prefix = "meeting"
    kind = SelectField("Soort afspraak", choices=choices(MEETING_KINDS.items()))
    day = DateField(DAY, validators=[Needed(), Optional()])
    start_time = TimeField(START, validators=[Needed(), Optional()])
    end_time = TimeField(END, validators=[Needed(), Optional()])
    place_kind = SelectField(PLACE_KIND, choices=choices(PLACE_KINDS.items()))
    place = StringField(PLACE, validators=[Needed(), Length(max=500)])
    note = TextAreaField("Toelichting voor de uitnodiging (optioneel)", validators=[Length(max=2000)])
    contact_ids = CheckboxListField("Contactpersonen van de werkgever", coerce=int, validate_choice=False)
    colleague_ids = CheckboxListField("Collega's", coerce=int, validate_choice=False)
    submit = SubmitField("Afspraak plannen")


class MoveForm(MeetingForm):
    field_prefix = "move"
    day = DateField(DAY, validators=[Needed(), Optional()])
    start_time = TimeField(START, validators=[Needed(), Optional()])
    end_time = TimeField(END, validators=[Needed(), Optional()])
    place_kind = SelectField(PLACE_KIND, choices=choices(PLACE_KINDS.items()))
    place = StringField(PLACE, validators=[Needed(), Length(max=500)])
    submit = SubmitField("Afspraak verplaatsen")


class HeldForm(MeetingForm):
    field_prefix = "held"
    outcome = TextAreaField("Verslag: wat is besproken of afgesproken", validators=[Needed(), Length(max=5000)])
    submit = SubmitField("Vastleggen als gehouden")


class CancelForm(Form):
    submit = SubmitField("Afspraak annuleren")


class RenewFeedForm(Form):
    submit = SubmitField("Nieuwe agenda-link maken")


class RevokeFeedForm(Form):
    submit = SubmitField("Agenda-link intrekken")
