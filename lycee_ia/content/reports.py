"""Reports generated from the modules' front matter: coverage and sources.

Both are written into files of ``courses/`` by the command line and checked
by the tests, so that what the documentation says can never drift from the
content.
"""

from __future__ import annotations

import unicodedata
from collections import defaultdict

from lycee_ia.content import frameworks
from lycee_ia.content.module import Module

COVERAGE_START = "<!-- couverture : début (généré par lycee-ia courses coverage --write) -->"
COVERAGE_END = "<!-- couverture : fin -->"
COLUMNS = ["UNESCO", "UNESCO-ENS", "AI4K12", "OCDE", "CRCN", "DIGCOMP", "CADRE", "CESER"]
COLUMN_TITLES = {"DIGCOMP": "DigComp", "CADRE": "Cadre d'usage"}


def _sort_key(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text.casefold()) if not unicodedata.combining(c))


def _module_order(module: Module) -> tuple:
    # E1, E2 ... E10, then P1 ... P4: by audience, then by the number in the id.
    prefix, _, rest = module.id.partition("-")
    number = int(prefix[1:]) if prefix[1:].isdigit() else 0
    return (module.audience != "eleve", prefix[:1], number, module.id)


def uncovered(modules: list[Module]) -> list[str]:
    """Codes of the curriculum map that no module covers."""
    covered = {code for module in modules for code in module.competences}
    return sorted(frameworks.REQUIRED - covered)


def coverage_markdown(modules: list[Module]) -> str:
    modules = sorted(modules, key=_module_order)
    lines = [
        COVERAGE_START,
        "",
        "### Couverture par module",
        "",
        "| Module | Public | " + " | ".join(COLUMN_TITLES.get(c, c) for c in COLUMNS) + " |",
        "|---|---|" + "---|" * len(COLUMNS),
    ]
    for module in modules:
        cells = []
        for column in COLUMNS:
            items = [code.partition(":")[2] for code in module.competences if code.partition(":")[0] == column]
            cells.append(" ".join(items) or "—")
        audience = "élèves" if module.audience == "eleve" else "personnels"
        lines.append(f"| {module.title} (`{module.id}`) | {audience} | " + " | ".join(cells) + " |")
    by_code: dict[str, list[str]] = defaultdict(list)
    for module in modules:
        for code in module.competences:
            by_code[code].append(module.id.partition("-")[0].upper())
    lines += [
        "",
        "### Les codes de la carte du programme",
        "",
        "Chaque code de la carte (`CURRICULUM.md`) doit être couvert par au moins un module.",
        "",
        "| Code | Intitulé | Modules |",
        "|---|---|---|",
    ]
    for code in sorted(frameworks.REQUIRED, key=lambda c: (COLUMNS.index(c.partition(":")[0]), c)):
        covering = ", ".join(by_code.get(code, [])) or "**aucun**"
        lines.append(f"| `{code}` | {frameworks.label(code)} | {covering} |")
    missing = uncovered(modules)
    lines += ["", f"{len(frameworks.REQUIRED) - len(missing)} codes couverts sur {len(frameworks.REQUIRED)}.", "", COVERAGE_END]
    return "\n".join(lines)


def replace_between_markers(document: str, block: str) -> str:
    """``document`` with the generated block replaced (or added at the end)."""
    if COVERAGE_START in document and COVERAGE_END in document:
        before = document.split(COVERAGE_START)[0]
        after = document.split(COVERAGE_END, 1)[1]
        return before + block + after
    return document.rstrip("\n") + "\n\n## 9. Couverture des référentiels\n\n" + block + "\n"


def sources_markdown(modules: list[Module]) -> str:
    """Every source cited by the modules, once, with the modules citing it."""
    entries: dict[str, dict] = {}
    for module in sorted(modules, key=_module_order):
        for source in module.sources:
            key = source.url.rstrip("/").lower() or f"{source.author}|{source.title}|{source.year}"
            entry = entries.setdefault(key, {"source": source, "modules": []})
            if module.id not in entry["modules"]:
                entry["modules"].append(module.id)
    lines = [
        "# Sources des modules",
        "",
        "Généré par `lycee-ia courses sources --write` à partir de l'en-tête des modules : ne pas modifier à la main.",
        f"{len(entries)} sources, citées par {len(modules)} modules.",
        "",
    ]
    for entry in sorted(entries.values(), key=lambda e: (_sort_key(e["source"].author), e["source"].year, _sort_key(e["source"].title))):
        source = entry["source"]
        note = f" — {source.note}" if source.note else ""
        cited = ", ".join(f"`{m}`" for m in entry["modules"])
        lines.append(f"- {source.author}, *{source.title}*, {source.year}. <{source.url}>{note}  ")
        lines.append(f"  Cité par : {cited}.")
    return "\n".join(lines) + "\n"
