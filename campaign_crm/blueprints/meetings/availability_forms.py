"""Forms of Mijn beschikbaarheid: weekly hours, a date that differs, and the buttons that remove them."""
from wtforms import DateField, SelectField, SubmitField, TimeField
from wtforms.validators import Optional

from ...models.booking import EXCEPTION_KINDS, WEEKDAYS
from ..forms import Form, choices
from .forms import MeetingForm, Needed


class WeeklyHoursForm(MeetingForm):
    field_prefix = "uren"
    weekday = SelectField("Dag", choices=choices((str(i), day.capitalize()) for i, day in enumerate(WEEKDAYS)),
                          validate_choice=False)
    starts_at = TimeField("Van", validators=[Needed(), Optional()])
    ends_at = TimeField("Tot", validators=[Needed(), Optional()])
    submit = SubmitField("Uren toevoegen")


class ExceptionForm(MeetingForm):
    field_prefix = "uitzondering"
    day = DateField("Datum", validators=[Needed(), Optional()])
    kind = SelectField("Wat is er anders?", choices=choices(EXCEPTION_KINDS.items()), validate_choice=False)
    starts_at = TimeField("Van (alleen bij extra uren)", validators=[Optional()])
    ends_at = TimeField("Tot (alleen bij extra uren)", validators=[Optional()])
    submit = SubmitField("Uitzondering toevoegen")


class RemoveForm(Form):
    submit = SubmitField("Verwijderen")
