"""Forms of the booking step: pick a time (and the phone number or address it needs), ask to be called back, move or
cancel a booking by its link. Each carries the honeypot and the signed start time of the public forms."""
from __future__ import annotations

from datetime import UTC, datetime

from wtforms import HiddenField, RadioField, StringField, SubmitField, TelField
from wtforms.validators import Length

from ...models.booking import CALLBACK_PARTS
from ..forms import choices
from .forms import BotTrapForm

SLOT_FORMAT = "%Y%m%dT%H%MZ"  # a slot's start in the form: UTC, minutes


def slot_value(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime(SLOT_FORMAT)


def slot_moment(value: str | None) -> datetime | None:
    """The start a radio button stands for; None when missing or not a start this form can have sent."""
    try:
        return datetime.strptime((value or "")[:20], SLOT_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None


class BookForm(BotTrapForm):
    place_kind = HiddenField()
    slot = RadioField("Kies een tijdstip", validate_choice=False)
    phone = TelField("Telefoonnummer waarop de adviseur u belt",
                     validators=[Length(max=40, message="Hoogstens 40 tekens.")], render_kw={"autocomplete": "tel"})
    address = StringField("Adres van uw bedrijf", validators=[Length(max=300, message="Hoogstens 300 tekens.")],
                          render_kw={"autocomplete": "street-address"})
    submit = SubmitField("Afspraak boeken")


class CallbackForm(BotTrapForm):
    """Beside the booking form on one page: its fields carry a prefix, so the ids stay unique."""

    part = RadioField("Wanneer kunnen we u het best bellen?", choices=choices(CALLBACK_PARTS.items()),
                      validate_choice=False)
    submit = SubmitField("Bel mij terug")

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("prefix", "terugbellen")
        super().__init__(*args, **kwargs)


class MoveBookingForm(BotTrapForm):
    slot = RadioField("Kies een nieuw tijdstip", validate_choice=False)
    submit = SubmitField("Afspraak verplaatsen")


class CancelBookingForm(BotTrapForm):
    submit = SubmitField("Afspraak annuleren")
