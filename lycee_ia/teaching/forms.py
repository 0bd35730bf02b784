from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from lycee_ia.forms import Form
from lycee_ia.teaching.services import JOIN_CODE_DAYS, NOTE_MAX


class ClassForm(Form):
    name = StringField(
        "Nom de la classe",
        description="Par exemple « 2nde 3 » ou « 1re G2 ».",
        validators=[DataRequired("Indiquez le nom de la classe."), Length(max=100, message="100 caractères au plus.")],
    )


class AdminClassForm(ClassForm):
    school = SelectField("Établissement", coerce=int, validate_choice=True)


class GroupForm(Form):
    name = StringField(
        "Nom du groupe",
        description="Par exemple « Demi-groupe A ».",
        validators=[DataRequired("Indiquez le nom du groupe."), Length(max=100, message="100 caractères au plus.")],
    )


class GroupMembersForm(Form):
    students = SelectMultipleField("Élèves du groupe", coerce=int, validate_choice=True)


class RosterForm(Form):
    roster = FileField(
        "Fichier CSV de la classe",
        description=(
            "Exporté de votre logiciel de vie scolaire : une ligne d'en-tête avec au moins Nom, Prénom et Classe "
            "(Identifiant, Date de naissance et Groupe si vous les avez), séparateur point-virgule ou virgule, "
            "encodage UTF-8 ou Windows."
        ),
        validators=[FileRequired("Choisissez un fichier.")],
        render_kw={"accept": ".csv,text/csv"},
    )


class JoinCodeForm(Form):
    days = SelectField(
        "Valable pendant",
        coerce=int,
        choices=[SelectChoice(days, f"{days} jour{'s' if days > 1 else ''}") for days in JOIN_CODE_DAYS],
        default=7,
    )


class JoinForm(Form):
    code = StringField(
        "Code de la classe",
        description="Six lettres ou chiffres, par exemple K7P2QM.",
        validators=[DataRequired("Indiquez le code."), Length(max=20, message="Le code fait six caractères.")],
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )


class AssignmentForm(Form):
    module = SelectField("Module", validate_choice=True)
    target = SelectField("Pour", validate_choice=True)
    opens_on = DateField("Ouvert à partir du", validators=[InputRequired("Indiquez la date d'ouverture.")])
    due_on = DateField(
        "À faire pour le (facultatif)",
        description="Laissez vide s'il n'y a pas de date limite.",
        validators=[Optional()],
    )
    note = TextAreaField(
        "Mot aux élèves (facultatif)",
        validators=[Optional(), Length(max=NOTE_MAX, message=f"{NOTE_MAX} caractères au plus.")],
        render_kw={"rows": 3},
    )


class EditAssignmentForm(AssignmentForm):
    module = None  # the module of an assignment does not change


class AddTeacherForm(Form):
    # Choices: the school's teachers not in the class yet (set by the view, checked on submit).
    teacher = SelectField(
        "Enseignant à ajouter", coerce=int, validate_choice=True,
        description="Les comptes d'enseignant de l'établissement qui n'enseignent pas encore dans cette classe.",
    )


class StudentForm(Form):
    """One student typed by hand: a new account (« Ajouter un élève ») or a correction (« Modifier »)."""

    first_name = StringField(
        "Prénom",
        validators=[DataRequired("Indiquez le prénom."), Length(max=100, message="100 caractères au plus.")],
        render_kw={"autocomplete": "off"},
    )
    last_name = StringField(
        "Nom",
        validators=[DataRequired("Indiquez le nom."), Length(max=100, message="100 caractères au plus.")],
        render_kw={"autocomplete": "off"},
    )
    groups = SelectMultipleField("Groupes", coerce=int, validate_choice=True)
