"""Forms for logging in and changing a password."""
from wtforms import EmailField, PasswordField, StringField, SubmitField
from wtforms.validators import DataRequired, EqualTo

from ..forms import Form


class LoginForm(Form):
    email = EmailField("E-mailadres", validators=[DataRequired("Vul uw e-mailadres in.")],
                       render_kw={"autocomplete": "username"})
    password = PasswordField("Wachtwoord", validators=[DataRequired("Vul uw wachtwoord in.")],
                             render_kw={"autocomplete": "current-password"})
    submit = SubmitField("Inloggen")


class PasswordForm(Form):
    current_password = PasswordField("Huidig wachtwoord", validators=[DataRequired("Vul uw huidige wachtwoord in.")],
                                     render_kw={"autocomplete": "current-password"})
    new_password = PasswordField("Nieuw wachtwoord", validators=[DataRequired("Vul een nieuw wachtwoord in.")],
                                 render_kw={"autocomplete": "new-password"})
    confirm = PasswordField("Herhaal nieuw wachtwoord",
                            validators=[EqualTo("new_password", "De twee nieuwe wachtwoorden zijn niet gelijk.")],
                            render_kw={"autocomplete": "new-password"})
    submit = SubmitField("Wachtwoord wijzigen")


class CodeForm(Form):
    code = StringField("Code uit uw authenticator-app", validators=[DataRequired("Vul de code van 6 cijfers in.")],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9 ]*"})
    submit = SubmitField("Bevestigen")


class PasswordConfirmForm(Form):
    password = PasswordField("Uw wachtwoord", validators=[DataRequired("Vul uw wachtwoord in.")],
                             render_kw={"autocomplete": "current-password"})
    submit = SubmitField("Inloggen in twee stappen uitzetten")


class AccountSetupForm(Form):
    password = PasswordField("Kies een wachtwoord", validators=[DataRequired("Kies een wachtwoord.")],
                             render_kw={"autocomplete": "new-password"})
    confirm = PasswordField("Herhaal het wachtwoord",
                            validators=[EqualTo("password", "De twee wachtwoorden zijn niet gelijk.")],
                            render_kw={"autocomplete": "new-password"})
    code = StringField("Code uit uw authenticator-app", validators=[DataRequired("Vul de code van 6 cijfers in.")],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9 ]*"})
    submit = SubmitField("Account instellen")
