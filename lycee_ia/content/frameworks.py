"""The reference frameworks a module's ``competences`` are coded against.

A code is ``FRAMEWORK:ITEM``. ``REQUIRED`` lists the codes of the module map
of the curriculum: ``lycee-ia courses coverage`` fails if one of them is
covered by no module.
"""

from __future__ import annotations

FRAMEWORKS: dict[str, tuple[str, dict[str, str]]] = {
    "UNESCO": (
        "UNESCO, référentiel de compétences en IA pour les élèves (2024)",
        {
            "HM": "État d'esprit centré sur l'humain",
            "ET": "Éthique de l'IA",
            "TA": "Techniques et applications de l'IA",
            "SD": "Conception de systèmes d'IA",
        },
    ),
    "UNESCO-ENS": (
        "UNESCO, référentiel de compétences en IA pour les enseignants (2024)",
        {
            "HM": "État d'esprit centré sur l'humain",
            "ET": "Éthique de l'IA",
            "FA": "Fondements et applications de l'IA",
            "PE": "Pédagogie de l'IA",
            "DP": "IA pour le développement professionnel",
        },
    ),
    "AI4K12": (
        "AI4K12, les cinq grandes idées de l'IA",
        {
            "1": "Perception",
            "2": "Représentation et raisonnement",
            "3": "Apprentissage",
            "4": "Interaction naturelle",
            "5": "Impact sociétal",
        },
    ),
    # The final framework (Empowering Learners for the Age of AI, presented on
    # 18 June 2026): 19 competences in four domains. The final numbering of the
    # competences could not be confirmed from a published source, so modules
    # are mapped to the domain; the May 2025 draft codes (OECD:E1...) are gone.
    "OCDE": (
        "AI Literacy Framework, OCDE et Commission européenne (version finale, juin 2026)",
        {
            "ENGAGING": "Interagir avec l'IA (Engaging with AI)",
            "CREATING": "Créer avec l'IA (Creating with AI)",
            "MANAGING": "Gérer l'IA (Managing AI)",
            "SHAPING": "Façonner l'IA (Shaping AI)",
        },
    ),
    "CRCN": (
        "Cadre de référence des compétences numériques (CRCN, Pix)",
        {
            "1.1": "Mener une recherche et une veille d'information",
            "1.2": "Gérer des données",
            "1.3": "Traiter des données",
            "2.1": "Interagir",
            "2.2": "Partager et publier",
            "2.3": "Collaborer",
            "2.4": "S'insérer dans le monde numérique",
            "3.1": "Développer des documents textuels",
            "3.2": "Développer des documents multimédia",
            "3.3": "Adapter les documents à leur finalité",
            "3.4": "Programmer",
            "4.1": "Sécuriser l'environnement numérique",
            "4.2": "Protéger les données personnelles et la vie privée",
            "4.3": "Protéger la santé, le bien-être et l'environnement",
            "5.1": "Résoudre des problèmes techniques",
            "5.2": "Évoluer dans un environnement numérique",
        },
    ),
    "DIGCOMP": (
        "DigComp 2.2 (2022)",
        {
            f"{area}.{item}": f"DigComp {area}.{item}"
            for area, count in ((1, 3), (2, 6), (3, 4), (4, 4), (5, 4))
            for item in range(1, count + 1)
        },
    ),
    "CADRE": (
        "Cadre d'usage de l'IA en éducation (ministère, juin 2025), ses cinq principes",
        {
            "PEDA": "Plus-value pédagogique",
            "DONNEES": "Protection des données",
            "ENVIR": "Conscience environnementale",
            "TRANSP": "Transparence",
            "CRITIQUE": "Esprit critique",
        },
    ),
    "CESER": (
        "Recommandations régionales (rapport d'octobre 2025)",
        {
            "C1": "Sensibiliser à un usage raisonné sur les ordinateurs de la Région",
            "C2": "Faire de l'IA une cause régionale (personnels et jeunes)",
            "C3": "Un socle commun de valeurs et de méthodes",
            "C4": "Capacités cognitives",
            "C5": "Environnement et sobriété",
            "C6": "Données fiables et RGPD",
            "C7": "Dialogue social et professionnel",
            "C8": "Éthique",
            "C9": "Indicateurs de suivi et d'impact",
        },
    ),
}

# The module map of the curriculum (CURRICULUM.md): every one of these codes
# must be covered by at least one module.
REQUIRED: frozenset[str] = frozenset(
    [f"UNESCO:{c}" for c in ("HM", "ET", "TA", "SD")]
    + [f"UNESCO-ENS:{c}" for c in ("HM", "ET", "FA", "PE", "DP")]
    + [f"AI4K12:{n}" for n in range(1, 6)]
    + [f"OCDE:{c}" for c in ("ENGAGING", "CREATING", "MANAGING", "SHAPING")]
    + [f"CRCN:{c}" for c in ("1.1", "2.2", "4.2", "4.3")]
    + [f"CESER:C{n}" for n in range(1, 9)]
)


# Codes of the May 2025 draft (E1-E7, C1-C5, M1-M5, D1-D5), read by domain.
DRAFT_DOMAINS = {"E": "ENGAGING", "C": "CREATING", "M": "MANAGING", "D": "SHAPING"}


def draft_replacement(code: str) -> str | None:
    """``OCDE:<DOMAIN>`` for a code of the withdrawn draft numbering (``OECD:E5``), else None."""
    framework, _, item = code.partition(":") if isinstance(code, str) else ("", "", "")
    if framework in ("OECD", "OCDE") and len(item) >= 2 and item[0] in DRAFT_DOMAINS and item[1:].isdigit():
        return f"OCDE:{DRAFT_DOMAINS[item[0]]}"
    return None


def is_known(code: str) -> bool:
    framework, _, item = code.partition(":")
    return framework in FRAMEWORKS and item in FRAMEWORKS[framework][1]


def label(code: str) -> str:
    framework, _, item = code.partition(":")
    return FRAMEWORKS[framework][1][item]
