"""The notice preferences form: per kind of notice a required choice, on or off."""
from __future__ import annotations

from collections.abc import Mapping

from wtforms import RadioField, SubmitField
from wtforms.validators import AnyOf, InputRequired

from ...services.mail.notices import NoticeKind
from ..forms import Form, choices

ON, OFF = "aan", "uit"


class NoticesForm(Form):
    submit = SubmitField("Meldingen opslaan")

    def kind_fields(self) -> list[RadioField]:
        return [field for field in self if isinstance(field, RadioField)]

    def chosen(self) -> dict[str, bool]:
        return {field.name: field.data == ON for field in self.kind_fields()}


def notices_form(kinds: Mapping[str, NoticeKind], current: Mapping[str, bool]) -> NoticesForm:
    """A form with one on/off question per notice kind, filled in with the user's current choices."""

    class _NoticesForm(NoticesForm):
        pass

    for kind, about in kinds.items():
        message = f"Kies aan of uit bij \u201c{about.label}\u201d."
        setattr(_NoticesForm, kind, RadioField(
            about.label, choices=choices([(ON, "Aan"), (OFF, "Uit")]), description=about.about, validate_choice=False,
            validators=[InputRequired(message), AnyOf([ON, OFF], message=message)]))
    return _NoticesForm(data={kind: ON if current.get(kind, True) else OFF for kind in kinds})
