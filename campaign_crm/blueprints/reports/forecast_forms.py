"""The what-if form of the forecast page: a GET form whose fields become a `ForecastInput`.

Every field is text (typed in Dutch notation, "1,5" as well as "1.5"), read here with Dutch messages; the
ranges are the service's to check.
"""
from __future__ import annotations

from datetime import date

from wtforms import StringField, SubmitField

from ...services.reports.forecast import DEFAULT_SEED, ForecastInput
from ..forms import Form


def _number(text: str) -> float:
    return float(text.strip().replace(" ", "").replace(",", "."))


class ForecastForm(Form):
    """Reference date, later date, the three what-if values and the seed of the simulation."""

    class Meta:
        csrf = False  # a GET form that changes nothing

    as_of = StringField("Peildatum", render_kw={"type": "date"})
    until = StringField("Tweede datum", render_kw={"type": "date"})
    inflow_per_week = StringField("Instroom nieuwe leads per week", render_kw={"inputmode": "decimal"})
    conversion_factor = StringField("Conversiefactor", render_kw={"inputmode": "decimal"})
    first_year_dropout = StringField("Uitval in het eerste jaar (%)", render_kw={"inputmode": "decimal"})
    seed = StringField("Startgetal van de simulatie", render_kw={"inputmode": "numeric"})
    submit = SubmitField("Bereken de prognose")

    def to_input(self) -> ForecastInput | None:
        """The form as a ForecastInput; None (with a Dutch message on each field it could not read) if any
        field is not a date or number."""
        values: dict[str, object] = {}
        for name in ("as_of", "until"):
            raw = (self[name].data or "").strip()
            if raw:
                try:
                    values[name] = date.fromisoformat(raw)
                except ValueError:
                    self[name].errors = [f"Geen geldige datum: {raw!r}. Gebruik jjjj-mm-dd."]
        for name, scale in (("inflow_per_week", 1), ("conversion_factor", 1), ("first_year_dropout", 100)):
            raw = (self[name].data or "").strip()
            if raw:
                try:
                    values[name] = _number(raw) / scale
                except ValueError:
                    self[name].errors = [f"Geen getal: {raw!r}. Typ bijvoorbeeld 1,5."]
        raw = (self.seed.data or "").strip()
        if raw:
            if raw.isdigit() and len(raw) <= 10:
                values["seed"] = int(raw)
            else:
                self.seed.errors = [f"Geen geheel getal: {raw!r}. Typ bijvoorbeeld {DEFAULT_SEED}."]
        if self.errors:
            return None
        return ForecastInput(**values)  # type: ignore[arg-type]
