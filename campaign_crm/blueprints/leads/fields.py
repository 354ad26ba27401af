"""The house markup of a form field (the `field` macro of templates/_macros/forms.html), written in Python for
the lead page.

The lead page shows its work forms (activity, stage, vacancy, and contact, decline or reassign) on every visit,
some twenty fields. Through the macro, each field cost about 0.15 ms: a Jinja macro call with keyword
arguments, then WTForms' widget, which walks `dir()` of the field's flags and formats every attribute through an
escaping `Markup.format`; each hidden field and button went through a widget too. That was a third of the
page's server time. `field`, `hidden` and `button` write the same HTML (the tests compare them with the macro and
WTForms for every field of the page's forms: blank, as typed, and refused) in a fraction of it.

A field whose widget is not one of the plain ones below is rendered by its own widget.
"""
from __future__ import annotations

from markupsafe import Markup, escape
from wtforms import Field
from wtforms.widgets import (
    CheckboxInput,
    DateInput,
    DateTimeLocalInput,
    HiddenInput,
    NumberInput,
    Select,
    SubmitInput,
    TextArea,
    TextInput,
)


def field(f: Field, hint: str | None = None) -> Markup:
    """The field in the house markup: a label, the hint, the control (described by the hint and the errors,
    invalid when refused) and the errors; a checkbox with its label after it."""
    field_id = escape(f.id)
    described = " ".join(([f"{field_id}-hint"] if hint else []) + ([f"{field_id}-error"] if f.errors else []))
    extra = {"aria-describedby": described or False, "aria-invalid": "true" if f.errors else False}
    hint_html = f'<p class="hint" id="{field_id}-hint">{escape(hint)}</p>' if hint else ""
    label = f'<label for="{field_id}">{escape(f.label.text)}</label>'
    html = ['<div class="field field-error">' if f.errors else '<div class="field">']
    if f.type == "BooleanField":
        html += ['<div class="check">', control(f, extra), label, "</div>", hint_html]
    else:
        required = ' <span class="required">(verplicht)</span>' if f.flags.required else ""
        html += [f'<div class="label-row">{label}{required}</div>', hint_html, control(f, extra)]
    if f.errors:
        html.append(f'<p class="error-text" id="{field_id}-error">{"".join(f"{escape(e)} " for e in f.errors)}</p>')
    html.append("</div>")
    return Markup("\n".join(html))


def hidden(form) -> Markup:
    """The form's hidden fields (the CSRF token, a HiddenField), as `Form.hidden_tag` writes them: without an id."""
    return Markup("\n".join(control(f, {"id": False}) for f in form if isinstance(f.widget, HiddenInput)))


def button(f: Field, css_class: str) -> Markup:
    """A submit field as `f(class_=css_class)` writes it."""
    return Markup(control(f, {"class": css_class}))


def control(f: Field, extra: dict) -> str:
    """The field's input, textarea or select with the attributes its WTForms widget would give it: `extra` over
    the field's own render_kw over the id, then the flags of its validators (required, maxlength, ...)."""
    widget, flags = f.widget, f.flags
    kind = type(widget)
    if kind not in _PLAIN or _special(f, kind):
        return str(f(**extra))
    attributes = {"id": f.id, **{_name(name): value for name, value in (f.render_kw or {}).items()}, **extra,
                  "name": f.name}
    for name in widget.validation_attrs:
        value = getattr(flags, name)
        if value is not None and name not in attributes:
            attributes[name] = value() if callable(value) else value
    if kind is TextArea:
        return f"<textarea {_attributes(attributes)}>\r\n{escape(f._value())}</textarea>"
    if kind is Select:
        options = "".join(_option(choice) for choice in f.iter_choices())
        return f"<select {_attributes(attributes)}>{options}</select>"
    if kind is SubmitInput:
        attributes.setdefault("value", f.label.text)
    elif kind is CheckboxInput and getattr(f, "checked", f.data):
        attributes.setdefault("checked", True)
    attributes.setdefault("type", widget.input_type)
    if "value" not in attributes:
        attributes["value"] = f._value()
    return f"<input {_attributes(attributes)}>"


def _special(f: Field, kind: type) -> bool:
    """What only the widget itself renders: a datalist, a multiple or grouped select, a date limit."""
    if getattr(f, "_datalist", None) is not None:
        return True
    if kind is Select:
        return f.widget.multiple or f.has_groups()
    return kind in (DateInput, DateTimeLocalInput) and (f.flags.min is not None or f.flags.max is not None)


def _option(choice) -> str:
    value = str(choice.value) if isinstance(choice.value, bool) else choice.value
    attributes = {"value": value, **(choice.render_kw or {})}
    if choice.selected:
        attributes["selected"] = True
    return f"<option {_attributes(attributes)}>{escape(choice.label or choice.value)}</option>"


def _attributes(attributes: dict) -> str:
    """As WTForms' `html_params`: sorted by name, True as a bare attribute, False left out."""
    return " ".join(name if value is True else f'{_name(name)}="{escape(value)}"'
                    for name, value in sorted(attributes.items()) if value is not False)


def _name(name: str) -> str:
    """An attribute's name as WTForms writes it: `class_` is `class`, `data_x` and `aria_x` are `data-x`, `aria-x`."""
    name = name.rstrip("_")
    return name.replace("_", "-") if name.startswith(("data_", "aria_")) else name


# The widgets of the lead page's fields; any other is left to WTForms.
_PLAIN = {TextInput, HiddenInput, NumberInput, DateInput, DateTimeLocalInput, CheckboxInput, SubmitInput, TextArea,
          Select}
