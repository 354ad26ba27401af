"""Forms for the check-in questions by link (with the public forms' bot trap) and the employee's consent."""
from wtforms import BooleanField, EmailField, RadioField, SubmitField, TextAreaField
from wtforms.validators import Length

from ...services.feedback.links import ANSWERS, HELP_MAX_LENGTH
from ..forms import ActionForm, Form, choices  # noqa: F401  (ActionForm: shared; re-exported)
from ..public.forms import BotTrapForm

YES_NO = {"ja": "Ja", "nee": "Nee"}


class Required:
    """Marks a field as required (the label and assistive tech say so); the service judges the value, so a
    refused form lists every problem at once, in Dutch."""

    field_flags = {"required": True}

    def __call__(self, form, field) -> None:
        return None


class AnswerForm(BotTrapForm):
    """The three questions; the labels are set per audience (formal, or plain Dutch for the employee)."""

    risk = RadioField("Hoe gaat het?", choices=choices(ANSWERS.items()), validators=[Required()],
                      validate_choice=False)
    help_text = TextAreaField("Wat zou helpen?", validators=[
        Length(max=HELP_MAX_LENGTH, message=f"Hoogstens {HELP_MAX_LENGTH} tekens.")], render_kw={"rows": 5})
    wants_contact = RadioField("Wilt u dat de adviseur contact met u opneemt?", choices=choices(YES_NO.items()),
                               validators=[Required()], validate_choice=False)
    submit = SubmitField("Antwoord versturen")


class ConsentForm(Form):
    email = EmailField("E-mailadres van de werknemer", validators=[Length(max=254, message="Hoogstens 254 tekens.")],
                       render_kw={"autocomplete": "off"})
    consent = BooleanField("De werknemer gaf toestemming")
    submit = SubmitField("Toestemming vastleggen")
