from wtforms import BooleanField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from lycee_ia.accounts.services import PASSWORD_MAX
from lycee_ia.forms import Form


class LoginForm(Form):
    username = StringField(
        "Identifiant",
        validators=[
            DataRequired("L'identifiant est obligatoire."),
            Length(max=255, message="Cet identifiant est trop long : il y a sans doute une erreur de saisie."),
        ],
        render_kw={"autocomplete": "username", "autocapitalize": "none", "spellcheck": "false"},
    )
    password = PasswordField(
        "Mot de passe",
        validators=[
            DataRequired("Le mot de passe est obligatoire."),
            Length(max=PASSWORD_MAX, message="Ce mot de passe est trop long : il y a sans doute une erreur de saisie."),
        ],
        render_kw={"autocomplete": "current-password"},
    )
    # Written by hand in the template (the login page has a byte budget).
    remember = BooleanField("Rester connecté 8 h (pas sur un ordinateur partagé)", default=False)


class ChangePasswordForm(Form):
    current = PasswordField(
        "Mot de passe actuel",
        validators=[DataRequired("Le mot de passe actuel est obligatoire."), Length(max=PASSWORD_MAX)],
        render_kw={"autocomplete": "current-password"},
    )
    new = PasswordField(
        "Nouveau mot de passe",
        description="Au moins 8 caractères. Une phrase de quelques mots est facile à retenir et difficile à deviner.",
        validators=[
            DataRequired("Le nouveau mot de passe est obligatoire."),
            Length(min=8, max=PASSWORD_MAX, message="Le mot de passe doit contenir de 8 à 200 caractères."),
        ],
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        "Nouveau mot de passe, une seconde fois",
        validators=[DataRequired("Le nouveau mot de passe est à saisir une seconde fois."), Length(max=PASSWORD_MAX)],
        render_kw={"autocomplete": "new-password"},
    )
