"""Form pieces every blueprint uses: checkbox lists, select options, optional ids, a bare action form."""
from flask import flash, request
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import SelectChoice, SelectMultipleField, SubmitField
from wtforms.widgets import CheckboxInput, HiddenInput, ListWidget

from ..request_limits import database_id


class Form(FlaskForm):
    """The base of every form. Hidden fields (the CSRF token) and buttons render without an id
    (no label points at them), so a page with several forms keeps its ids unique."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for field in self:
            if isinstance(field, SubmitField):
                field.render_kw = {**(field.render_kw or {}), "id": False}

    def hidden_tag(self, *fields) -> Markup:
        chosen = [getattr(self, f, None) if isinstance(f, str) else f for f in (fields or self)]
        hidden = [f for f in chosen if f is not None and isinstance(f.widget, HiddenInput)]
        return Markup("\n".join(str(f(id=False)) for f in hidden))


class CheckboxListField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


def choices(pairs) -> list[SelectChoice]:
    """Select options from (value, label) pairs (WTForms 3.3 wants SelectChoice, not tuples)."""
    return [SelectChoice(str(value), label) for value, label in pairs]


def optional_id(value):
    """Coerce a select value to an id; the empty choice becomes None."""
    return int(value) if value not in (None, "", "None", "0") else None


class ActionForm(Form):
    """An empty form: a button whose POST carries the CSRF token."""

    submit = SubmitField("Bevestigen")


def apply_errors(form, exc) -> None:
    """Put a service's field errors (ValidationError.fields) on the form; others become a flash message."""
    for name, message in exc.fields.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = list(field.errors) + [message]
        else:
            flash(message, "error")


def int_arg(name: str) -> int | None:
    """A whole number from the query string, or None."""
    return database_id(request.args.get(name))
