"""The mapping of events to xAPI statements, its documentation, the export to a file, the settings."""

from __future__ import annotations

import json
import re
import stat
import uuid
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from config import ConfigError, load_config
from lycee_ia.db import db
from lycee_ia.events.models import LearningEvent
from lycee_ia.events.services import NewEvent, record_events
from lycee_ia.xapi.statements import actor_key, format_response, interaction_type, pseudonym, statements_for
from tests.xapi.examples import EXAMPLES, example_statements
from tests.xapi.ralph import validate_with_ralph

ROOT = Path(__file__).resolve().parent.parent.parent
ALL_VERBS = {"experienced", "attempted", "answered", "passed", "failed", "completed", "interacted"}


def _documented_examples() -> dict[str, dict]:
    text = (ROOT / "docs" / "XAPI.md").read_text(encoding="utf-8")
    examples_part = text.split("## Examples", 1)[1]
    return {
        verb: json.loads(block)
        for verb, block in re.findall(r"^### (\w+)\n\n```json\n(.*?)\n```", examples_part, re.S | re.M)
    }


def test_the_documented_examples_are_what_the_mapping_builds_and_valid_for_ralph(ralph_venv):
    documented = _documented_examples()
    assert set(documented) == ALL_VERBS == set(EXAMPLES)
    assert documented == example_statements()
    assert validate_with_ralph(ralph_venv, list(documented.values())) == []
    for verb, statement in documented.items():
        assert statement["id"] == str(EXAMPLES[verb].id)
        assert statement["verb"]["id"] == f"http://adlnet.gov/expapi/verbs/{verb}"


def test_ralph_s_model_refuses_a_broken_statement(ralph_venv):
    """The validation used above can fail: a statement without an actor IFI is refused."""
    broken = example_statements()["answered"]
    broken["actor"] = {"objectType": "Agent", "name": "Camille Martin"}
    errors = validate_with_ralph(ralph_venv, [broken])
    assert [e["id"] for e in errors] == [broken["id"]]


@pytest.mark.parametrize(
    ("question_type", "response", "kind", "expected"),
    [
        ("single", "c-1a2b", "choice", "c-1a2b"),
        ("multiple", ["c-1", "c-2"], "choice", "c-1[,]c-2"),
        ("multiple", [], "choice", None),
        ("truefalse", False, "true-false", "false"),
        ("ordering", ["i-3", "i-1", "i-2"], "sequencing", "i-3[,]i-1[,]i-2"),
        ("matching", {"l-2": "r-9", "l-1": "r-8"}, "matching", "l-1[.]r-8[,]l-2[.]r-9"),
        ("numeric", "3,14", "numeric", "3.14"),
        ("numeric", " 1 500 ", "numeric", "1500"),
        ("numeric", "beaucoup", "numeric", None),
        ("short", "Un réseau de neurones", "fill-in", "Un réseau de neurones"),
        ("scale", 2, "likert", "2"),
        (None, True, "true-false", "true"),
        (None, {"a": "b"}, "matching", "a[.]b"),
    ],
)
def test_responses_follow_the_xapi_interaction_formats(question_type, response, kind, expected):
    assert interaction_type(question_type, response) == kind
    assert format_response(kind, response) == expected


def test_the_pseudonym_is_stable_per_platform_and_opaque():
    user = uuid.uuid4()
    key = actor_key("a" * 64)
    assert pseudonym(key, user) == pseudonym(actor_key("a" * 64), user)
    assert pseudonym(key, user) != pseudonym(actor_key("b" * 64), user)  # another platform
    assert pseudonym(key, user) != pseudonym(key, uuid.uuid4())
    assert re.fullmatch(r"[0-9a-f]{32}", pseudonym(key, user))
    assert user.hex[:32] != pseudonym(key, user)


def _record(app, make_user, **student_fields):
    student = make_user("eleve", email="camille.martin@example.org", first_name="Camille", last_name="Martin",
                        **student_fields)
    attempt = uuid.uuid4()
    with app.app_context():
        events = [
            NewEvent(user_id=student.id, verb="attempted", object_type="quiz", object_id="m1", module_id="m1",
                     module_version="v1", id=attempt, registration=attempt,
                     occurred_at=datetime(2026, 9, 1, 8, 0)),
            NewEvent(user_id=student.id, verb="answered", object_type="question", object_id="m1/q 1/é",
                     module_id="m1", module_version="v1", registration=attempt, context={"quiz": True},
                     result={"response": "42", "score": 0.5, "success": False},
                     occurred_at=datetime(2026, 9, 1, 8, 1)),
            NewEvent(user_id=student.id, verb="experienced", object_type="section", object_id="m1/s1",
                     module_id="m1", module_version="v1", occurred_at=datetime(2026, 9, 2, 23, 59)),
            NewEvent(user_id=student.id, verb="completed", object_type="module", object_id="m1",
                     module_id="m1", module_version="v1", result={"completion": True},
                     occurred_at=datetime(2026, 9, 3, 0, 0)),
        ]
        record_events(db.session, events)
        db.session.commit()
    return student, events


def test_a_statement_carries_the_event_and_nothing_that_names_the_learner(app, make_user):
    student, events = _record(app, make_user)
    with app.app_context():
        rows = {e.id: e for e in db.session.scalars(select(LearningEvent))}
        statements = statements_for(db.session, app.config, [rows[e.id] for e in events])
    attempted, answered, experienced, completed = statements
    assert [s["id"] for s in statements] == [str(e.id) for e in events]
    text = json.dumps(statements, ensure_ascii=False).lower()
    for personal in (student.username, "camille", "martin", "example.org", str(student.uuid)):
        assert personal.lower() not in text
    assert answered["object"]["id"] == "https://lycee-ia.test/xapi/activities/module/m1/question/q%201%2F%C3%A9"
    assert answered["context"]["registration"] == attempted["context"]["registration"] == str(events[0].id)
    assert answered["result"] == {"response": "42", "score": {"scaled": 0.5}, "success": False}
    assert answered["context"]["extensions"]["https://lycee-ia.test/xapi/extensions/module-version"] == "v1"
    assert answered["timestamp"] == "2026-09-01T08:01:00.000Z"
    assert experienced["object"]["definition"]["type"] == "http://adlnet.gov/expapi/activities/lesson"
    assert "registration" not in experienced["context"]
    assert completed["result"] == {"completion": True}


def test_export_writes_the_statements_of_the_chosen_days_to_a_private_file(app, make_user, tmp_path, ralph_venv):
    _, events = _record(app, make_user)
    out = tmp_path / "traces.jsonl"
    result = app.test_cli_runner().invoke(args=["xapi", "export", "--from", "2026-09-01", "--to", "2026-09-02",
                                                "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "3 trace(s) xAPI écrite(s)" in result.output
    lines = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [s["id"] for s in lines] == [str(e.id) for e in events[:3]]  # the 3rd of September is left out
    with app.app_context():
        rows = {e.id: e for e in db.session.scalars(select(LearningEvent))}
        assert lines == statements_for(db.session, app.config, [rows[e.id] for e in events[:3]])
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert validate_with_ralph(ralph_venv, lines) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--from", "01/09/2026", "--to", "2026-09-02"], "n'est pas une date"),
        (["--from", "2026-09-03", "--to", "2026-09-02"], "le dernier jour précède le premier"),
    ],
)
def test_export_refuses_bad_dates_in_french(app, tmp_path, args, message):
    out = tmp_path / "traces.jsonl"
    result = app.test_cli_runner().invoke(args=["xapi", "export", *args, "--out", str(out)])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_export_without_a_public_address_says_what_to_set(app, tmp_path):
    app.config["PUBLIC_URL"] = None
    out = tmp_path / "vide.jsonl"
    result = app.test_cli_runner().invoke(args=["xapi", "export", "--from", "2026-09-01", "--to", "2026-09-01",
                                                "--out", str(out)])
    assert result.exit_code == 1 and "LYCEE_IA_PUBLIC_URL manque" in result.output
    assert not out.exists()


def test_forward_is_refused_on_a_laptop_and_without_an_lrs(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["xapi", "forward"])
    assert result.exit_code == 1 and "LYCEE_IA_LRS_URL manque" in result.output
    app.config["SYNC_ROLES"] = frozenset({"laptop"})
    app.config["LRS_URL"] = "http://127.0.0.1:9"
    result = runner.invoke(args=["xapi", "forward"])
    assert result.exit_code == 1 and "ordinateur portable" in result.output


def test_forward_reports_an_unreachable_lrs_and_keeps_the_queue(app, make_user):
    from lycee_ia.xapi.forwarder import pending_count

    app.config.update(LRS_URL="http://127.0.0.1:9", XAPI_QUEUE=True, LRS_TIMEOUT=5)
    _record(app, make_user)
    result = app.test_cli_runner().invoke(args=["xapi", "forward"])
    assert result.exit_code == 1
    assert "Envoi interrompu" in result.output and "restent en attente" in result.output
    with app.app_context():
        assert pending_count(db.session) == 4


def _server_env(**extra):
    env = {"LYCEE_IA_MODE": "server", "DATABASE_URL": "postgresql://u@localhost/db", "SECRET_KEY": "s" * 40}
    env.update(extra)
    return env


def test_server_settings_of_the_lrs(tmp_path):
    settings = load_config(_server_env(LYCEE_IA_LRS_URL="https://lrs.region.fr/", LYCEE_IA_PUBLIC_URL="https://lycee-ia.region.fr",
                                       LYCEE_IA_LRS_USERNAME="lycee", LYCEE_IA_LRS_PASSWORD="secret"))
    assert settings["LRS_URL"] == "https://lrs.region.fr" and settings["XAPI_QUEUE"] is True
    assert settings["PUBLIC_URL"] == "https://lycee-ia.region.fr"
    assert load_config(_server_env())["XAPI_QUEUE"] is False
    with pytest.raises(ConfigError, match="LYCEE_IA_PUBLIC_URL manque"):
        load_config(_server_env(LYCEE_IA_LRS_URL="https://lrs.region.fr"))
    with pytest.raises(ConfigError, match="LYCEE_IA_LRS_URL vaut"):
        load_config(_server_env(LYCEE_IA_LRS_URL="ftp://lrs", LYCEE_IA_PUBLIC_URL="https://x.fr"))
    with pytest.raises(ConfigError, match="vont ensemble"):
        load_config(_server_env(LYCEE_IA_LRS_URL="https://lrs.fr", LYCEE_IA_PUBLIC_URL="https://x.fr",
                                LYCEE_IA_LRS_USERNAME="lycee"))


def test_a_laptop_refuses_an_lrs(tmp_path):
    with pytest.raises(ConfigError, match="n'envoie jamais de traces"):
        load_config({"LYCEE_IA_MODE": "laptop", "LYCEE_IA_DATA_DIR": str(tmp_path),
                     "LYCEE_IA_LRS_URL": "https://lrs.region.fr"})


def test_export_by_reception_day_catches_a_late_laptop_event(app, make_user, tmp_path):
    """An event that happened in August but reached the server in September is in September's export --by stored."""
    from sqlalchemy import update

    _, events = _record(app, make_user)
    with app.app_context():
        db.session.execute(update(LearningEvent).values(recorded_at=datetime(2026, 10, 1, 12, 0)))
        db.session.execute(update(LearningEvent).where(LearningEvent.id == events[0].id)
                           .values(recorded_at=datetime(2026, 9, 15, 7, 0), occurred_at=datetime(2026, 8, 20)))
        db.session.commit()
    runner = app.test_cli_runner()
    by_day = {}
    for by in ("timestamp", "stored"):
        out = tmp_path / f"{by}.jsonl"
        result = runner.invoke(args=["xapi", "export", "--from", "2026-09-01", "--to", "2026-09-30", "--by", by,
                                     "--out", str(out)])
        assert result.exit_code == 0, result.output
        by_day[by] = [json.loads(line)["id"] for line in out.read_text(encoding="utf-8").splitlines()]
    assert by_day["timestamp"] == [str(e.id) for e in events[1:]]
    assert by_day["stored"] == [str(events[0].id)]
