"""Problems found in content files, reported as ``file:line: message``."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path


class Severity(StrEnum):
    ERROR = "erreur"
    WARNING = "avertissement"


@dataclass(frozen=True, order=True)
class Problem:
    """One problem in a content file. ``message`` is French, for authors."""

    path: Path
    line: int
    severity: Severity
    message: str

    def format(self, root: Path | None = None) -> str:
        shown = self.path
        if root is not None:
            try:
                shown = self.path.resolve().relative_to(root.resolve())
            except ValueError:
                pass
        return f"{shown}:{self.line}: {self.severity}: {self.message}"


class Problems(list[Problem]):
    """A list of problems with helpers to add them."""

    def error(self, path: Path, line: int, message: str) -> None:
        self.append(Problem(path, line, Severity.ERROR, message))

    def warning(self, path: Path, line: int, message: str) -> None:
        self.append(Problem(path, line, Severity.WARNING, message))

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self if p.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self if p.severity is Severity.WARNING]
