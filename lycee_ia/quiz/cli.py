"""``lycee-ia gift import ...``: question banks from Moodle (GIFT) into a module's quiz."""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

import click
import yaml
from flask import current_app
from flask.cli import AppGroup

from lycee_ia.content.problems import Problem
from lycee_ia.quiz.gift import GiftImport, parse_gift, to_json, to_markdown_blocks
from lycee_ia.quiz.model import QuizSettings

MODULE_ID_RE = re.compile(r"[a-z0-9][a-z0-9-]*")
_QUESTION_BLOCK_RE = re.compile(r"^```question[ \t]*\n(.*?)^```[ \t]*$", re.M | re.S)


def default_quiz_header() -> str:
    """The front matter of a new quiz.md: the default settings, spelled out (README §5)."""
    settings = QuizSettings()
    return (
        "---\n"
        f"mastery: {settings.mastery}          # seuil de maîtrise en %\n"
        f"attempts: {settings.attempts}           # nombre de tentatives permises (0 = illimité)\n"
        f"shuffle: {'true' if settings.shuffle else 'false'}        # mélanger l'ordre des options\n"
        f"reveal: {settings.reveal} # quand montrer les bonnes réponses : after_answer, after_attempt ou never\n"
        "---\n"
    )


def existing_question_ids(markdown: str) -> set[str]:
    """The ids written in the ```question blocks of a file, so that imported ones differ."""
    ids: set[str] = set()
    for match in _QUESTION_BLOCK_RE.finditer(markdown):
        try:
            data = yaml.safe_load(match.group(1))
        except yaml.YAMLError:
            continue  # the checker reports it; the import only avoids clashes
        if isinstance(data, dict) and data.get("id") is not None:
            ids.add(str(data["id"]))
    return ids


def _write_atomically(path: Path, text: str) -> None:
    # A crash while writing must not leave a truncated quiz.md behind.
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".quiz-", suffix=".md")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as file:
            file.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _report(problem: Problem, label: str | None = None) -> None:
    click.echo(f"ligne {problem.line} : {label or problem.severity} : {problem.message}", err=True)


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


@click.group("gift", cls=AppGroup, help="Importer des banques de questions de Moodle (format GIFT).")
def gift() -> None:
    pass


@gift.command(
    "import",
    help=(
        "Convertir un fichier GIFT (Moodle, Éléa) en questions Lycée IA. Avec --module, les questions "
        "sont ajoutées au quiz.md du module ; avec --json, elles sont affichées sans rien écrire. "
        "S'il y a une erreur, rien n'est écrit (sauf avec --skip-invalid) et le code de sortie est 1."
    ),
)
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--module", "module_id", metavar="MODULE-ID", help="Le module dont quiz.md reçoit les questions.")
@click.option("--json", "as_json", is_flag=True, help="Afficher les questions en JSON, sans rien écrire.")
@click.option("--skip-invalid", is_flag=True, help="Importer les questions valides même si d'autres ont des erreurs.")
def import_gift(file: Path, module_id: str | None, as_json: bool, skip_invalid: bool) -> None:
    if as_json == bool(module_id):
        raise click.UsageError(
            "indiquez soit --module MODULE-ID (pour écrire dans le quiz du module), soit --json (pour afficher)."
        )
    if not file.is_file():
        raise click.ClickException(f"le fichier « {file} » n'existe pas.")
    quiz_path: Path | None = None
    taken: set[str] = set()
    if module_id:
        courses = Path(current_app.config["COURSES_DIR"])
        if not MODULE_ID_RE.fullmatch(module_id) or not (courses / module_id).is_dir():
            raise click.ClickException(
                f"le module « {module_id} » n'existe pas : aucun dossier {module_id}/ dans {courses}. "
                "Créez d'abord le module (son dossier et son module.md)."
            )
        quiz_path = courses / module_id / "quiz.md"
        if quiz_path.exists():
            taken = existing_question_ids(quiz_path.read_text(encoding="utf-8"))

    result = parse_gift(file.read_bytes(), path=file, id_prefix=module_id or "gift", taken_ids=taken)
    reports = [(p, None) for p in result.problems] + [(p, "ignorée") for p in result.unsupported]
    for problem, label in sorted(reports, key=lambda report: report[0].line):
        _report(problem, label)
    errors = bool(result.errors)
    if errors and not skip_invalid:
        click.echo(
            f"{_plural(len(result.errors), 'erreur', 'erreurs')} : rien n'a été importé. Corrigez le fichier, "
            "ou relancez avec --skip-invalid pour importer les questions valides.",
            err=True,
        )
        raise SystemExit(1)

    if as_json:
        click.echo(to_json(result.questions))
    elif result.questions:
        assert quiz_path is not None
        blocks = to_markdown_blocks(result.questions)
        if quiz_path.exists():
            current = quiz_path.read_text(encoding="utf-8")
            text = current.rstrip("\n") + "\n\n" + blocks
        else:
            text = default_quiz_header() + "\n" + blocks
        _write_atomically(quiz_path, text)

    summary = _summary(result, quiz_path if not as_json else None)
    click.echo(summary, err=as_json)
    if errors:
        raise SystemExit(1)


def _summary(result: GiftImport, quiz_path: Path | None) -> str:
    imported = len(result.questions)
    where = f" dans {quiz_path}" if quiz_path is not None and imported else ""
    lines = [
        f"{_plural(imported, 'question importée', 'questions importées')}{where}, "
        f"{_plural(len(result.unsupported), 'ignorée', 'ignorées')} (type non pris en charge), "
        f"{result.invalid} en erreur."
    ]
    missing = len(result.without_explanation())
    if missing and quiz_path is not None:
        lines.append(
            f"{_plural(missing, 'question attend', 'questions attendent')} son explication (champ explanation) : "
            "complétez quiz.md, puis vérifiez avec « lycee-ia courses check »."
        )
    return "\n".join(lines)
