"""Forms of the spend pages: one amount spent, a spend export to import, and the cost page's grouping."""
from __future__ import annotations

from flask_wtf.file import FileField
from wtforms import DateField, HiddenField, SelectField, StringField, SubmitField
from wtforms.meta import DefaultMeta
from wtforms.validators import Optional

from ...services.reports.spend import IMPORT_SOURCES
from ..forms import Form, choices, optional_id


class Required:
    """Marks a field as required (the label and assistive tech say so) and leaves judging the value to
    the service, so a refused form lists every problem at once, per field."""

    field_flags = {"required": True}

    def __call__(self, form, field) -> None:
        return None


class DutchForm(Form):
    """Built-in messages ("Ongeldige datum.") in Dutch, like the rest of the UI."""

    class Meta:
        locales = ("nl",)

        def get_translations(self, form):
            # Flask-WTF looks for Flask-Babel, which this app does not use; WTForms ships Dutch itself.
            return DefaultMeta.get_translations(self, form)


class SpendForm(DutchForm):
    """One amount spent on a channel (and phase, ad code) over a period."""

    channel_id = SelectField("Kanaal", coerce=optional_id, validators=[Required()])
    phase_id = SelectField("Fase", coerce=optional_id, validators=[Optional()])
    ad_code_id = SelectField("Advertentiecode", coerce=optional_id, validators=[Optional()])
    starts_on = DateField("Van", validators=[Required(), Optional()])
    ends_on = DateField("Tot en met", validators=[Required(), Optional()])
    amount = StringField("Bedrag in euro", validators=[Required()])
    note = StringField("Toelichting", validators=[Optional()])
    submit = SubmitField("Opslaan")

    def fill_choices(self, channels, phases, ad_codes) -> None:
        """The select options: (id, label) pairs; phase and ad code may stay empty."""
        self.channel_id.choices = choices([("", "— kies een kanaal —"), *channels])
        self.phase_id.choices = choices([("", "— geen fase —"), *phases])
        self.ad_code_id.choices = choices([("", "— geen advertentiecode —"), *ad_codes])


class SpendImportForm(DutchForm):
    """A spend export of Meta Ads or LinkedIn Ads."""

    source = SelectField("Platform", choices=choices(IMPORT_SOURCES.items()))
    file = FileField("Uitgavenexport (CSV)", validators=[Required()])
    submit = SubmitField("Voorbeeld bekijken")


class SpendApplyForm(DutchForm):
    """The preview's form: the same file again (the preview stored nothing) and an ad code per new ad."""

    source = HiddenField()
    content = HiddenField()
    filename = HiddenField()
    check = SubmitField("Opnieuw bekijken")
    submit = SubmitField("Uitgaven inlezen")
