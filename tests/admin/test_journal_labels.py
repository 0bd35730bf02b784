"""The journal speaks French: every action code logged anywhere has a label, and the page shows it."""

from __future__ import annotations

import ast
from pathlib import Path

import lycee_ia
from lycee_ia.admin.labels import ACTION_LABELS
from lycee_ia.db import db
from lycee_ia.admin.services import log_action
from tests.helpers import page_text

SOURCE = Path(lycee_ia.__file__).parent


def _logged_codes() -> dict[str, str]:
    """Every action code passed to log_action in the code base -> where."""
    codes: dict[str, str] = {}
    calls = 0
    for path in SOURCE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
            if name != "log_action":
                continue
            calls += 1
            action = next((k.value for k in node.keywords if k.arg == "action"), node.args[2] if len(node.args) > 2 else None)
            where = f"{path.relative_to(SOURCE)}:{node.lineno}"
            # A literal, or `"a" if ... else "b"` of literals: anything else could hide a code.
            choices = [action.body, action.orelse] if isinstance(action, ast.IfExp) else [action]
            for choice in choices:
                assert isinstance(choice, ast.Constant) and isinstance(choice.value, str), (
                    f"{where}: the action code must be a literal string (so that it gets a label)"
                )
                codes[choice.value] = where
    assert calls > 20, "the scan found too few log_action calls: is it still reading the code?"
    return codes


def test_every_logged_action_code_has_a_french_label():
    missing = {code: where for code, where in _logged_codes().items() if code not in ACTION_LABELS}
    assert not missing, f"action codes without a label in lycee_ia/admin/labels.py: {missing}"


def test_the_journal_shows_labels_not_codes(app, client, login_as, make_user):
    admin = login_as("admin")
    with app.app_context():
        for code in _logged_codes():
            log_action(db.session, db.session.merge(admin), code, "quelqu.un")
        db.session.commit()
    text = page_text(client.get("/admin/journal")).split("<main", 1)[1]
    for code in _logged_codes():
        assert code not in text, code
        assert ACTION_LABELS[code] in text
