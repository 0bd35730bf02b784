"""Nothing executable reaches a page, whatever an author writes."""

from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest

from lycee_ia.content.render import RenderContext, render_markdown, sanitize

FORBIDDEN_ELEMENTS = {"script", "iframe", "object", "embed", "svg", "math", "style", "form", "input", "button",
                      "link", "meta", "base", "frame", "frameset", "applet", "template", "noscript", "textarea", "video",
                      "audio", "source", "img-src"}
ALLOWED_SCHEMES = {"", "http", "https", "mailto"}

RAW_HTML = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<img src=\"media/a.svg\" onload=\"alert(1)\">",
    "<a href=\"javascript:alert(1)\">clic</a>",
    "<a href=\"JaVaScRiPt:alert(1)\">clic</a>",
    "<a href=\"jav&#x09;ascript:alert(1)\">clic</a>",
    "<a href=\"&#106;avascript:alert(1)\">clic</a>",
    "<a href=\" javascript:alert(1)\">clic</a>",
    "<a href=\"vbscript:msgbox(1)\">clic</a>",
    "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">clic</a>",
    "<iframe src=\"https://evil.example\"></iframe>",
    "<object data=\"x.swf\"></object>",
    "<embed src=\"x.swf\">",
    "<svg><script>alert(1)</script></svg>",
    "<svg onload=alert(1)>",
    "<svg><a xlink:href=\"javascript:alert(1)\"><text>x</text></a></svg>",
    "<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>",
    "<style>body{background:url(javascript:alert(1))}</style>",
    "<div style=\"background:url(javascript:alert(1))\">x</div>",
    "<p onclick=\"alert(1)\">x</p>",
    "<body onload=alert(1)>",
    "<form action=\"https://evil.example\"><input name=x></form>",
    "<button formaction=\"javascript:alert(1)\">x</button>",
    "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
    "<base href=\"https://evil.example/\">",
    "<link rel=stylesheet href=\"https://evil.example/x.css\">",
    "<details open ontoggle=alert(1)>",
    "<video><source onerror=\"alert(1)\"></video>",
    "<audio src=x onerror=alert(1)>",
    "<marquee onstart=alert(1)>x</marquee>",
    "<table background=\"javascript:alert(1)\"><tr><td>x</td></tr></table>",
    "<abbr title=\"x\" onmouseover=\"alert(1)\">IA</abbr>",
    "<img src=\"data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+\">",
    "<!--<script>alert(1)</script>-->",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<a href=\"#\" id=\"x\" class=\"evil\" rel=\"opener\">x</a>",
    "<template><script>alert(1)</script></template>",
    "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\"></noscript>",
    "<textarea><script>alert(1)</script></textarea>",
    "<isindex type=image src=1 onerror=alert(1)>",
    "<frameset onload=alert(1)>",
]
MARKDOWN = [
    "[clic](javascript:alert(1))",
    "[clic](JAVASCRIPT:alert(1))",
    "[clic](  javascript:alert(1)  )",
    "[clic](<javascript:alert(1)>)",
    "[clic](data:text/html;base64,PHNjcmlwdD4=)",
    "[clic](vbscript:msgbox(1))",
    "[clic](java\tscript:alert(1))",
    "![x](javascript:alert(1))",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "![x](https://evil.example/pixel.gif)",
    "![x](//evil.example/pixel.gif)",
    "![x\" onerror=\"alert(1)](media/a.svg)",
    "[x](https://example.org \"titre\" onmouseover=alert(1))",
    "[clic][ref]\n\n[ref]: javascript:alert(1)",
    "![x][img]\n\n[img]: data:image/png;base64,AAAA",
    "Texte {: onclick=\"alert(1)\" }",
    "## Titre {: onmouseover=\"alert(1)\" }",
    "Paragraphe\n{: style=\"color:red\" class=\"evil\" }",
    "`<script>alert(1)</script>`",
    "```\n<script>alert(1)</script>\n```",
    "<https://example.org/\"onmouseover=\"alert(1)>",
    "<mailto:x@example.org?body=<script>>",
]


class Collector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.elements, self.attributes, self.urls, self.images = [], [], [], []

    def handle_starttag(self, tag, attrs):
        self.elements.append(tag)
        if tag == "img":
            self.images.append(dict(attrs).get("src") or "")
        for name, value in attrs:
            self.attributes.append(name)
            if name in ("href", "src", "action", "formaction", "xlink:href", "background", "poster", "data"):
                self.urls.append(value or "")


def _context():
    return RenderContext(media_url=lambda relative: None, section_id="s")


def _assert_safe(html):
    collector = Collector()
    collector.feed(html)
    assert not FORBIDDEN_ELEMENTS & set(collector.elements), html
    assert not [a for a in collector.attributes if a.lower().startswith("on")], html
    assert "style" not in collector.attributes, html
    for url in collector.urls:
        scheme = urlsplit(url.strip()).scheme.lower()
        assert scheme in ALLOWED_SCHEMES, f"{url!r} in {html}"
        assert not url.strip().startswith("//"), html
    # No image may load from anywhere but the module's media.
    assert all(src.startswith(("media/", "/modules/")) and ".." not in src for src in collector.images), html


def test_the_corpus_is_large_enough():
    assert len(RAW_HTML) + len(MARKDOWN) >= 40
    assert len(RAW_HTML) >= 20 and len(MARKDOWN) >= 20


@pytest.mark.parametrize("vector", RAW_HTML + MARKDOWN)
def test_no_vector_reaches_the_page(vector):
    html = render_markdown(f"Avant.\n\n{vector}\n\nAprès.", _context())
    _assert_safe(html)
    assert "Avant." in html and "Après." in html


@pytest.mark.parametrize("vector", RAW_HTML + MARKDOWN)
def test_sanitising_the_output_again_changes_nothing(vector):
    html = render_markdown(vector, _context())
    assert sanitize(html) == html


@pytest.mark.parametrize("vector", RAW_HTML)
def test_vectors_inside_inline_markdown_are_safe_too(vector):
    html = render_markdown(f"Un *texte* avec {vector} au milieu et un [lien](https://example.org).", _context())
    _assert_safe(html)


def test_what_is_allowed_survives():
    html = render_markdown(
        "Un <abbr title=\"Intelligence artificielle\">IA</abbr>, H<sub>2</sub>O, x<sup>2</sup>, <kbd>Ctrl</kbd>.\n\n"
        "[AIE](https://www.iea.org/) et [écrire](mailto:contact@example.org).",
        _context(),
    )
    for fragment in ('<abbr title="Intelligence artificielle">IA</abbr>', "<sub>2</sub>", "<sup>2</sup>", "<kbd>Ctrl</kbd>",
                     'href="https://www.iea.org/"', 'href="mailto:contact@example.org"'):
        assert fragment in html


def test_two_boxes_in_a_row_stay_two_boxes():
    html = render_markdown("> [!retenir]\n> Premier.\n\n> [!attention]\n> Second.\n", _context())
    assert html.count('class="callout ') == 2
    assert "[!attention]" not in html
    assert html.index("À retenir") < html.index("Premier.") < html.index("Attention") < html.index("Second.")


def test_the_activity_box_speaks_to_its_audience():
    student = render_markdown("> [!activite]\n> Fais-le.", RenderContext(media_url=lambda r: None, audience="eleve"))
    staff = render_markdown("> [!activite]\n> Faites-le.", RenderContext(media_url=lambda r: None, audience="personnel"))
    assert "À toi de jouer" in student and "À vous de jouer" in staff


def test_a_glossary_term_in_bold_is_marked():
    context = RenderContext(media_url=lambda r: None, glossary={"modèle": "Un programme qui a appris."}, section_id="s")
    html = render_markdown("Un **modèle** apprend. Un modèle encore.", context)
    assert html.count('class="term"') == 1 and "<strong><dfn" in html


def test_a_glossary_term_is_found_in_the_plural_word_by_word():
    context = RenderContext(
        media_url=lambda r: None, glossary={"responsable de traitement": "Qui décide.", "IA": "Intelligence artificielle."}, section_id="s"
    )
    html = render_markdown("Les responsables de traitement et les IA.", context)
    assert html.count('class="term"') == 2 and ">responsables de traitement</dfn>" in html


def test_the_plain_text_shortcut_gives_what_the_full_pipeline_gives():
    """Every text of every shipped question, rendered both ways."""
    import dataclasses
    from pathlib import Path

    from lycee_ia.content import render
    from lycee_ia.content.source import read_module
    from lycee_ia.content.problems import Problems
    from lycee_ia.quiz.parse import parse_question

    texts = set()
    courses = Path(__file__).resolve().parents[2] / "courses"
    for folder in sorted(p for p in courses.iterdir() if (p / "module.md").is_file()):
        source = read_module(folder, Problems())
        blocks = [b for s in source.sections for b in s.blocks] + source.quiz_blocks
        for block in blocks:
            question = parse_question(block.text, path=folder, line=block.line, problems=Problems(), id_prefix="x", in_quiz=False)
            question.map_text(lambda text: texts.add(text) or text)
    texts |= {"1. une liste", "- un tiret", "Un *mot*", "A & B", "x < y", "  espace", "Deux\\nlignes", "# titre", "Un [lien](https://a.org)"}
    context = _context()
    shortcut = 0
    for text in texts:
        full = render.render_markdown(text, context)
        if full.startswith("<p>") and full.endswith("</p>") and full.count("<p>") == 1:
            full = full[3:-4]
        assert render.render_inline(text, context) == full, text
        shortcut += bool(render._PLAIN_INLINE.fullmatch(text))
    assert len(texts) > 1000 and shortcut > len(texts) / 2
