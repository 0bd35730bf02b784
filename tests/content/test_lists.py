"""Lists written right under a line of text, inside a callout or not, render as lists."""

from lycee_ia.content.render import RenderContext, render_markdown
from tests.content.test_checker import BODY, check, lines_of, write_module


def _render(source: str) -> str:
    return render_markdown(source, RenderContext(media_url=lambda relative: None, section_id="s"))


def test_a_numbered_list_right_after_the_first_line_of_a_callout_is_a_list():
    html = _render(
        "> [!activite]\n"
        "> **Avant / après.** Réécris chaque phrase.\n"
        "> 1. Première phrase.\n"
        "> 2. Deuxième phrase.\n"
        ">\n"
        "> Pistes : une réponse.\n"
    )
    assert "<p><strong>Avant / après.</strong> Réécris chaque phrase.</p>" in html
    assert "<ol>\n<li>Première phrase.</li>\n<li>Deuxième phrase.</li>\n</ol>" in html
    assert "<p>Pistes\u202f: une réponse.</p>" in html  # the renderer's typography


def test_a_bulleted_list_right_after_a_paragraph_is_a_list():
    html = _render("Pour chacune, note :\n- ce qu'elle fait ;\n- où la régler.\n")
    assert html == "<p>Pour chacune, note\u202f:</p>\n<ul>\n<li>ce qu’elle fait\u202f;</li>\n<li>où la régler.</li>\n</ul>"


def test_a_number_inside_a_paragraph_stays_text():
    # CommonMark: only an ordered list from 1 may interrupt a paragraph.
    html = _render("Le règlement date de\n2024. Il s'applique depuis.\n")
    assert html == "<p>Le règlement date de\n2024. Il s’applique depuis.</p>"


def test_lists_that_already_rendered_are_unchanged():
    source = "Intro.\n\n- un\nsuite du premier\n- deux\n\n```\nTexte :\n- pas une liste\n```\n"
    html = _render(source)
    assert "<ul>\n<li>un\nsuite du premier</li>\n<li>deux</li>\n</ul>" in html
    assert "<pre><code>Texte :\n- pas une liste\n</code></pre>" in html


def test_the_checker_warns_about_a_list_it_cannot_render(tmp_path):
    body = BODY.replace(
        "## Deuxième partie\n",
        "## Deuxième partie\n\nLes étapes, à partir de la deuxième :\n2. Chercher l'auteur.\n3. Comparer.\n",
    )
    found = check(write_module(tmp_path, body=body))
    assert lines_of(found, "liste numérotée") == [27]  # the front matter has a line per source check date
    assert [s for _, s, m in found if "liste numérotée" in m] == ["avertissement"]
