from flask_wtf.file import FileField, FileRequired
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from lycee_ia.accounts.services import PASSWORD_MAX
from lycee_ia.forms import Form


class EnrolForm(Form):
    server_url = StringField(
        "Adresse du serveur du lycée",
        description="Donnée par le lycée, elle commence par https://, par exemple https://lycee-ia.mon-lycee.fr.",
        validators=[Length(max=300, message="Cette adresse est trop longue.")],
        render_kw={"autocomplete": "url", "inputmode": "url", "spellcheck": "false"},
    )
    username = StringField(
        "Identifiant",
        validators=[DataRequired("Indique ton identifiant."), Length(max=255)],
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"},
    )
    password = PasswordField(
        "Mot de passe",
        validators=[DataRequired("Indique ton mot de passe."), Length(max=PASSWORD_MAX)],
        render_kw={"autocomplete": "current-password"},
    )


class ActionForm(Form):
    """A button: only the CSRF token."""


class BundleForm(Form):
    bundle = FileField("Fichier du paquet", validators=[FileRequired("Choisis le fichier du paquet.")])
