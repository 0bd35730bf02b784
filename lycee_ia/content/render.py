"""Markdown to safe HTML: Python-Markdown, our tree processors, then bleach.

Nothing executable reaches a page: whatever Markdown produces goes through
bleach with an explicit allow-list of tags, attributes (some filtered by
value) and URL schemes. Images may only come from the module's own
``media/`` folder; links may go to http, https and mailto addresses or to
anchors. The sanitiser is idempotent: cleaning its own output changes nothing.
"""

from __future__ import annotations

import html
import re
import unicodedata
import xml.etree.ElementTree as etree
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from urllib.parse import quote

import bleach
import markdown
from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor
from markdown.treeprocessors import Treeprocessor

ALLOWED_TAGS = frozenset(
    """a abbr aside blockquote br caption code dd del dfn div dl dt em figcaption figure h3 h4 h5 h6
    hr img kbd li mark ol p pre small span strong sub sup table tbody td tfoot th thead tr ul""".split()
)
# Tags an author may write as raw HTML without the checker complaining.
AUTHOR_HTML_TAGS = frozenset({"abbr", "kbd", "sub", "sup", "br"})
ALLOWED_PROTOCOLS = frozenset({"http", "https", "mailto"})
ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_:.-]{0,99}$")
# Images come from a module's media folder only: served (/modules/<id>/media/...)
# or, in the author's preview, relative (media/...).
MEDIA_SRC_RE = re.compile(r"^(?:/modules/[a-z0-9-]+/)?media/[^:\\\s]+$")
CLASSES = frozenset(
    """callout callout-retenir callout-attention callout-plus-loin callout-activite callout-title
    footnote footnote-ref footnote-backref term term-def external""".split()
)
CALLOUTS = {
    "retenir": "À retenir",
    "attention": "Attention",
    "plus-loin": "Pour aller plus loin",
    "activite": "À vous de jouer",
}
IMAGE_EXTENSIONS = frozenset({"svg", "png", "jpg", "jpeg", "webp"})
CALLOUT_RE = re.compile(r"^\s*\[!(?P<kind>[a-z-]+)\]\s*")


def _allowed_attribute(tag: str, name: str, value: str) -> bool:
    if name == "id":
        return bool(ID_RE.match(value))
    if name == "class":
        return all(part in CLASSES for part in value.split())
    if tag == "a":
        return name in ("href", "title", "rel")
    if tag == "img":
        if name == "src":
            return bool(MEDIA_SRC_RE.match(value)) and ".." not in value
        return name in ("alt", "title", "width", "height", "loading")
    if tag == "abbr":
        return name == "title"
    if tag in ("th", "td"):
        return name in ("colspan", "rowspan", "scope")
    if tag == "ol":
        return name == "start"
    if tag == "dfn":
        return name in ("tabindex", "aria-describedby") and (name != "tabindex" or value == "0")
    if tag == "span":
        return name == "role" and value == "tooltip"
    return False


_cleaner = bleach.sanitizer.Cleaner(
    tags=ALLOWED_TAGS,
    attributes=_allowed_attribute,
    protocols=ALLOWED_PROTOCOLS,
    strip=True,
    strip_comments=True,
)
# Elements whose content is code or style, not text: dropped whole, before
# bleach (which would keep their text when it strips the tags).
_DROP_WITH_CONTENT = re.compile(
    r"<(script|style|template|noscript|textarea|title|xmp|iframe|object|embed|svg|math)\b[^>]*>.*?</\1\s*>",
    re.IGNORECASE | re.DOTALL,
)


_IMG_WITHOUT_SRC = re.compile(r"<img(?![^>]*\ssrc=)[^>]*>")


def sanitize(fragment: str) -> str:
    """Clean an HTML fragment with the allow-list. Idempotent."""
    return _IMG_WITHOUT_SRC.sub("", _cleaner.clean(_DROP_WITH_CONTENT.sub("", fragment)))


@dataclass
class RenderContext:
    """What the tree processors need to know about the module being rendered."""

    media_url: Callable[[str], str | None]  # "media/x.svg" -> URL, None if the file is missing
    glossary: dict[str, str] = field(default_factory=dict)  # term -> definition (plain text)
    section_id: str = ""
    audience: str = "eleve"  # "À toi de jouer" for students, "À vous de jouer" for staff
    # Filled while rendering, read by the checker.
    missing_media: list[str] = field(default_factory=list)
    images: list[tuple[str, str]] = field(default_factory=list)  # (src, alt)
    missing_links: list[str] = field(default_factory=list)  # links to media/ files that do not exist
    foreign_images: list[str] = field(default_factory=list)
    # One entry per activity callout: the minutes its title announces, None if it says none.
    activity_minutes: list[int | None] = field(default_factory=list)


class _Callouts(Treeprocessor):
    """``> [!retenir]`` blockquotes become titled boxes.

    Two boxes separated by a blank line arrive as one blockquote (Markdown
    merges them): each paragraph that starts with a marker opens a new box.
    """

    def __init__(self, md: markdown.Markdown, context: RenderContext) -> None:
        super().__init__(md)
        self.context = context

    def run(self, root: etree.Element) -> None:
        for parent in list(root.iter()):
            for index, element in reversed(list(enumerate(parent))):
                if element.tag == "blockquote":
                    boxes = self._split(element)
                    if boxes is not None:
                        parent.remove(element)
                        for offset, box in enumerate(boxes):
                            parent.insert(index + offset, box)

    def _split(self, quote_element: etree.Element) -> list[etree.Element] | None:
        children = list(quote_element)
        if not children or self._marker(children[0]) is None:
            return None
        boxes: list[etree.Element] = []
        current: etree.Element | None = None
        for child in children:
            kind = self._marker(child)
            if kind is not None:
                current = etree.Element("div", {"class": f"callout callout-{kind}"})
                title = etree.SubElement(current, "p", {"class": "callout-title"})
                etree.SubElement(title, "strong").text = self._label(kind)
                boxes.append(current)
                child.text = CALLOUT_RE.sub("", child.text, count=1)
                if kind == "activite":
                    self.context.activity_minutes.append(announced_minutes(child))
                if not child.text.strip() and not len(child):
                    continue
            assert current is not None
            current.append(child)
        boxes[-1].tail = quote_element.tail
        return boxes

    @staticmethod
    def _marker(element: etree.Element) -> str | None:
        if element.tag != "p" or not element.text:
            return None
        match = CALLOUT_RE.match(element.text)
        return match.group("kind") if match and match.group("kind") in CALLOUTS else None

    def _label(self, kind: str) -> str:
        if kind == "activite" and self.context.audience == "eleve":
            return "À toi de jouer"
        return CALLOUTS[kind]


_NUMBER_WORDS = {
    "une": 1, "un": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6, "sept": 7, "huit": 8, "neuf": 9,
    "dix": 10, "douze": 12, "quinze": 15, "vingt": 20, "vingt-cinq": 25, "trente": 30, "quarante": 40,
    "quarante-cinq": 45, "soixante": 60,
}
_MINUTES_RE = re.compile(r"(?<![\w-])(\d{1,3}|" + "|".join(sorted(_NUMBER_WORDS, key=len, reverse=True)) + r")\s+min(?:utes?)?\b", re.IGNORECASE)


def announced_minutes(paragraph: etree.Element) -> int | None:
    """The minutes an activity's title announces: its leading bold text, « **Enquête (10 minutes).** »."""
    if (paragraph.text or "").strip() or not len(paragraph) or paragraph[0].tag not in ("strong", "b"):
        return None
    title = "".join(paragraph[0].itertext())
    match = _MINUTES_RE.search(title)
    if match is None:
        return None
    value = match.group(1).lower()
    return int(value) if value.isdigit() else _NUMBER_WORDS[value]


class _Media(Treeprocessor):
    """Images from ``media/`` get their served URL; any other image is dropped."""

    def __init__(self, md: markdown.Markdown, context: RenderContext) -> None:
        super().__init__(md)
        self.context = context

    def run(self, root: etree.Element) -> None:
        for parent in list(root.iter()):
            for child in list(parent):
                if child.tag != "img":
                    continue
                src = child.get("src", "")
                alt = child.get("alt", "")
                self.context.images.append((src, alt))
                is_image = src.startswith("media/") and src.lower().rsplit(".", 1)[-1] in IMAGE_EXTENSIONS
                url = self.context.media_url(src) if is_image else None
                if url is None:
                    if src.startswith("media/"):
                        self.context.missing_media.append(src)
                    else:
                        self.context.foreign_images.append(src)
                    # Keep the alt text so the reader loses no information.
                    index = list(parent).index(child)
                    parent.remove(child)
                    if alt:
                        span = etree.Element("em")
                        span.text = f"[image : {alt}]"
                        span.tail = child.tail
                        parent.insert(index, span)
                    continue
                child.set("src", url)
                child.set("loading", "lazy")
        for link in root.iter("a"):
            href = link.get("href", "")
            if href.startswith("media/"):
                url = self.context.media_url(href)
                if url is None:
                    self.context.missing_links.append(href)
                else:
                    link.set("href", url)
            elif href.startswith(("http://", "https://")):
                # A deliberate way out of the platform, never a resource it loads.
                link.set("rel", "external noopener noreferrer")
                link.set("class", "external")


class _Glossary(Treeprocessor):
    """Mark the first use of each glossary term in a section with its definition."""

    SKIP = frozenset({"a", "code", "pre", "h1", "h2", "h3", "h4", "h5", "h6", "dfn", "span", "abbr"})

    def __init__(self, md: markdown.Markdown, context: RenderContext) -> None:
        super().__init__(md)
        self.context = context

    def run(self, root: etree.Element) -> None:
        if not self.context.glossary:
            return
        terms = sorted(self.context.glossary, key=len, reverse=True)
        # Each term is its own group; every word may take a plural s or x
        # ("responsable de traitement" also finds "responsables de traitement").
        self.pattern = re.compile(
            "|".join(f"(?<![\\w-])(?P<t{index}>{_term_pattern(term)})(?![\\w-])" for index, term in enumerate(terms)),
            re.IGNORECASE,
        )
        self.terms = terms
        self.used: set[str] = set()
        self._walk(root)

    def _walk(self, element: etree.Element) -> None:
        if element.tag in self.SKIP or element.get("class", "").startswith("footnote"):
            return
        pieces = self._split(element.text)
        if pieces is not None:
            element.text = pieces[0]
            for offset, node in enumerate(pieces[1:]):
                element.insert(offset, node)
        index = 0
        while index < len(element):
            child = element[index]
            if not isinstance(child.tag, str):  # comments, processing instructions
                index += 1
                continue
            self._walk(child)
            pieces = self._split(child.tail)
            if pieces is not None:
                child.tail = pieces[0]
                for offset, node in enumerate(pieces[1:], start=1):
                    element.insert(index + offset, node)
                index += len(pieces) - 1
            index += 1

    def _split(self, text: str | None) -> list | None:
        """Return [text before, dfn, tooltip span (tail = rest)] for the first unused term."""
        if not text:
            return None
        for match in self.pattern.finditer(text):
            term = self.terms[int(match.lastgroup[1:])]
            if term in self.used:
                continue
            self.used.add(term)
            definition_id = f"def-{self.context.section_id}-{_slug(term)}"
            dfn = etree.Element("dfn", {"class": "term", "tabindex": "0", "aria-describedby": definition_id})
            dfn.text = match.group(0)
            tip = etree.Element("span", {"class": "term-def", "id": definition_id, "role": "tooltip"})
            tip.text = self.context.glossary[term]
            rest = self._split(text[match.end() :])
            if rest is None:
                tip.tail = text[match.end() :]
                return [text[: match.start()], dfn, tip]
            tip.tail = rest[0]
            return [text[: match.start()], dfn, tip, *rest[1:]]
        return None


def _term_pattern(term: str) -> str:
    words = term.split()
    return r"\s+".join(re.escape(word) + ("" if len(word) < 3 else "(?:s|x)?") for word in words)


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-") or "terme"


# A line inside any number of blockquotes: the quote marks, then the text.
_QUOTED = re.compile(r"^((?:[ ]{0,3}>[ ]?)*)(.*)$")
_LIST_ITEM = re.compile(r"[ ]{0,3}(?:[-+*]|\d{1,9}[.)])[ \t]+\S")
# What may interrupt a paragraph (CommonMark): a bullet, or an ordered list from 1.
_INTERRUPTING_ITEM = re.compile(r"[ ]{0,3}(?:[-+*]|1[.)])[ \t]+\S")
# Lines that open a block of their own: a paragraph can only start otherwise.
_OTHER_BLOCK = re.compile(r"[ ]{0,3}(?:#|\||```|~~~|<|\[\^)|[ ]{4}|\t")


def _list_starts(lines: Iterable[str]) -> Iterator[tuple[int, str, bool]]:
    """``(index, quote marks, can start)`` for each list item line that follows a paragraph line.

    ``can start`` tells whether the item may interrupt the paragraph (a bullet,
    or an ordered list from 1, as in CommonMark).
    """
    block = None  # what the current block started as: "paragraph", "list", "other"
    for index, line in enumerate(lines):
        quotes, text = _QUOTED.match(line).groups()
        if not text.strip():
            block = None
        elif _LIST_ITEM.match(text):
            if block == "paragraph":
                can_start = bool(_INTERRUPTING_ITEM.match(text))
                yield index, quotes, can_start
                if not can_start:
                    continue  # the line stays in the paragraph
            block = "list"
        elif block is None:
            block = "other" if _OTHER_BLOCK.match(text) else "paragraph"


class _ListsAfterText(Preprocessor):
    """A list may start on the line right after a paragraph, as in CommonMark.

    Python-Markdown needs a blank line before a list, so a list written right
    under a line of text (often the first line of a callout) came out as one
    paragraph with the markers in it. A blank line (inside the same quotes) is
    put before such a list; lists, headings, tables and fenced code are left as
    they are.
    """

    def run(self, lines: list[str]) -> list[str]:
        result = list(lines)
        for index, quotes, can_start in reversed(list(_list_starts(lines))):
            if can_start:
                result.insert(index, quotes.rstrip())
        return result


def find_unrendered_lists(lines: Iterable[tuple[int, str]]) -> list[tuple[int, str]]:
    """``(file line, message)`` for list items the renderer leaves inside a paragraph."""
    numbered = list(lines)
    stuck = [index for index, _quotes, can_start in _list_starts(text for _, text in numbered) if not can_start]
    return [
        (numbered[index][0], "cette liste numérotée suit une ligne de texte sans commencer à 1 : "
         "elle resterait dans le paragraphe. Laissez une ligne vide avant, ou commencez à 1.")
        for index in stuck
        if index - 1 not in stuck  # once per list
    ]


NNBSP = "\u202f"  # narrow no-break space, as French typography puts before « : ; ! ? » and inside « »
_URL_RE = re.compile(r"(?:[a-z][a-z0-9+.-]*://|www\.|mailto:)\S*", re.IGNORECASE)
_TYPO_RULES = (
    # Typographic apostrophe after a letter: « l'IA » → « l’IA », « aujourd'hui ».
    (re.compile(r"(?<=[^\W\d_])'"), "\u2019"),
    # A space written before a high punctuation mark becomes a narrow no-break space.
    (re.compile(r"[ \u00a0\u202f]+(?=[:;!?](?:\s|$|[)\]»,.]))"), NNBSP),
    (re.compile(r"«[ \u00a0\u202f]*"), "«" + NNBSP),
    (re.compile(r"[ \u00a0\u202f]*»"), NNBSP + "»"),
    # 34,7 % and 200 000: the number stays in one piece.
    (re.compile(r"(?<=\d)[ \u00a0\u202f]+(?=%)"), NNBSP),
    (re.compile(r"(?<![\d.,])(\d{1,3})((?:[ \u00a0\u202f]\d{3})+)(?![\d,.]\d|\d)"),
     lambda m: m.group(1) + re.sub(r"[ \u00a0\u202f]", NNBSP, m.group(2))),
)


def typography(text: str) -> str:
    """French typography on a plain text (never on code, URLs or attributes).

    Narrow no-break spaces before « : ; ! ? », inside « » and in numbers
    (« 34,7 % », « 200 000 »), and typographic apostrophes. Idempotent.
    """
    if not text:
        return text
    pieces = _URL_RE.split(text)
    urls = _URL_RE.findall(text)
    for index, piece in enumerate(pieces):
        for pattern, replacement in _TYPO_RULES:
            piece = pattern.sub(replacement, piece)
        pieces[index] = piece
    result = pieces[0]
    for url, piece in zip(urls, pieces[1:], strict=True):
        result += url + piece
    return result


class _Typography(Treeprocessor):
    """French typography on the text nodes, last: not in code, and never in attributes."""

    SKIP = frozenset({"code", "pre", "kbd", "script", "style"})

    def run(self, root: etree.Element) -> None:
        self._walk(root)

    def _walk(self, element: etree.Element) -> None:
        if element.tag in self.SKIP:
            return
        if element.text and not isinstance(element.text, markdown.util.AtomicString):
            element.text = typography(element.text)
        for child in element:
            if not isinstance(child.tag, str):
                continue
            self._walk(child)
            if child.tail:
                child.tail = typography(child.tail)


class _LyceeExtension(Extension):
    def __init__(self, context: RenderContext) -> None:
        super().__init__()
        self.context = context

    def extendMarkdown(self, md: markdown.Markdown) -> None:  # noqa: N802 (Markdown's API)
        # After inline processing (20), so images and text nodes are final.
        # After fenced code (25) is stashed away, before raw HTML blocks (20).
        md.preprocessors.register(_ListsAfterText(md), "lycee_lists_after_text", 24)
        md.treeprocessors.register(_Callouts(md, self.context), "lycee_callouts", 8)
        md.treeprocessors.register(_Media(md, self.context), "lycee_media", 7)
        md.treeprocessors.register(_Glossary(md, self.context), "lycee_glossary", 6)
        # Last, after the glossary matched the author's text: only text nodes change.
        md.treeprocessors.register(_Typography(md), "lycee_typography", 5)


def _markdown(context: RenderContext) -> markdown.Markdown:
    return markdown.Markdown(
        extensions=[
            "tables",
            "fenced_code",
            "attr_list",
            "sane_lists",
            "footnotes",
            "toc",
            _LyceeExtension(context),
        ],
        extension_configs={
            # Anchors for the headings inside a section (###), unique per section.
            "toc": {"toc_depth": "3-6", "slugify": lambda value, separator: f"{context.section_id}-{_slug(value)}" if context.section_id else _slug(value)},
            "footnotes": {
                "BACKLINK_TEXT": "↩",
                "BACKLINK_TITLE": "Revenir à l'appel de note %d",
                "SUPERSCRIPT_TEXT": "{}",
            }
        },
        output_format="html",
    )


_FOOTNOTE_ID = re.compile(r'(id="|href="#)(fn|fnref\d*):')  # fnref2: a second call of one note


def render_markdown(source: str, context: RenderContext) -> str:
    """Render Markdown to sanitised HTML. Footnote ids are made unique per section."""
    produced = _markdown(context).convert(source)
    if context.section_id:
        produced = _FOOTNOTE_ID.sub(lambda m: f"{m.group(1)}{m.group(2)}-{context.section_id}-", produced)
    return sanitize(produced)


# A short text with nothing Markdown would act on: no inline marks, links,
# HTML, entities, escapes, line breaks, nor a leading block marker.
_PLAIN_INLINE = re.compile(r"[^\n*_`\[\]!<>&\\|~^{}]*")
_BLOCK_START = re.compile(r"\s|[-+*>#=]|\d+[.)]\s")


def render_inline(source: str, context: RenderContext) -> str:
    """Render a short text (a choice, a feedback) without its wrapping paragraph.

    Most of them are plain sentences: those are only escaped, which gives the
    same HTML as the full pipeline (a test checks it on every shipped text)
    in a fraction of the time, and the catalogue is built that much sooner.
    """
    if _PLAIN_INLINE.fullmatch(source) and not _BLOCK_START.match(source) and source.strip() == source:
        return html.escape(typography(source), quote=False)
    produced = render_markdown(source, context)
    if produced.startswith("<p>") and produced.endswith("</p>") and produced.count("<p>") == 1:
        return produced[3:-4]
    return produced


def source_note(title: str, author: str, year: object, url: str, note: str | None = None) -> str:
    """The Markdown of a footnote citing a source of the front matter."""
    text = f"{author}, *{title}*, {year}. [{url}]({quote(url, safe=':/?#[]@!$&()*+,;=%~')})"
    return f"{text} ({note})" if note else text


def text_of(fragment: str) -> str:
    """Plain text of an HTML fragment (for word counts and indexes)."""
    return html.unescape(re.sub(r"<[^>]+>", " ", fragment))


def find_raw_html(lines: Iterable[tuple[int, str]]) -> list[tuple[int, str]]:
    """Raw HTML an author wrote that the sanitiser would strip: [(line, description)].

    Code spans and fenced code are skipped (shown as code, never as HTML).
    """
    findings: list[tuple[int, str]] = []
    in_fence = False
    for number, text in lines:
        stripped = text.lstrip()
        if stripped.startswith(("```", "~~~")):
            in_fence = not in_fence
            continue
        if in_fence or text.startswith(("    ", "\t")):
            continue
        visible = re.sub(r"`[^`]*`", "", text)
        for match in re.finditer(r"<!--|<(/?)([A-Za-z][A-Za-z0-9-]*)([^>]*)>?", visible):
            if match.group(0) == "<!--":
                findings.append((number, "commentaire HTML « <!-- … --> » retiré à l'affichage"))
                continue
            if match.group(1):  # a closing tag: its opening tag was reported
                continue
            tag = match.group(2).lower()
            attributes = re.findall(r"([A-Za-z_:][-A-Za-z0-9_:.]*)\s*=", match.group(3) or "")
            if tag not in AUTHOR_HTML_TAGS:
                findings.append((number, f"balise HTML <{tag}> retirée à l'affichage"))
            else:
                for name in attributes:
                    if not (tag == "abbr" and name.lower() == "title"):
                        findings.append((number, f"attribut « {name} » de <{tag}> retiré à l'affichage"))
        for match in re.finditer(r"\]\(\s*<?([A-Za-z][A-Za-z0-9+.-]*):", visible):
            scheme = match.group(1).lower()
            if scheme not in ALLOWED_PROTOCOLS:
                findings.append((number, f"lien « {scheme}: » retiré à l'affichage (seuls http, https et mailto sont permis)"))
    return findings
