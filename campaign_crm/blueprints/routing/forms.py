"""The routing rule form: conditions (empty matches all), target team, skill requirement."""
from wtforms import BooleanField, IntegerField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from ..forms import Form, optional_id


class RuleForm(Form):
    name = StringField("Naam van de regel", validators=[DataRequired("Geef de regel een naam."), Length(max=120)])
    priority = IntegerField("Volgorde", default=100,
                            validators=[InputRequired("Vul een volgordenummer in."),
                                        NumberRange(0, 100000, "Tussen 0 en 100.000.")])
    municipality_id = SelectField("Gemeente", coerce=optional_id)
    sector_id = SelectField("Sector", coerce=optional_id)
    channel_id = SelectField("Kanaal", coerce=optional_id)
    phase_id = SelectField("Campagnefase", coerce=optional_id)
    size_class = SelectField("Grootteklasse")
    team_id = SelectField("Naar team", coerce=optional_id)
    requires_skill = BooleanField("Alleen adviseurs met de sector van de werkgever als vaardigheid")
    active = BooleanField("Actief", default=True)
    submit = SubmitField("Opslaan")
