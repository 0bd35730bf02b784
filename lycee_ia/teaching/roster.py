"""Reading a roster file as French school software exports it: pure, no database.

:func:`read_roster` takes the file's bytes and the name of the class being
filled, and returns every usable line, the lines of other classes, and every
problem with its line number and a French message. It never raises for bad
input: a file that cannot be read at all gives one problem on line 1.

What it accepts:

- encodings: UTF-8 with or without BOM, else Windows-1252 (what Excel and
  LibreOffice write on a French Windows); UTF-16, spreadsheets (.xlsx, .ods,
  .xls) and binary files are refused with a message saying what to do;
- separators: ``;``, ``,`` or a tab, chosen by the header line;
- headers ``Nom``, ``Prénom``, ``Classe`` (required), ``Identifiant``,
  ``Date de naissance``, ``Groupe`` (optional), matched without regard to
  case, accents, spaces or punctuation; other columns are ignored.

The birth date only tells homonyms from duplicate lines; it is never stored.
"""

from __future__ import annotations

import csv
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from lycee_ia.accounts.services import USERNAME_RE

MAX_BYTES = 1_000_000
MAX_ROWS = 2000
NAME_MAX = 100
MAX_PROBLEMS_SHOWN = 50

FIELD_LABELS = {
    "last_name": "Nom",
    "first_name": "Prénom",
    "class_name": "Classe",
    "username": "Identifiant",
    "birth_date": "Date de naissance",
    "group": "Groupe",
}
REQUIRED = ("last_name", "first_name", "class_name")
HEADERS = {
    "nom": "last_name",
    "nom de famille": "last_name",
    "prenom": "first_name",
    "classe": "class_name",
    "identifiant": "username",
    "date de naissance": "birth_date",
    "date naissance": "birth_date",
    "groupe": "group",
}
# A cell starting with one of these is read as a formula by spreadsheets.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NAME_PUNCTUATION = set(" -'’.")
GROUP_FORBIDDEN = set("<>&\"")


@dataclass(frozen=True)
class Problem:
    line: int
    message: str

    def __str__(self) -> str:
        return f"Ligne {self.line} : {self.message}"


@dataclass(frozen=True)
class RosterRow:
    line: int
    first_name: str
    last_name: str
    username: str | None = None
    group: str | None = None
    birth_date: date | None = None


@dataclass
class RosterFile:
    rows: list[RosterRow] = field(default_factory=list)
    # Lines of another class than the one being filled: (line, class name).
    ignored: list[tuple[int, str]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    encoding: str = ""
    separator: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems


def fold(text: str) -> str:
    """Lower case without accents, ligatures or repeated spaces: for comparing names."""
    text = text.replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae").replace("Æ", "AE").replace("ß", "ss")
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return " ".join("".join(c for c in decomposed if not unicodedata.combining(c)).split())


def _header_key(text: str) -> str:
    return " ".join(re.sub(r"[_\-.'’()]", " ", fold(text.replace("\ufeff", ""))).split())


def class_key(name: str) -> str:
    """``2nde 3``, ``2NDE3`` and ``2nde-3`` name the same class."""
    return re.sub(r"[^a-z0-9]", "", fold(name))


# --- bytes to text -------------------------------------------------------------------

def _line_of(data: bytes, position: int) -> int:
    return data.count(b"\n", 0, position) + 1


class DecodeError(ValueError):
    """The file is not text we can read; the message is French, ``line`` where it went wrong."""

    def __init__(self, message: str, line: int = 1) -> None:
        super().__init__(message)
        self.line = line


def decode(data: bytes) -> tuple[str, str]:
    """The file's text and the name of its encoding; raises DecodeError otherwise."""
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise DecodeError(
            "ce fichier est un classeur (.xlsx, .ods ou .xls), pas un fichier CSV : dans le tableur, "
            "choisissez « Enregistrer sous » et le format CSV (séparateur point-virgule)."
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or (
        len(data) >= 4 and ((data[1] == 0 and data[3] == 0) or (data[0] == 0 and data[2] == 0))
    ):
        raise DecodeError(
            "ce fichier est encodé en UTF-16, que l'importation ne lit pas : enregistrez-le au format "
            "« CSV UTF-8 » ou « CSV (séparateur point-virgule) »."
        )
    if b"\x00" in data:
        raise DecodeError(
            "ce fichier n'est pas un fichier texte (il contient des octets nuls) : "
            "exportez la liste des élèves au format CSV."
        )
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "UTF-8"
        except UnicodeDecodeError as error:
            raise DecodeError(
                "le fichier annonce l'encodage UTF-8 mais cette ligne n'en est pas : "
                "enregistrez-le de nouveau au format « CSV UTF-8 ».",
                _line_of(data, error.start + 3),
            ) from None
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError as error:
        raise DecodeError(
            "l'encodage du fichier n'est pas reconnu (ni UTF-8 ni Windows) : "
            "enregistrez-le au format « CSV UTF-8 » ou « CSV (séparateur point-virgule) ».",
            _line_of(data, error.start),
        ) from None


def _control_character_line(text: str) -> int | None:
    for number, line in enumerate(text.split("\n"), start=1):
        if any(unicodedata.category(c) == "Cc" and c not in "\t\r" for c in line):
            return number
    return None


# --- cells -----------------------------------------------------------------------------

def _clean(value: str) -> str:
    return " ".join(unicodedata.normalize("NFC", value).split())


def _formula_problem(raw: str, label: str) -> str | None:
    stripped = raw.lstrip(" ")
    if stripped.startswith(FORMULA_STARTS):
        shown = {"\t": "une tabulation", "\r": "un retour chariot"}.get(stripped[0], f"« {stripped[0]} »")
        return (
            f"la colonne « {label} » commence par {shown}, qu'un tableur prendrait pour le début d'une formule : "
            "corrigez cette cellule."
        )
    return None


def _name_problem(value: str, label: str) -> str | None:
    if not value:
        return f"la colonne « {label} » est vide."
    if len(value) > NAME_MAX:
        return f"la colonne « {label} » dépasse {NAME_MAX} caractères."
    for char in value:
        category = unicodedata.category(char)
        if not (category.startswith("L") or category.startswith("M") or char in NAME_PUNCTUATION):
            return (
                f"la colonne « {label} » contient « {char} », qui n'a pas sa place dans un nom : "
                "seuls les lettres, les espaces, les tirets, les points et les apostrophes sont admis."
            )
    if not any(unicodedata.category(c).startswith("L") for c in value):
        return f"la colonne « {label} » ne contient aucune lettre."
    return None


_DATE_RES = (
    (re.compile(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})"), ("d", "m", "y")),
    (re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})"), ("y", "m", "d")),
)


def parse_birth_date(value: str) -> date:
    """``15/03/2009``, ``15-03-2009``, ``15.03.2009`` or ``2009-03-15``; ValueError otherwise."""
    for pattern, order in _DATE_RES:
        match = pattern.fullmatch(value)
        if match:
            parts = dict(zip(order, (int(g) for g in match.groups())))
            try:
                found = date(parts["y"], parts["m"], parts["d"])
            except ValueError:
                raise ValueError(
                    f"la date de naissance « {value} » est une date impossible "
                    "(ce jour n'existe pas dans ce mois)."
                ) from None
            if not 1900 <= found.year <= date.today().year:
                raise ValueError(
                    f"la date de naissance « {value} » est une date impossible (année hors limites)."
                )
            return found
    raise ValueError(f"la date de naissance « {value} » n'est pas une date au format JJ/MM/AAAA.")


# --- the file ----------------------------------------------------------------------------

def _pick_separator(header_line: str) -> tuple[str, dict[str, int], list[str]]:
    best: tuple[int, str, dict[str, int], list[str]] | None = None
    for separator in (";", ",", "\t"):
        cells = next(csv.reader([header_line], delimiter=separator))
        columns: dict[str, int] = {}
        duplicates: list[str] = []
        for index, cell in enumerate(cells):
            key = HEADERS.get(_header_key(cell))
            if key is None:
                continue
            if key in columns:
                duplicates.append(FIELD_LABELS[key])
            else:
                columns[key] = index
        score = len(columns)
        if best is None or score > best[0]:
            best = (score, separator, columns, duplicates)
    assert best is not None
    return best[1], best[2], best[3]


def read_roster(data: bytes, class_name: str) -> RosterFile:
    """Read and check a roster file for the class named ``class_name``."""
    roster = RosterFile()
    if len(data) > MAX_BYTES:
        roster.problems.append(
            Problem(1, f"le fichier pèse plus de {MAX_BYTES // 1_000_000} Mo : importez une classe à la fois.")
        )
        return roster
    try:
        text, roster.encoding = decode(data)
    except DecodeError as error:
        roster.problems.append(Problem(error.line, str(error)))
        return roster
    bad_line = _control_character_line(text)
    if bad_line is not None:
        roster.problems.append(
            Problem(bad_line, "cette ligne contient des caractères de contrôle : ce n'est pas un fichier texte CSV.")
        )
        return roster
    lines = text.splitlines()
    first = next((number for number, line in enumerate(lines) if line.strip()), None)
    if first is None:
        roster.problems.append(Problem(1, "le fichier est vide : il doit commencer par une ligne d'en-tête (Nom ; Prénom ; Classe)."))
        return roster
    separator, columns, duplicates = _pick_separator(lines[first])
    roster.separator = separator
    header_line = first + 1
    if duplicates:
        roster.problems.append(Problem(header_line, f"la colonne « {duplicates[0]} » apparaît deux fois dans l'en-tête."))
        return roster
    missing = [FIELD_LABELS[key] for key in REQUIRED if key not in columns]
    if missing:
        plural = "s" if len(missing) > 1 else ""
        roster.problems.append(
            Problem(
                header_line,
                f"colonne{plural} manquante{plural} : {', '.join(missing)}. La première ligne doit donner les titres "
                "des colonnes, par exemple « Nom;Prénom;Classe ».",
            )
        )
        return roster
    target = class_key(class_name)
    seen_people: dict[tuple[str, str, date | None], int] = {}
    seen_usernames: dict[str, int] = {}
    reader = csv.reader(lines[first + 1 :], delimiter=separator)
    count = 0
    try:
        for cells in reader:
            line = header_line + reader.line_num
            if not any(cell.strip() for cell in cells):
                continue
            count += 1
            if count > MAX_ROWS:
                roster.problems.append(
                    Problem(
                        line,
                        f"le fichier dépasse {MAX_ROWS} lignes d'élèves : importez une classe à la fois "
                        "(aucune ligne n'a été importée).",
                    )
                )
                break
            row = _read_row(cells, columns, line, target, roster)
            if row is None:
                continue
            person = (fold(row.first_name), fold(row.last_name), row.birth_date)
            if person in seen_people:
                roster.problems.append(
                    Problem(line, f"{row.first_name} {row.last_name} figure déjà à la ligne {seen_people[person]} (ligne en double).")
                )
                continue
            if row.username and row.username in seen_usernames:
                roster.problems.append(
                    Problem(line, f"l'identifiant « {row.username} » figure déjà à la ligne {seen_usernames[row.username]}.")
                )
                continue
            seen_people[person] = line
            if row.username:
                seen_usernames[row.username] = line
            roster.rows.append(row)
    except csv.Error as error:
        roster.problems.append(Problem(header_line + reader.line_num, f"ligne CSV mal formée ({error})."))
    if not roster.problems and not roster.rows:
        if roster.ignored:
            roster.problems.append(
                Problem(header_line, f"aucune ligne ne concerne la classe « {class_name} » (colonne « Classe »).")
            )
        else:
            roster.problems.append(Problem(header_line, "le fichier ne contient que la ligne d'en-tête : aucun élève à importer."))
    return roster


def _read_row(cells: list[str], columns: dict[str, int], line: int, target: str, roster: RosterFile) -> RosterRow | None:
    raw = {key: (cells[index] if index < len(cells) else "") for key, index in columns.items()}
    problems = []
    for key, value in raw.items():
        problem = _formula_problem(value, FIELD_LABELS[key])
        if problem:
            problems.append(problem)
    if problems:
        roster.problems.append(Problem(line, problems[0]))
        return None
    values = {key: _clean(value) for key, value in raw.items()}
    class_name = values["class_name"]
    if not class_name:
        roster.problems.append(Problem(line, "la colonne « Classe » est vide."))
        return None
    if class_key(class_name) != target:
        roster.ignored.append((line, class_name))
        return None
    for key in ("last_name", "first_name"):
        problem = _name_problem(values[key], FIELD_LABELS[key])
        if problem:
            roster.problems.append(Problem(line, problem))
            return None
    username = values.get("username") or None
    if username is not None:
        username = unicodedata.normalize("NFKC", username).lower()
        if not USERNAME_RE.match(username):
            roster.problems.append(
                Problem(
                    line,
                    f"l'identifiant « {values['username']} » n'est pas valable : 2 à 64 lettres minuscules sans accent, "
                    "chiffres, points, tirets ou tirets bas.",
                )
            )
            return None
    birth_date = None
    if values.get("birth_date"):
        try:
            birth_date = parse_birth_date(values["birth_date"])
        except ValueError as error:
            roster.problems.append(Problem(line, str(error)))
            return None
    group = values.get("group") or None
    if group is not None:
        if len(group) > NAME_MAX:
            roster.problems.append(Problem(line, f"la colonne « Groupe » dépasse {NAME_MAX} caractères."))
            return None
        bad = next((c for c in group if c in GROUP_FORBIDDEN), None)
        if bad:
            roster.problems.append(Problem(line, f"la colonne « Groupe » contient « {bad} », qui n'est pas admis."))
            return None
    return RosterRow(
        line=line,
        first_name=values["first_name"],
        last_name=values["last_name"],
        username=username,
        group=group,
        birth_date=birth_date,
    )


# --- usernames ---------------------------------------------------------------------------

def username_base(first_name: str, last_name: str) -> str:
    """``prenom.nom`` in lower case ASCII: accents folded, spaces and hyphens as ``-``."""

    def part(text: str) -> str:
        folded = fold(text).replace("'", "").replace("’", "")
        return re.sub(r"[^a-z0-9]+", "-", folded).strip("-")

    first, last = part(first_name), part(last_name)
    base = ".".join(p for p in (first, last) if p) or "eleve"
    return base[:58].rstrip(".-") or "eleve"
