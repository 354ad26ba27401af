"""Forms for editing employers and contacts, and for merging two employers."""
from wtforms import (
    BooleanField,
    EmailField,
    RadioField,
    SelectField,
    StringField,
    SubmitField,
    TelField,
)
from wtforms.validators import DataRequired, InputRequired

# One helper for select options across the UI (WTForms 3.3 deprecates tuple choices).
from ..forms import ActionForm, Form, choices, optional_id  # noqa: F401  (ActionForm is re-exported)


class EmployerForm(Form):
    name = StringField("Naam", validators=[DataRequired("Vul de naam van de werkgever in.")])
    kvk = StringField("KvK-nummer", render_kw={"inputmode": "numeric", "autocomplete": "off"})
    vestigingsnummer = StringField("Vestigingsnummer", render_kw={"inputmode": "numeric", "autocomplete": "off"})
    sector_id = SelectField("Sector", coerce=optional_id)
    size_class = SelectField("Grootteklasse")
    municipality_id = SelectField("Gemeente", coerce=optional_id)
    postcode = StringField("Postcode", render_kw={"autocomplete": "off"})
    website = StringField("Website", render_kw={"inputmode": "url"})
    account_manager_id = SelectField("Accountmanager", coerce=optional_id)
    submit = SubmitField("Opslaan")


class ContactForm(Form):
    name = StringField("Naam")
    function = StringField("Functie")
    email = EmailField("E-mailadres", render_kw={"autocomplete": "off"})
    phone = TelField("Telefoonnummer", render_kw={"autocomplete": "off"})
    opted_out = BooleanField("Afgemeld: wil niet meer benaderd worden")
    submit = SubmitField("Opslaan")


class MergeForm(Form):
    survivor_id = RadioField("Welke werkgever blijft bestaan?", coerce=int,
                             validators=[InputRequired("Kies de werkgever die blijft bestaan.")])
    submit = SubmitField("Samenvoegen")
