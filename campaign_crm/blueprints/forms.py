"""Form pieces every blueprint uses: checkbox lists, select options, optional ids, a bare action form."""
from flask_wtf import FlaskForm
from wtforms import SelectChoice, SelectMultipleField, SubmitField
from wtforms.widgets import CheckboxInput, ListWidget


class CheckboxListField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def choices(pairs) -> list[SelectChoice]:
    """Select options from (value, label) pairs (WTForms 3.3 wants SelectChoice, not tuples)."""
    return [SelectChoice(str(value), label) for value, label in pairs]


def optional_id(value):
    """Coerce a select value to an id; the empty choice becomes None."""
    return int(value) if value not in (None, "", "None", "0") else None


class ActionForm(FlaskForm):
    """An empty form: a button whose POST carries the CSRF token."""

    submit = SubmitField("Bevestigen")
