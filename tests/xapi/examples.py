"""The example events of docs/XAPI.md, one per verb; ``python -m tests.xapi.examples`` prints their statements."""

from __future__ import annotations

import json
import uuid
from datetime import datetime

from lycee_ia.xapi.statements import Builder, actor_key

BASE_URL = "https://lycee-ia.region.fr"
SECRET_KEY = "example-secret-key-" + "0" * 32
STUDENT_UUID = uuid.UUID("5f0c2f5e-8d0b-4a43-9a40-0d6c1f3b7e21")
ATTEMPT = uuid.UUID("0b6f8a52-3c1e-4c59-9d7e-2a8f5b1c4d90")
MODULE, VERSION = "e1-ia-autour-de-moi", "dfb32406ff7c"


class Event:
    def __init__(self, id: str, verb: str, object_type: str, object_id: str, result=None, context=None,
                 registration=None, occurred_at="2026-11-16T09:14:03.250", recorded_at="2026-11-16T09:14:03.412"):
        self.id = uuid.UUID(id)
        self.user_id = 1
        self.verb, self.object_type, self.object_id = verb, object_type, object_id
        self.module_id, self.module_version = MODULE, VERSION
        self.result, self.context, self.registration = result, context, registration
        self.occurred_at = datetime.fromisoformat(occurred_at)
        self.recorded_at = datetime.fromisoformat(recorded_at)


EXAMPLES = {
    "experienced": Event("6b2746e3-23a9-4e85-9962-747147469a47", "experienced", "section", f"{MODULE}/une-journee"),
    "completed": Event("1d9f0e55-7a36-4f7e-8c1b-6f1a0f3e9b12", "completed", "module", MODULE, result={"completion": True}),
    "attempted": Event(str(ATTEMPT), "attempted", "quiz", MODULE, context={"questions": ["q-ia-ou", "q-tri"]},
                       registration=ATTEMPT),
    "answered": Event("8c4e2d71-5b9a-5f3c-a1e0-3d7b6c9f2a48", "answered", "question", f"{MODULE}/q-ia-ou",
                      result={"response": ["c-3f9a", "c-81be"], "score": 1.0, "success": True, "duration": 12.4},
                      context={"quiz": True}, registration=ATTEMPT),
    "passed": Event("2e7a9c13-4f8b-5d26-b0c4-9a1e3f5d7b80", "passed", "quiz", MODULE,
                    result={"score": 0.8333, "success": True, "mastery": 80}, registration=ATTEMPT),
    "failed": Event("4a1c7e92-8d3f-5b61-9e2a-c5f0b8d3a617", "failed", "quiz", MODULE,
                    result={"score": 0.5, "success": False, "mastery": 80}, registration=ATTEMPT),
    "interacted": Event("9f3b5d17-2c8e-4a60-b7d1-e4a9c2f6b835", "interacted", "lab", f"{MODULE}/labo-classifieur",
                        result={"completion": True}),
}
QUESTION_TYPES = {(MODULE, VERSION): {"q-ia-ou": "multiple", "q-tri": "ordering"}}


def example_builder() -> Builder:
    from lycee_ia.xapi.statements import pseudonym

    key = actor_key(SECRET_KEY)
    return Builder(base_url=BASE_URL, key=key, pseudonyms={1: pseudonym(key, STUDENT_UUID)},
                   question_types=QUESTION_TYPES)


def example_statements() -> dict[str, dict]:
    builder = example_builder()
    return {verb: builder.statement(event) for verb, event in EXAMPLES.items()}


if __name__ == "__main__":
    for verb, statement in example_statements().items():
        print(f"### {verb}\n\n```json\n{json.dumps(statement, indent=2, ensure_ascii=False)}\n```\n")
