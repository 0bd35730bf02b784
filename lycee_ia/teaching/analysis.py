"""Item analysis of a quiz for one class: where the misconceptions are.

For each question: how many answered it right, which wrong answers came up
and from whom, what the author wrote for those answers, how long students
spent, and whether the students who do best on the whole quiz also get this
question right (a question the strongest students miss as often as the others
is more likely ambiguous than hard). Plus the distribution of quiz scores.

:func:`analyse` is pure (questions, attempts and answers in, figures out);
:func:`load_item_analysis` reads what it needs in four queries: the targeted
students, their attempts at this quiz, their quiz answers (through the
``(user_id, module_id, occurred_at)`` index of the event log), and the
snapshots of older versions they answered.
"""

from __future__ import annotations

import statistics
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from markupsafe import Markup, escape
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lycee_ia.accounts.models import Role, User
from lycee_ia.content.module import Module
from lycee_ia.events.models import LearningEvent
from lycee_ia.quiz.grading import format_number, grade, normalize_text, parse_number
from lycee_ia.quiz.model import AnswerError, Question
from lycee_ia.quiz.models import ModuleVersion, QuizAttempt
from lycee_ia.quiz.services import first_answers
from lycee_ia.quiz.stored import read_answer, readable_score, snapshot_questions
from lycee_ia.teaching.models import Assignment, Enrolment, GroupMember, SchoolClass

SCOPES = ("premieres", "toutes")  # first attempts only (default), every attempt
ORDERS = ("difficulte", "quiz")
MIN_FOR_DISCRIMINATION = 6
FREQUENT_SHARE = 30  # percent: a wrong answer this common is a shared misconception
MAX_WRONG_ANSWERS = 5
# Reading bounds: attempts per student, and answers beyond the quiz's questions
# per attempt (answers to questions of older versions).
MAX_ATTEMPTS_PER_STUDENT = 50
MAX_EXTRA_ANSWERS = 10


@dataclass(frozen=True)
class AttemptRecord:
    id: uuid.UUID
    user_id: int
    started_at: datetime
    status: str
    score: float | None
    version: str


@dataclass(frozen=True)
class AnswerRecord:
    user_id: int
    attempt_id: uuid.UUID
    question_id: str
    version: str
    response: Any
    score: float
    success: bool
    duration: float | None = None


@dataclass
class WrongAnswer:
    label: Markup
    feedback: Markup | None
    students: list[str] = field(default_factory=list)
    count: int = 0  # students who gave it
    share: int = 0  # percent of the students who answered the question
    # The label of the first row above with the same author's comment: the
    # page shows a comment once, not on every row it applies to.
    same_as: Markup | None = None

    @property
    def frequent(self) -> bool:
        return self.share >= FREQUENT_SHARE


@dataclass
class QuestionStats:
    number: int
    question: Question
    answers: int = 0
    correct: int = 0
    students: int = 0
    success_rate: int | None = None
    mean_score: int | None = None
    median_seconds: int | None = None
    wrong_answers: list[WrongAnswer] = field(default_factory=list)
    discrimination: int | None = None  # percentage points, upper half minus lower half

    @property
    def ambiguous(self) -> bool:
        return (
            self.discrimination is not None
            and self.discrimination <= 0
            and self.success_rate is not None
            and self.success_rate < 90
        )


@dataclass
class ItemAnalysis:
    scope: str
    order: str
    targeted: int
    students_with_attempt: int
    questions: list[QuestionStats]
    distribution: list[int]  # ten bins: 0-9 %, 10-19 %, ..., 90-100 %
    mastery: int
    scores: list[int]

    @property
    def median_score(self) -> int | None:
        return round(statistics.median(self.scores)) if self.scores else None

    @property
    def mastered(self) -> int:
        return sum(1 for s in self.scores if s >= self.mastery)


def _wrong_parts(question: Question, response: Any) -> list[tuple[str, Markup, Markup | None]]:
    """The wrong parts of one answer: (grouping key, label, the author's feedback for it)."""
    general = Markup(question.feedback_incorrect) if question.feedback_incorrect else None
    kind = question.type
    parts: list[tuple[str, Markup, Markup | None]] = []
    if kind == "single":
        choice = next((c for c in question.choices if c.id == response), None)
        if choice is not None and not choice.correct:
            parts.append((f"c:{choice.text}", Markup(choice.text), Markup(choice.feedback) if choice.feedback else general))
    elif kind == "multiple":
        picked = set(response) if isinstance(response, list) else set()
        for choice in question.choices:
            if choice.id in picked and not choice.correct:
                label = Markup("A coché « {} » (fausse)").format(Markup(choice.text))
                parts.append((f"+:{choice.text}", label, Markup(choice.feedback) if choice.feedback else general))
            elif choice.correct and choice.id not in picked:
                label = Markup("N'a pas coché « {} » (juste)").format(Markup(choice.text))
                parts.append((f"-:{choice.text}", label, general))
    elif kind == "truefalse":
        said = response is True or response == "true"
        if said != question.answer:
            text = question.feedback_true if said else question.feedback_false
            parts.append((f"tf:{said}", Markup("Vrai" if said else "Faux"), Markup(text) if text else general))
    elif kind in ("short", "numeric"):
        if not isinstance(response, str):
            return parts
        try:
            key = format_number(parse_number(response)) if kind == "numeric" else normalize_text(response)
            feedback_texts = grade(question, response).feedback
        except AnswerError:
            return parts
        feedback = Markup(" ").join(Markup(t) for t in feedback_texts) if feedback_texts else None
        # The student's own text: escaped, never trusted as HTML.
        parts.append((f"t:{key}", escape(response.strip()[:80]), feedback))
    elif kind == "ordering":
        if not isinstance(response, list):
            return parts
        place = {item.id: number for number, item in enumerate(question.items, start=1)}
        texts = {item.id: item.text for item in question.items}
        for number, item_id in enumerate(response, start=1):
            if item_id in place and place[item_id] != number:
                label = Markup("« {} » placé en position {} au lieu de {}").format(Markup(texts[item_id]), number, place[item_id])
                parts.append((f"o:{texts[item_id]}:{number}", label, general))
    elif kind == "matching":
        if not isinstance(response, dict):
            return parts
        rights = {item.id: item.text for item in question.right_choices}
        for pair in question.pairs:
            given = response.get(pair.left.id)
            if given is not None and given != pair.right_id and given in rights:
                label = Markup("« {} » associé à « {} »").format(Markup(pair.left.text), Markup(rights[given]))
                parts.append((f"m:{pair.left.text}:{rights[given]}", label, general))
    return parts


def analyse(
    *,
    current: list[Question],
    older: dict[str, dict[str, Question]],
    attempts: list[AttemptRecord],
    answers: list[AnswerRecord],
    names: dict[int, str],
    targeted: int,
    mastery: int,
    scope: str = "premieres",
    order: str = "difficulte",
) -> ItemAnalysis:
    """Figures per question for the attempts in ``scope`` (first attempts, or all).

    ``current`` is the quiz as it is now (its order numbers the questions);
    ``older`` maps an older version to its questions, for answers given to it.
    """
    if scope == "premieres":
        first: dict[int, AttemptRecord] = {}
        for attempt in sorted(attempts, key=lambda a: (a.started_at, str(a.id))):
            first.setdefault(attempt.user_id, attempt)
        in_scope = {a.id: a for a in first.values()}
    else:
        in_scope = {a.id: a for a in attempts}
    finished = [a for a in in_scope.values() if a.status != "open" and a.score is not None]
    scores = [round(a.score * 100) for a in finished]
    distribution = [0] * 10
    for score in scores:
        distribution[min(9, score // 10)] += 1

    # Upper and lower halves by quiz score, for discrimination (first attempts only).
    upper: set[int] = set()
    lower: set[int] = set()
    if scope == "premieres" and len(finished) >= MIN_FOR_DISCRIMINATION:
        ranked = sorted(finished, key=lambda a: a.score)
        half = len(ranked) // 2
        lower = {a.user_id for a in ranked[:half]}
        upper = {a.user_id for a in ranked[-half:]}

    numbers = {q.id: n for n, q in enumerate(current, start=1)}
    current_by_id = {q.id: q for q in current}
    stats: dict[str, QuestionStats] = {}
    wrong: dict[str, dict[str, WrongAnswer]] = defaultdict(dict)
    wrong_students: dict[str, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    answered_by: dict[str, set[int]] = defaultdict(set)
    durations: dict[str, list[float]] = defaultdict(list)
    score_sums: dict[str, float] = defaultdict(float)
    halves: dict[str, dict[str, list[int]]] = defaultdict(lambda: {"upper": [0, 0], "lower": [0, 0]})

    for answer in answers:
        if answer.attempt_id not in in_scope:
            continue
        question = older.get(answer.version, {}).get(answer.question_id) or current_by_id.get(answer.question_id)
        if question is None:
            continue
        display = current_by_id.get(answer.question_id, question)
        entry = stats.get(answer.question_id)
        if entry is None:
            entry = stats[answer.question_id] = QuestionStats(number=numbers.get(answer.question_id, 0), question=display)
        entry.answers += 1
        entry.correct += answer.success
        score_sums[answer.question_id] += answer.score
        answered_by[answer.question_id].add(answer.user_id)
        if answer.duration is not None:
            durations[answer.question_id].append(answer.duration)
        for half_name, members in (("upper", upper), ("lower", lower)):
            if answer.user_id in members:
                halves[answer.question_id][half_name][0] += answer.success
                halves[answer.question_id][half_name][1] += 1
        if answer.success:
            continue
        for key, label, feedback in _wrong_parts(question, answer.response):
            if key not in wrong[answer.question_id]:
                wrong[answer.question_id][key] = WrongAnswer(label=label, feedback=feedback)
            wrong_students[answer.question_id][key].add(answer.user_id)

    for question_id, entry in stats.items():
        entry.students = len(answered_by[question_id])
        entry.success_rate = round(100 * entry.correct / entry.answers) if entry.answers else None
        entry.mean_score = round(100 * score_sums[question_id] / entry.answers) if entry.answers else None
        if durations[question_id]:
            entry.median_seconds = round(statistics.median(durations[question_id]))
        found = []
        for key, item in wrong[question_id].items():
            who = wrong_students[question_id][key]
            item.count = len(who)
            item.share = round(100 * item.count / entry.students) if entry.students else 0
            item.students = sorted(names.get(user_id, "?") for user_id in who)
            found.append(item)
        found.sort(key=lambda w: (-w.count, str(w.label)))
        entry.wrong_answers = found[:MAX_WRONG_ANSWERS]
        first_with: dict[str, Markup] = {}
        for item in entry.wrong_answers:
            if item.feedback:
                item.same_as = first_with.setdefault(str(item.feedback), item.label)
                if item.same_as is item.label:
                    item.same_as = None
        up, low = halves[question_id]["upper"], halves[question_id]["lower"]
        if up[1] and low[1] and up[1] + low[1] >= MIN_FOR_DISCRIMINATION:
            entry.discrimination = round(100 * (up[0] / up[1] - low[0] / low[1]))

    # Questions nobody answered yet still appear, so the list matches the quiz.
    for question in current:
        stats.setdefault(question.id, QuestionStats(number=numbers[question.id], question=question))
    ordered = sorted(stats.values(), key=lambda s: (s.number == 0, s.number))
    if order == "difficulte":
        ordered.sort(key=lambda s: (s.success_rate is None, s.success_rate if s.success_rate is not None else 0))
    return ItemAnalysis(
        scope=scope,
        order=order,
        targeted=targeted,
        students_with_attempt=len({a.user_id for a in in_scope.values()}),
        questions=ordered,
        distribution=distribution,
        mastery=mastery,
        scores=scores,
    )


def targeted_students(school_class: SchoolClass, assignment: Assignment):
    """SELECT of the students an assignment is for (to use as a subquery or on its own)."""
    statement = (
        select(User.id, User.first_name, User.last_name, User.username)
        .join(Enrolment, Enrolment.user_id == User.id)
        .where(Enrolment.class_id == school_class.id, User.role == Role.STUDENT)
    )
    if assignment.group_id is not None:
        statement = statement.join(GroupMember, GroupMember.user_id == User.id).where(
            GroupMember.group_id == assignment.group_id
        )
    return statement


def load_item_analysis(
    session: Session,
    school_class: SchoolClass,
    assignment: Assignment,
    module: Module,
    *,
    scope: str = "premieres",
    order: str = "difficulte",
) -> ItemAnalysis:
    """The item analysis of ``module``'s quiz for the students of ``assignment``."""
    scope = scope if scope in SCOPES else "premieres"
    order = order if order in ORDERS else "difficulte"
    students = session.execute(targeted_students(school_class, assignment)).all()
    names = {s.id: f"{s.first_name} {s.last_name}".strip() or s.username for s in students}
    who = targeted_students(school_class, assignment).with_only_columns(User.id).scalar_subquery()
    # Bounded reads, whatever a laptop pushed: each student's first attempts,
    # and one answer per attempt and question.
    ranked_attempts = (
        select(
            QuizAttempt.id,
            QuizAttempt.user_id,
            QuizAttempt.started_at,
            QuizAttempt.status,
            QuizAttempt.score,
            QuizAttempt.module_version,
            func.row_number()
            .over(partition_by=QuizAttempt.user_id, order_by=(QuizAttempt.started_at, QuizAttempt.id))
            .label("rank"),
        )
        .where(QuizAttempt.user_id.in_(who), QuizAttempt.module_id == module.id)
        .subquery()
    )
    kept_attempts = select(ranked_attempts).where(ranked_attempts.c.rank <= MAX_ATTEMPTS_PER_STUDENT)
    attempts = [
        AttemptRecord(row.id, row.user_id, row.started_at, row.status, readable_score(row.score), row.module_version or "")
        for row in session.execute(kept_attempts)
    ]
    ranked_answers = first_answers(
        LearningEvent.user_id.in_(who),
        LearningEvent.module_id == module.id,
        # Quiz answers carry their attempt; activity answers do not.
        LearningEvent.registration.in_(select(kept_attempts.subquery().c.id)),
    )
    question_count = len(module.quiz.questions) if module.quiz else 0
    rows = session.execute(
        select(ranked_answers)
        .where(ranked_answers.c.rank == 1)
        .limit(max(1, len(attempts)) * (question_count + MAX_EXTRA_ANSWERS))
    ).all()
    versions = {row.module_version or "" for row in rows} - {module.version}
    older: dict[str, dict[str, Question]] = {}
    if versions:
        for snapshot in session.scalars(
            select(ModuleVersion).where(ModuleVersion.module_id == module.id, ModuleVersion.version.in_(versions))
        ):
            older[snapshot.version] = snapshot_questions(snapshot.snapshot)
    current_by_id = {q.id: q for q in module.quiz.questions} if module.quiz else {}
    answers = []
    for row in rows:
        question_id = (row.object_id or "").split("/", 1)[-1]
        version = row.module_version or ""
        question = older.get(version, {}).get(question_id) or current_by_id.get(question_id)
        stored = read_answer(row.result, question)
        if stored is None:
            continue  # unreadable (a bad row): left out of the figures
        answers.append(
            AnswerRecord(
                user_id=row.user_id,
                attempt_id=row.registration,
                question_id=question_id,
                version=version,
                response=stored.response,
                score=stored.score,
                success=stored.success,
                duration=stored.duration,
            )
        )
    current = list(module.quiz.questions) if module.quiz else []
    return analyse(
        current=current,
        older=older,
        attempts=attempts,
        answers=answers,
        names=names,
        targeted=len(students),
        mastery=module.quiz.settings.mastery if module.quiz else 80,
        scope=scope,
        order=order,
    )
