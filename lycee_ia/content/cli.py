"""``lycee-ia courses ...``: check, preview and report on the content."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from flask import current_app, render_template
from flask.cli import AppGroup

from lycee_ia.content.catalogue import build_catalogue, module_folders
from lycee_ia.content.module import build_module
from lycee_ia.content.problems import Problems


@click.group(cls=AppGroup, help="Vérifier et prévisualiser les modules.")
def courses() -> None:
    pass


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'s' if count > 1 else ''}"


@courses.command("check", help="Vérifier un module ou tout un dossier de modules (par défaut, courses/).")
@click.argument("path", required=False, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--strict", is_flag=True, help="Échouer aussi sur les avertissements.")
@click.option(
    "--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
    help="Date du jour pour l'âge des vérifications de sources (AAAA-MM-JJ ; par défaut, aujourd'hui).",
)
def check(path: Path | None, strict: bool, today) -> None:
    path = path or Path(current_app.config["COURSES_DIR"])
    day = today.date() if today is not None else None
    if (path / "module.md").is_file():
        problems = Problems()
        build_module(path, problems, media_base=None, today=day)
        count = 1
    else:
        count = len(module_folders(path))
        _, problems = build_catalogue(path, media_base=None, today=day)
    for problem in sorted(problems, key=lambda p: (str(p.path), p.line)):
        click.echo(problem.format(Path.cwd()))
    errors, warnings = len(problems.errors), len(problems.warnings)
    click.echo(
        f"{_plural(count, 'module')} vérifié{'s' if count > 1 else ''} : "
        f"{_plural(errors, 'erreur')}, {_plural(warnings, 'avertissement')}."
    )
    if errors or (strict and warnings):
        sys.exit(1)


@courses.command("render", help="Afficher le HTML final d'un module (aperçu), messages du vérificateur sur la sortie d'erreur.")
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
def render(path: Path) -> None:
    problems = Problems()
    module = build_module(path, problems, media_base=None)
    for problem in problems:
        click.echo(problem.format(Path.cwd()), err=True)
    if module is None:
        click.echo("Le module ne peut pas être lu : rien à afficher.", err=True)
        sys.exit(1)
    with current_app.test_request_context():
        click.echo(render_template("content/preview.html", module=module))


@courses.command("spell", help="Vérifier l'orthographe des modules (Hunspell, dictionnaire français et courses/mots.txt).")
@click.argument("path", required=False, type=click.Path(exists=True, file_okay=False, path_type=Path))
def spell(path: Path | None) -> None:
    from lycee_ia.content.spelling import WORD_LIST, check_spelling, hunspell_available, prose_of_module

    if not hunspell_available():
        raise click.ClickException("Hunspell est introuvable : installez les paquets hunspell et hunspell-fr.")
    root = Path(current_app.config["COURSES_DIR"])
    path = path or root
    folders = [path] if (path / "module.md").is_file() else module_folders(path)
    lines = [line for folder in folders for line in prose_of_module(folder)]
    found = check_spelling(lines, root / WORD_LIST)
    for item in found:
        hint = f" (suggestions : {', '.join(item.suggestions)})" if item.suggestions else ""
        click.echo(f"{item.path.relative_to(Path.cwd()) if item.path.is_relative_to(Path.cwd()) else item.path}:{item.line}: mot inconnu « {item.word} »{hint}")
    click.echo(f"{_plural(len(folders), 'module')}, {_plural(len(lines), 'ligne')} de texte : {_plural(len(found), 'mot')} inconnu{'s' if len(found) > 1 else ''}.")
    if found:
        sys.exit(1)


def _shipped_modules() -> tuple[list, Path]:
    root = Path(current_app.config["COURSES_DIR"])
    catalogue, problems = build_catalogue(root, media_base=None)
    if catalogue.broken:
        raise click.ClickException(
            f"{len(catalogue.broken)} module(s) en erreur : corrigez-les d'abord (lycee-ia courses check)."
        )
    return list(catalogue.modules.values()), root


@courses.command("coverage", help="Tableau de couverture des référentiels ; échoue si un code de la carte n'est couvert par aucun module.")
@click.option("--write", is_flag=True, help="Écrire le tableau dans courses/README.md.")
def coverage(write: bool) -> None:
    from lycee_ia.content.reports import coverage_markdown, replace_between_markers, uncovered

    modules, root = _shipped_modules()
    table = coverage_markdown(modules)
    if write:
        readme = root / "README.md"
        readme.write_text(replace_between_markers(readme.read_text(encoding="utf-8"), table), encoding="utf-8")
        click.echo(f"Tableau écrit dans {readme}.")
    else:
        click.echo(table)
    missing = uncovered(modules)
    if missing:
        click.echo(f"Codes couverts par aucun module : {', '.join(missing)}.", err=True)
        sys.exit(1)


@courses.command("sources", help="Liste de toutes les sources citées, avec les modules qui les citent (courses/SOURCES.md).")
@click.option("--write", is_flag=True, help="Écrire la liste dans courses/SOURCES.md.")
def sources(write: bool) -> None:
    from lycee_ia.content.reports import sources_markdown

    modules, root = _shipped_modules()
    text = sources_markdown(modules)
    if write:
        (root / "SOURCES.md").write_text(text, encoding="utf-8")
        click.echo(f"Liste écrite dans {root / 'SOURCES.md'}.")
    else:
        click.echo(text, nl=False)


@courses.command("durations", help="Durée estimée de chaque module (lecture, activités, quiz) ; --write met à jour duration_minutes.")
@click.argument("path", required=False, type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--write", is_flag=True, help="Écrire dans chaque module.md la durée estimée, arrondie aux 5 minutes supérieures.")
def durations(path: Path | None, write: bool) -> None:
    from lycee_ia.content.module import DURATION_LINE_RE, french_minutes

    path = path or Path(current_app.config["COURSES_DIR"])
    folders = [path] if (path / "module.md").is_file() else module_folders(path)
    for folder in folders:
        module = build_module(folder, Problems(), media_base=None)
        if module is None:
            click.echo(f"{folder.name} : illisible, rien à estimer.")
            continue
        click.echo(
            f"{module.id} : lecture {french_minutes(module.reading_minutes)} min, "
            f"activités {french_minutes(module.activity_minutes)} min, quiz {french_minutes(module.quiz_minutes)} min ; "
            f"annoncé {module.duration_minutes} min, estimé {module.honest_minutes} min."
        )
        if write and module.duration_minutes != module.honest_minutes:
            text = (folder / "module.md").read_text(encoding="utf-8")
            new_text, count = DURATION_LINE_RE.subn(f"duration_minutes: {module.honest_minutes}", text, count=1)
            if count:
                (folder / "module.md").write_text(new_text, encoding="utf-8")
