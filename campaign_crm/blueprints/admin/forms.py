"""Forms for managing users, absences, partners and teams."""
from wtforms import (
    BooleanField,
    DateField,
    EmailField,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
)

from ...models import ROLES
from ...models.partners import PARTNER_KINDS
from ..forms import ActionForm, CheckboxListField, Form, choices, optional_id  # noqa: F401  (shared; re-exported)


class UserCreateForm(Form):
    email = EmailField("E-mailadres", validators=[DataRequired("Vul een e-mailadres in.")])
    name = StringField("Naam", validators=[DataRequired("Vul een naam in."), Length(max=120)])
    role = SelectField("Rol", choices=choices(ROLES.items()))
    partner_id = SelectField("Partner", coerce=optional_id)
    team_id = SelectField("Team", coerce=optional_id)
    capacity = IntegerField("Capaciteit (maximaal aantal open leads)", default=20,
                            validators=[InputRequired("Vul een capaciteit in."),
                                        NumberRange(0, 500, "Tussen 0 en 500.")])
    password = PasswordField("Startwachtwoord (optioneel)", validators=[Optional()],
                             render_kw={"autocomplete": "new-password"})
    submit = SubmitField("Gebruiker aanmaken")


class UserEditForm(Form):
    name = StringField("Naam", validators=[DataRequired("Vul een naam in."), Length(max=120)])
    role = SelectField("Rol", choices=choices(ROLES.items()))
    partner_id = SelectField("Partner", coerce=optional_id)
    team_id = SelectField("Team", coerce=optional_id)
    capacity = IntegerField("Capaciteit (maximaal aantal open leads)",
                            validators=[InputRequired("Vul een capaciteit in."),
                                        NumberRange(0, 500, "Tussen 0 en 500.")])
    backup_id = SelectField("Vervanger bij afwezigheid", coerce=optional_id)
    skills = CheckboxListField("Sectoren (vaardigheden)", coerce=int)
    municipalities = CheckboxListField("Gemeenten", coerce=int)
    submit = SubmitField("Opslaan")


class AdvisorRoutingForm(Form):
    capacity = IntegerField("Capaciteit (maximaal aantal open leads)",
                            validators=[InputRequired("Vul een capaciteit in."),
                                        NumberRange(0, 500, "Tussen 0 en 500.")])
    backup_id = SelectField("Vervanger bij afwezigheid", coerce=optional_id)
    skills = CheckboxListField("Sectoren (vaardigheden)", coerce=int)
    municipalities = CheckboxListField("Gemeenten", coerce=int)
    submit = SubmitField("Opslaan")


class AbsenceForm(Form):
    starts_on = DateField("Van", validators=[InputRequired("Vul een begindatum in.")])
    ends_on = DateField("Tot en met", validators=[InputRequired("Vul een einddatum in.")])
    reason = StringField("Reden (optioneel)", validators=[Optional(), Length(max=120)])
    hand_back = BooleanField("Leads teruggeven als de afwezigheid voorbij is")
    submit = SubmitField("Afwezigheid toevoegen")


class PasswordResetForm(Form):
    password = PasswordField("Nieuw wachtwoord", validators=[DataRequired("Vul een wachtwoord in.")],
                             render_kw={"autocomplete": "new-password"})
    submit = SubmitField("Wachtwoord instellen")


class PartnerForm(Form):
    name = StringField("Naam", validators=[DataRequired("Vul een naam in."), Length(max=120)])
    kind = SelectField("Soort", choices=choices(PARTNER_KINDS.items()))
    municipality_id = SelectField("Gemeente (optioneel)", coerce=optional_id)
    active = BooleanField("Actief", default=True)
    submit = SubmitField("Opslaan")


class TeamForm(Form):
    name = StringField("Naam", validators=[DataRequired("Vul een naam in."), Length(max=120)])
    description = TextAreaField("Omschrijving", validators=[Optional(), Length(max=400)])
    is_pool = BooleanField("Regionale pool (vangt leads op die geen andere regel heeft)")
    active = BooleanField("Actief", default=True)
    submit = SubmitField("Opslaan")
