"""Taking a module's quiz and answering activities: thin views over quiz.services."""

from __future__ import annotations

import secrets
import time

from flask import Blueprint, jsonify, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from lycee_ia.content.routes import get_module_or_404
from lycee_ia.db import db, utcnow
from lycee_ia.errors import fail
from lycee_ia.events.models import LearningEvent
from lycee_ia.quiz.grading import answer_from_form, correct_answer, formal, grade
from lycee_ia.quiz.model import AnswerError, NotGradable
from lycee_ia.quiz.stored import read_answer, readable_score
from lycee_ia.routing import small_int
from lycee_ia.templating import to_reader
from lycee_ia.quiz.services import (
    QuizError,
    answer_activity,
    answer_in_attempt,
    answers_of,
    attempts_of,
    close_if_complete,
    derived_id,
    display_order,
    get_attempt,
    grade_stored,
    open_attempt,
    opens_at_for,
    quiz_for,
    start_attempt,
)

bp = Blueprint("quiz", __name__, template_folder="templates")


def _wants_json() -> bool:
    return request.accept_mimetypes.best == "application/json"


def _refuse(error: QuizError | AnswerError):
    db.session.rollback()
    status = error.status if isinstance(error, QuizError) else 400
    message = error.message if isinstance(error, QuizError) else to_reader(str(error), formal(str(error)))
    if _wants_json():
        return jsonify(error=message), status
    fail(status, message)


def _duration() -> float | None:
    shown = small_int(request.form.get("shown_at"), 0, 10**11)
    return None if shown is None else time.time() - shown


@bp.route("/modules/<module_id>/quiz")
@login_required
def home(module_id: str):
    module = get_module_or_404(module_id)
    if module.quiz is None:
        fail(404, "Ce module n'a pas de quiz.")
    attempts = attempts_of(db.session, current_user, module.id)
    return render_template(
        "quiz/home.html",
        module=module,
        attempts=attempts,
        current=open_attempt(db.session, current_user, module.id),
        opens_at=opens_at_for(db.session, current_user, module.id, utcnow()),
        scores={a.id: readable_score(a.score) for a in attempts},
    )


@bp.route("/modules/<module_id>/quiz/commencer", methods=["POST"])
@login_required
def start(module_id: str):
    module = get_module_or_404(module_id)
    try:
        attempt = start_attempt(db.session, current_user, module)
    except QuizError as error:
        return _refuse(error)
    db.session.commit()
    return redirect(url_for("quiz.attempt", module_id=module.id, attempt_id=attempt.id))


@bp.route("/modules/<module_id>/quiz/<attempt_id>")
@login_required
def attempt(module_id: str, attempt_id: str):
    module = get_module_or_404(module_id)
    try:
        attempt = get_attempt(db.session, current_user, module, attempt_id)
    except QuizError as error:
        return _refuse(error)
    close_if_complete(db.session, current_user, module, attempt)
    db.session.commit()
    if attempt.is_open:
        return redirect(url_for("quiz.question", module_id=module.id, attempt_id=attempt.id, question_id=attempt.next_question_id()))
    quiz = quiz_for(db.session, module, attempt.module_version)
    if quiz is None:
        fail(404, "Les questions de la version de ce module sur laquelle cette tentative a été faite ne sont pas disponibles.")
    answers = answers_of(db.session, attempt)
    rows = []
    for number, question in enumerate(quiz.questions, start=1):
        event = answers.get(question.id)
        stored = read_answer(event.result, question) if event else None
        rows.append({
            "number": number, "question": question, "event": event,
            "result": _grade_readable(question, stored), "response": stored.response if stored else None,
            "unreadable": event is not None and stored is None,
        })
    attempts = attempts_of(db.session, current_user, module.id)
    return render_template(
        "quiz/result.html",
        module=module,
        attempt=attempt,
        settings=quiz.settings,
        rows=rows,
        correct_answer=correct_answer,
        attempts=attempts,
        scores={a.id: readable_score(a.score) for a in attempts} | {attempt.id: readable_score(attempt.score)},
    )


def _grade_readable(question, stored):
    """The grade of a stored answer that fits its question; None for an unreadable one or a scale."""
    if stored is None or question.type == "scale":
        return None
    try:
        return grade(question, stored.response)
    except (AnswerError, NotGradable):
        return None


def _stored_grade(attempt, question):
    """grade_stored, or None when the stored answer cannot be read (a bad row shows no feedback, never a 500)."""
    try:
        return grade_stored(db.session, attempt, question)
    except (QuizError, AnswerError, NotGradable, KeyError, TypeError, AttributeError):
        return None


@bp.route("/modules/<module_id>/quiz/<attempt_id>/<question_id>", methods=["GET", "POST"])
@login_required
def question(module_id: str, attempt_id: str, question_id: str):
    module = get_module_or_404(module_id)
    try:
        attempt = get_attempt(db.session, current_user, module, attempt_id, for_update=request.method == "POST")
        quiz = quiz_for(db.session, module, attempt.module_version)
        question = quiz.question(question_id) if quiz else None
        if question is None or question_id not in attempt.ids:
            raise QuizError("Cette question ne fait pas partie de ce quiz.", 404 if request.method == "GET" else 400)
        if request.method == "POST":
            answer = answer_from_form(question, request.form)
            outcome = answer_in_attempt(
                db.session, current_user, module, attempt, question.id, answer, duration=_duration()
            )
            db.session.commit()
            next_id = attempt.next_question_id()
            after = (
                url_for("quiz.question", module_id=module.id, attempt_id=attempt.id, question_id=next_id)
                if next_id else url_for("quiz.attempt", module_id=module.id, attempt_id=attempt.id)
            )
            if quiz.settings.reveal != "after_answer":
                if _wants_json():
                    return jsonify(next_url=after, html=render_template("quiz/_saved.html", next_url=after, finished=next_id is None))
                return redirect(after)
            if _wants_json():
                return jsonify(
                    next_url=after,
                    html=render_template(
                        "quiz/_feedback.html", question=question, result=outcome.result, correct=correct_answer(question),
                        reveal=True, next_url=after, finished=next_id is None,
                    ),
                )
            return redirect(url_for("quiz.question", module_id=module.id, attempt_id=attempt.id, question_id=question.id))
    except (QuizError, AnswerError) as error:
        return _refuse(error)
    number = attempt.ids.index(question.id) + 1
    answered = question.id in attempt.answers
    next_id = attempt.next_question_id()
    next_url = (
        url_for("quiz.question", module_id=module.id, attempt_id=attempt.id, question_id=next_id)
        if next_id else url_for("quiz.attempt", module_id=module.id, attempt_id=attempt.id)
    )
    if answered and quiz.settings.reveal != "after_answer":
        return redirect(next_url)
    return render_template(
        "quiz/question.html",
        module=module,
        attempt=attempt,
        question=question,
        number=number,
        total=len(attempt.ids),
        order=display_order(question, str(attempt.id), quiz.settings.shuffle),
        answered=answered,
        result=_stored_grade(attempt, question) if answered else None,
        correct=correct_answer(question) if answered else None,
        next_url=next_url,
        finished=next_id is None,
        shown_at=int(time.time()),
    )


@bp.route("/modules/<module_id>/partie/<section_id>/activite/<question_id>", methods=["POST"])
@login_required
def activity(module_id: str, section_id: str, question_id: str):
    module = get_module_or_404(module_id)
    section = module.section(section_id)
    question = module.activities.get(question_id)
    if section is None or question is None or question_id not in section.activities:
        fail(400, "Cette activité ne fait pas partie de cette partie du module.")
    nonce = request.form.get("nonce", "")
    if not nonce or len(nonce) > 64:
        nonce = secrets.token_urlsafe(16)
    try:
        answer = answer_from_form(question, request.form)
        event, result = answer_activity(db.session, current_user, module, question, answer, nonce)
    except AnswerError as error:
        return _refuse(error)
    db.session.commit()
    back = url_for("content.section", module_id=module.id, section_id=section.id, activite=question.id, reponse=nonce) + f"#activite-{question.id}"
    if _wants_json():
        return jsonify(
            html=render_template(
                "quiz/_feedback.html", question=question, result=result, correct=correct_answer(question) if result else None,
                reveal=True, next_url=None, finished=False, activity=True,
            ),
            nonce=secrets.token_urlsafe(16),  # for « Réessayer »: another answer, another event
        )
    return redirect(back)


def init_section_hooks(app) -> None:
    """Give the section page what it needs to draw activity forms and their feedback."""

    @app.context_processor
    def activity_helpers():
        return {"new_nonce": lambda: secrets.token_urlsafe(16), "activity_feedback": _activity_feedback}


def _activity_feedback(module, question):
    """Feedback of the answer just given to ``question`` (from ?activite=&reponse=), if any."""
    if request.args.get("activite") != question.id or not current_user.is_authenticated:
        return None
    event = db.session.get(LearningEvent, derived_id(current_user.id, module.id, question.id, request.args.get("reponse", "")))
    if event is None or event.user_id != current_user.id:
        return None
    stored = read_answer(event.result, question)
    if stored is None:
        return None  # an unreadable stored answer: the form is shown again, never a 500
    if question.type == "scale":
        return {"result": None, "correct": None, "response": stored.response}
    return {"result": _grade_readable(question, stored), "correct": correct_answer(question), "response": stored.response}
