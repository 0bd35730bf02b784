from wtforms import EmailField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional

from lycee_ia.accounts.models import ROLE_LABELS
from lycee_ia.forms import Form


class CreateUserForm(Form):
    username = StringField(
        "Identifiant",
        description="Lettres minuscules sans accent, chiffres, point ou tiret ; par exemple camille.martin.",
        validators=[DataRequired("Indiquez un identifiant."), Length(max=64, message="64 caractères au plus.")],
        render_kw={"autocapitalize": "none", "spellcheck": "false", "autocomplete": "off"},
    )
    first_name = StringField(
        "Prénom", validators=[DataRequired("Indiquez un prénom."), Length(max=100, message="100 caractères au plus.")]
    )
    last_name = StringField("Nom", validators=[Optional(), Length(max=100, message="100 caractères au plus.")])
    role = SelectField("Rôle", choices=[SelectChoice(role.value, label) for role, label in ROLE_LABELS.items()])
    email = EmailField(
        "Adresse électronique (facultative)",
        description="Jamais demandée pour un élève.",
        validators=[Optional(), Length(max=254, message="254 caractères au plus.")],
    )
