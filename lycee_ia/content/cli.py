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
def check(path: Path | None, strict: bool) -> None:
    path = path or Path(current_app.config["COURSES_DIR"])
    if (path / "module.md").is_file():
        problems = Problems()
        build_module(path, problems, media_base=None)
        count = 1
    else:
        count = len(module_folders(path))
        _, problems = build_catalogue(path, media_base=None)
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
