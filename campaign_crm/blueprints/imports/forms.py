"""Forms for the import: the upload, the generic column mapping, the apply button."""
from __future__ import annotations

from flask_wtf.file import FileAllowed, FileRequired
from wtforms import FileField, SelectChoice, SelectField, StringField, SubmitField
from wtforms.validators import Length, Optional

from ...services.imports import FIELDS, PRESETS
from ..forms import Form

EXTENSIONS = ["csv", "tsv", "txt", "xlsx"]


def choices(pairs) -> list[SelectChoice]:
    return [SelectChoice(str(value), label) for value, label in pairs]


class UploadForm(Form):
    file = FileField("Bestand", validators=[
        FileRequired("Kies een bestand."),
        FileAllowed(EXTENSIONS, "Kies een CSV-, TSV-, TXT- of Excel-bestand (.xlsx)."),
    ], render_kw={"accept": ".csv,.tsv,.txt,.xlsx"})
    preset = SelectField("Soort bestand", choices=choices((code, p.label) for code, p in PRESETS.items()))
    campaign = SelectField("Campagne")
    phase = SelectField("Fase")
    channel = SelectField("Kanaal")
    submit = SubmitField("Bestand controleren")


class ActionForm(Form):
    """An empty form: a button whose POST carries the CSRF token."""

    submit = SubmitField("Inlezen")


def mapping_form_class(columns: list[str]) -> type[Form]:
    """A form with one select per target field, offering the file's columns."""
    options = choices([("", "— niet gebruiken —"), *((c, c) for c in columns)])

    class MappingForm(Form):
        save_as = StringField("Koppeling bewaren onder de naam (optioneel)", validators=[Optional(), Length(max=120)])
        submit = SubmitField("Voorbeeld bekijken")

    for field, label in FIELDS.items():
        setattr(MappingForm, f"map_{field}", SelectField(label, choices=options, default=""))
    return MappingForm
