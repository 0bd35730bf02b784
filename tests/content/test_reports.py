"""The coverage table and the list of sources match the content, always."""

import shutil
from pathlib import Path

import pytest

from lycee_ia.content.catalogue import build_catalogue
from lycee_ia.content.frameworks import REQUIRED
from lycee_ia.content.reports import COVERAGE_END, COVERAGE_START, coverage_markdown, sources_markdown, uncovered

COURSES = Path(__file__).resolve().parents[2] / "courses"


@pytest.fixture(scope="module")
def shipped():
    catalogue, problems = build_catalogue(COURSES, media_base=None)
    assert not catalogue.broken, [p.format() for p in problems]
    return list(catalogue.modules.values())


def test_every_code_of_the_map_is_covered(shipped, runner):
    assert uncovered(shipped) == []
    result = runner.invoke(args=["courses", "coverage"])
    assert result.exit_code == 0, result.output
    assert f"{len(REQUIRED)} codes couverts sur {len(REQUIRED)}." in result.output


def test_the_readme_holds_the_current_coverage_table(shipped):
    readme = (COURSES / "README.md").read_text(encoding="utf-8")
    written = readme[readme.index(COVERAGE_START): readme.index(COVERAGE_END) + len(COVERAGE_END)]
    assert written == coverage_markdown(shipped), "run: lycee-ia courses coverage --write"


def test_sources_md_is_current(shipped):
    assert (COURSES / "SOURCES.md").read_text(encoding="utf-8") == sources_markdown(shipped), (
        "run: lycee-ia courses sources --write"
    )


def test_a_code_covered_by_no_module_fails_the_command(tmp_path, app_config):
    from lycee_ia import create_app

    for name in ("e1-ia-autour-de-moi", "e2-comment-une-machine-apprend"):
        shutil.copytree(COURSES / name, tmp_path / name)
    app = create_app({**app_config, "COURSES_DIR": tmp_path})
    result = app.test_cli_runner().invoke(args=["courses", "coverage"])
    assert result.exit_code == 1
    assert "Codes couverts par aucun module :" in result.stderr and "OCDE:MANAGING" in result.stderr
    app.extensions["lycee_ia.db"]["engine"].dispose()


def test_each_source_is_listed_once_with_every_module_citing_it(shipped):
    lines = sources_markdown(shipped).splitlines()
    entries = [index for index, line in enumerate(lines) if "<https://www.iea.org/reports/energy-and-ai>" in line]
    assert len(entries) == 1
    cited_by = lines[entries[0] + 1]
    assert cited_by.startswith("  Cité par :") and "`e9-empreinte-sobriete`" in cited_by


def test_the_shipped_courses_pass_the_strict_check(runner):
    result = runner.invoke(args=["courses", "check", "--strict", str(COURSES)])
    assert result.exit_code == 0, result.output
    assert "16 modules vérifiés : 0 erreur, 0 avertissement." in result.output
