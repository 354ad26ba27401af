"""Forms for quick actions on leads."""
from flask_wtf import FlaskForm
from wtforms import SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional


class ContactLoggedForm(FlaskForm):
    note = StringField("Notitie (optioneel)", validators=[Optional(), Length(max=500)])
    submit = SubmitField("Contact gelegd")


class DeclineForm(FlaskForm):
    reason = TextAreaField("Reden van afwijzen", validators=[DataRequired("Geef een reden."), Length(max=500)])
    submit = SubmitField("Lead afwijzen")


class ReassignForm(FlaskForm):
    advisor_id = SelectField("Toewijzen aan", coerce=int)
    reason = StringField("Reden", validators=[DataRequired("Geef een reden."), Length(max=300)])
    submit = SubmitField("Toewijzen")


class TakeForm(FlaskForm):
    submit = SubmitField("Zelf oppakken")


class RouteAgainForm(FlaskForm):
    submit = SubmitField("Wachtende leads opnieuw verdelen")
