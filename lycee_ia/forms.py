"""Base form: French validation messages and CSRF token from Flask-WTF."""

from flask_wtf import FlaskForm
from wtforms.meta import DefaultMeta


class Form(FlaskForm):
    class Meta:
        locales = ("fr_FR", "fr")

        def get_translations(self, form):
            # Flask-WTF looks for Flask-Babel (not used here) and, without it,
            # leaves WTForms' own messages in English ("Not a valid choice.").
            # WTForms ships French translations: use them.
            return DefaultMeta.get_translations(self, form)
