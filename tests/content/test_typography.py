"""French typography is the renderer's job: checked on the rendered HTML."""

from __future__ import annotations

import re
from pathlib import Path

from lycee_ia.content.module import build_module
from lycee_ia.content.problems import Problems
from lycee_ia.content.render import RenderContext, render_inline, render_markdown, typography
from lycee_ia.quiz.grading import grade
from tests.content.test_checker import BODY, FRONT, write_module

N = "\u202f"  # narrow no-break space


def _render(source: str, glossary: dict[str, str] | None = None) -> str:
    return render_markdown(source, RenderContext(media_url=lambda relative: None, glossary=glossary or {}, section_id="s"))


def test_spaces_apostrophes_quotes_and_numbers_in_the_rendered_text():
    html = _render("L'IA : vraiment ? Oui ! Enfin ; « bien », soit 34,7 % de 200 000 élèves.\n")
    assert html == (
        f"<p>L’IA{N}: vraiment{N}? Oui{N}! Enfin{N}; «{N}bien{N}», soit 34,7{N}% de 200{N}000 élèves.</p>"
    )


def test_code_urls_and_attributes_are_left_as_written():
    source = (
        "Tape `l'option : oui` puis lis [le rapport d'ici](https://example.org/a?b=c'd) "
        "ou https://example.org/x?y=1 : fini.\n\n```\nprint('a : b ?')\n```\n"
    )
    html = _render(source)
    assert "<code>l'option : oui</code>" in html
    assert "print('a : b ?')" in html
    assert 'href="https://example.org/a?b=c\'d"' in html or 'href="https://example.org/a?b=c%27d"' in html
    assert "le rapport d’ici</a>" in html
    assert f"https://example.org/x?y=1{N}: fini." in html


def test_the_glossary_still_finds_a_term_written_with_a_straight_apostrophe():
    html = _render("Les données d'entraînement : un exemple.\n", {"donnée d'entraînement": "Ce qui sert à apprendre."})
    assert 'id="def-s-donnee-d-entrainement"' in html and ">données d’entraînement</dfn>" in html
    assert f"</span>{N}: un exemple." in html


def test_plain_and_full_inline_rendering_agree():
    context = RenderContext(media_url=lambda relative: None)
    text = "C'est environ 1,5 % : dix fois moins que 15 %."
    assert render_inline(text, context) == f"C’est environ 1,5{N}%{N}: dix fois moins que 15{N}%."
    assert render_inline(text, context) == render_markdown(text, context)[3:-4]


def test_typography_is_idempotent():
    text = "L'IA : « oui » ; 200 000 et 34,7 % !"
    assert typography(typography(text)) == typography(text)


ACTIVITY = """
## Quatrième partie

```question
id: essai-apostrophe
type: short
stem: "Complète : l'intelligence …"
accepted: ["d'entraînement", "artificielle"]
feedback_incorrect: "C'était « artificielle »."
explanation: L'IA.
```
"""


def test_answer_keys_and_short_answer_grading_are_untouched(tmp_path: Path):
    front = FRONT.format(id="essai").replace("duration_minutes: 1", "duration_minutes: 5")
    folder = write_module(tmp_path, front=front, body=BODY + ACTIVITY)
    module = build_module(folder, Problems())
    question = module.activities["essai-apostrophe"]
    assert question.stem == f"Complète{N}: l’intelligence …"  # shown typographic
    assert "d'entraînement" in question.accepted  # the key as written
    assert grade(question, "d'entraînement").correct  # a typed straight apostrophe
    assert grade(question, "d’entraînement").correct  # and a typographic one
    assert not grade(question, "entraînement").correct


def test_the_whole_shipped_catalogue_renders_with_typography():
    courses = Path(__file__).resolve().parents[2] / "courses"
    for path in sorted(courses.glob("*/module.md")):
        module = build_module(path.parent, Problems())
        html = "".join(part.html for section in module.sections for part in section.parts)
        assert "’" in html and N in html, module.id
        # No straight apostrophe left between two letters outside code and URLs.
        text = re.sub(r"https?://\S+", "", re.sub(r"<code>.*?</code>|<[^>]+>", " ", html, flags=re.S))
        assert not re.search(r"[^\W\d_]'[^\W\d_]", text), module.id
