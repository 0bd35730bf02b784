"""The modules this instance serves, built once per process and kept in memory.

The first request that needs the catalogue builds every module (Markdown is
rendered then, and never again on a request path); a module with errors is
kept aside with its problems, so that administrators see why it is not
served, and the app runs on.
"""

from __future__ import annotations

import datetime
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask, current_app

from lycee_ia.content.kit import kit_hash
from lycee_ia.content.module import Module, build_module, content_hash
from lycee_ia.content.problems import Problem, Problems, Severity


@dataclass
class BrokenModule:
    id: str
    folder: Path
    problems: list[Problem]


@dataclass
class Catalogue:
    root: Path
    modules: dict[str, Module] = field(default_factory=dict)
    broken: dict[str, BrokenModule] = field(default_factory=dict)
    problems: dict[str, list[Problem]] = field(default_factory=dict)  # warnings of served modules

    def for_audience(self, audiences: set[str]) -> list[Module]:
        return [m for m in self.modules.values() if m.audience in audiences]


_DIGITS = re.compile(r"(\d+)")


def curriculum_key(module_id: str) -> tuple:
    """Sort key of the curriculum's order: E1, E2, … E10, then P1 (numbers compared as numbers)."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part) for part in _DIGITS.split(module_id.casefold()) if part)


def in_curriculum_order(modules) -> list[Module]:
    return sorted(modules, key=lambda m: curriculum_key(m.id))


def next_in_curriculum(modules: list[Module], module: Module) -> Module | None:
    """The module after ``module`` among ``modules`` (same audience), in the curriculum's order."""
    ordered = [m for m in in_curriculum_order(modules) if m.audience == module.audience]
    ids = [m.id for m in ordered]
    if module.id not in ids:
        return None
    index = ids.index(module.id)
    return ordered[index + 1] if index + 1 < len(ordered) else None


def module_folders(root: Path) -> list[Path]:
    """The module folders of ``root``: sub-folders holding a module.md."""
    return sorted(p for p in root.iterdir() if p.is_dir() and (p / "module.md").is_file())


def build_catalogue(
    root: Path,
    media_base: str | None = "/modules",
    previous: Catalogue | None = None,
    overlay: Path | None = None,
    today: datetime.date | None = None,
) -> tuple[Catalogue, Problems]:
    """Build every module of ``root``; report duplicate ids across folders.

    Modules of ``previous`` whose content hash has not changed are reused as
    they are: a module version is rendered once, however often the catalogue
    is reloaded. A module folder in ``overlay`` (a laptop's modules installed
    by sync) replaces the folder of the same name in ``root``.
    """
    catalogue = Catalogue(root=root)
    all_problems = Problems()
    built: list[tuple[Module, Problems]] = []
    known = {m.content_hash: m for m in previous.modules.values()} if previous else {}
    folders = {folder.name: folder for folder in module_folders(root)}
    if overlay is not None and overlay.is_dir():
        folders.update({folder.name: folder for folder in module_folders(overlay)})
    for _, folder in sorted(folders.items()):
        problems = Problems()
        cached = known.get(content_hash(folder))
        # The teacher kit is not part of the version: its own hash says whether it changed.
        if cached is not None and cached.folder == folder.resolve() and cached.kit_hash == kit_hash(folder):
            built.append((cached, Problems(previous.problems.get(cached.id, []))))
            continue
        base = f"{media_base}/{folder.name}/media" if media_base is not None else None
        module = build_module(folder, problems, media_base=base, today=today)
        all_problems.extend(problems)
        if module is None or problems.errors:
            catalogue.broken[folder.name] = BrokenModule(folder.name, folder, list(problems))
        else:
            built.append((module, problems))
    counts = Counter(module.id for module, _ in built)
    for module, problems in built:
        if counts[module.id] > 1:
            problem = Problem(
                module.folder / "module.md", 2, Severity.ERROR, f"l'id « {module.id} » est déjà pris par un autre module."
            )
            all_problems.append(problem)
            catalogue.broken[module.folder.name] = BrokenModule(module.id, module.folder, [*problems, problem])
            continue
        catalogue.modules[module.id] = module
        if problems:
            catalogue.problems[module.id] = list(problems)
    return catalogue, all_problems


_lock = threading.Lock()


def synced_modules_dir(app: Flask) -> Path | None:
    """Where a laptop installs the module versions it receives from its server."""
    data_dir = app.config.get("DATA_DIR")
    return Path(data_dir) / "modules" if data_dir else None


INSTALLED_STAMP = ".installed"


def _stamp(app: Flask) -> int | None:
    """When sync last installed a module (possibly from another process, `lycee-ia sync now`)."""
    root = synced_modules_dir(app)
    try:
        return (root / INSTALLED_STAMP).stat().st_mtime_ns if root is not None else None
    except OSError:
        return None


def mark_installed(root: Path) -> None:
    """Tell every process serving this laptop to rebuild its catalogue."""
    (root / INSTALLED_STAMP).write_text(str(time.time_ns()), encoding="ascii")


def get_catalogue(app: Flask | None = None) -> Catalogue:
    """The app's catalogue, built on first use (and again after sync installed a module)."""
    app = app or current_app._get_current_object()
    catalogue = app.extensions.get("lycee_ia.catalogue")
    stamp = _stamp(app)
    if catalogue is None or app.extensions.get("lycee_ia.catalogue_stamp") != stamp:
        with _lock:
            catalogue = app.extensions.get("lycee_ia.catalogue")
            if catalogue is None or app.extensions.get("lycee_ia.catalogue_stamp") != stamp:
                catalogue, _ = build_catalogue(
                    Path(app.config["COURSES_DIR"]), previous=catalogue, overlay=synced_modules_dir(app)
                )
                app.extensions["lycee_ia.catalogue"] = catalogue
                app.extensions["lycee_ia.catalogue_stamp"] = stamp
    return catalogue


def reload_catalogue(app: Flask) -> Catalogue:
    """Rebuild from the files (after a content update)."""
    with _lock:
        catalogue, _ = build_catalogue(
            Path(app.config["COURSES_DIR"]), previous=app.extensions.get("lycee_ia.catalogue"), overlay=synced_modules_dir(app)
        )
        app.extensions["lycee_ia.catalogue"] = catalogue
        app.extensions["lycee_ia.catalogue_stamp"] = _stamp(app)
    return catalogue
