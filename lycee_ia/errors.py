"""Error pages, in French, in one place. A 500 rolls the session back."""

from __future__ import annotations

import logging

from flask import Flask, g, render_template, request
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError

from lycee_ia.templating import speaks_tu, to_reader

log = logging.getLogger(__name__)

# Students read « tu » (STUDENT_MESSAGES), everyone else « vous » (MESSAGES).
MESSAGES = {
    400: ("Requête incorrecte", "La demande envoyée n'a pas pu être comprise. Revenez à la page précédente et réessayez."),
    401: ("Connexion nécessaire", "Connectez-vous pour accéder à cette page."),
    403: ("Accès refusé", "Vous n'avez pas le droit d'accéder à cette page avec ce compte."),
    404: ("Page introuvable", "Cette page n'existe pas ou a été déplacée. Vérifiez l'adresse ou revenez à l'accueil."),
    405: ("Action impossible", "Cette page ne peut pas être utilisée de cette façon."),
    409: ("Conflit", "Cette action a déjà été faite ou entre en conflit avec une autre. Rechargez la page."),
    413: ("Envoi trop volumineux", "Les données envoyées sont trop volumineuses. Réduisez leur taille et réessayez."),
    429: ("Trop de demandes", "Trop de demandes en peu de temps. Patientez un moment puis réessayez."),
    500: ("Erreur du serveur", "Une erreur inattendue s'est produite. Rien de ce que vous aviez déjà enregistré n'est perdu. Réessayez dans un instant."),
}
STUDENT_MESSAGES = {
    400: "La demande envoyée n'a pas pu être comprise. Reviens à la page précédente et réessaie.",
    401: "Connecte-toi pour accéder à cette page.",
    403: "Tu n'as pas le droit d'accéder à cette page avec ce compte.",
    404: "Cette page n'existe pas ou a été déplacée. Vérifie l'adresse ou reviens à l'accueil.",
    409: "Cette action a déjà été faite ou entre en conflit avec une autre. Recharge la page.",
    413: "Les données envoyées sont trop volumineuses. Réduis leur taille et réessaie.",
    429: "Trop de demandes en peu de temps. Patiente un moment puis réessaie.",
    500: "Une erreur inattendue s'est produite. Rien de ce que tu avais déjà enregistré n'est perdu. Réessaie dans un instant.",
}


def render_error(code: int, message: str | None = None):
    known = code if code in MESSAGES else (500 if code >= 500 else 400)
    title, default = MESSAGES[known]
    if speaks_tu():
        default = STUDENT_MESSAGES.get(known, default)
    if request.accept_mimetypes.best == "application/json" or request.path.startswith("/api/"):
        return {"error": title, "message": message or default}, code
    return render_template("errors/error.html", code=code, title=title, message=message or default), code


def _rollback() -> None:
    session = g.get("db_session")
    if session is not None:
        session.rollback()


def init_app(app: Flask) -> None:
    @app.errorhandler(CSRFError)
    def csrf_error(_error: CSRFError):
        _rollback()
        return render_error(
            400,
            to_reader(
                "Le formulaire a expiré ou ne vient pas de cette application. "
                "Recharge la page, puis envoie le formulaire de nouveau.",
                "Le formulaire a expiré ou ne vient pas de cette application. "
                "Rechargez la page, puis envoyez le formulaire de nouveau.",
            ),
        )

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code and error.code >= 400:
            _rollback()
            description = getattr(error, "french_message", None)
            return render_error(error.code, description)
        return error

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        _rollback()
        log.exception("Unhandled error on %s %s", request.method, request.path)
        return render_error(500)

    @app.errorhandler(InternalServerError)
    def internal_error(_error: InternalServerError):
        _rollback()
        return render_error(500)


def fail(code: int, message: str | None = None) -> None:
    """Abort with an HTTP error whose page shows ``message`` (French) instead of the default."""
    from werkzeug.exceptions import default_exceptions

    error = default_exceptions[code]()
    error.french_message = message  # type: ignore[attr-defined]
    raise error
