"""A USB bundle with any one byte changed is refused (issue 11, item 17).

The signature line is base64: its last digit before ``==`` carries unused low
bits that a lenient decoder ignores, so « Q== » and « R== » used to decode to
the same signature and a changed file passed. Every byte of a real bundle,
and every other digit in every position of its signature line, is tried here.
"""

from __future__ import annotations

import base64
import string

import pytest

from lycee_ia.accounts.models import Role
from lycee_ia.db import db
from lycee_ia.events.services import get_device_id
from lycee_ia.sync import laptop as laptop_services
from lycee_ia.sync import signing
from lycee_ia.sync.runner import device_key, enrol_laptop
from lycee_ia.sync.server import SyncError, import_events_bundle
from tests.helpers import TEST_PASSWORD
from tests.sync.conftest import app_config, laptop_template, make_laptop, server_courses, server_session, server_url  # noqa: F401
from tests.sync.support import server_event_ids

ALPHABET = (string.ascii_uppercase + string.ascii_lowercase + string.digits + "+/").encode()


@pytest.fixture
def real_bundle(make_user, make_laptop, server_url):  # noqa: F811
    """A bundle exported by a real enrolled laptop, and the laptop's public key."""
    make_user(Role.STUDENT, username="lea")
    laptop = make_laptop()
    enrol_laptop(laptop.app, server_url, "lea", TEST_PASSWORD)
    laptop.make_events("lea", 3)
    with laptop.app.app_context():
        key = device_key(laptop.app)
        data, count = laptop_services.export_bundle(db.session, key, get_device_id(db.session))
        db.session.rollback()
    assert count == 3
    return data, signing.public_key_hex(key)


def _signature_span(data: bytes) -> tuple[int, int]:
    start = data.index(b"\n", len(signing.MAGIC)) + 1
    return start, data.index(b"\n", start)


def _refused(data: bytes, public_key: str) -> bool:
    try:
        signing.verify_document(data, public_key, "events")
    except signing.SignatureError:
        return True
    return False


def test_the_untouched_bundle_is_accepted(real_bundle):
    data, public_key = real_bundle
    assert signing.verify_document(data, public_key, "events").document["accounts"]


def test_every_other_digit_of_the_signature_line_is_refused(real_bundle):
    data, public_key = real_bundle
    start, end = _signature_span(data)
    line = data[start:end]
    assert line.endswith(b"==")  # 64 bytes: the last digit has 4 unused bits
    accepted = []
    for position in range(len(line)):
        for digit in ALPHABET + b"=":
            if digit == line[position]:
                continue
            changed = bytearray(data)
            changed[start + position] = digit
            if not _refused(bytes(changed), public_key):
                accepted.append((position, chr(digit)))
    assert accepted == []


def test_every_byte_of_the_bundle_flipped_is_refused(real_bundle):
    data, public_key = real_bundle
    accepted = []
    for position in range(len(data)):
        for mask in (0x01, 0x02, 0x03, 0x80):
            changed = bytearray(data)
            changed[position] ^= mask
            if not _refused(bytes(changed), public_key):
                accepted.append((position, mask))
    assert accepted == []


def test_the_server_refuses_a_bundle_whose_last_signature_digit_changed(app, real_bundle, server_session):  # noqa: F811
    data, _ = real_bundle
    _, end = _signature_span(data)
    last = end - 3  # the digit before "=="
    changed = bytearray(data)
    # Same two significant bits, other unused bits: a lenient decoder reads the same signature.
    value = ALPHABET.index(changed[last])
    changed[last] = ALPHABET[(value & 0b110000) | ((value + 1) & 0b001111)]
    assert base64.b64decode(bytes(changed[end - 88 : end])) == base64.b64decode(data[end - 88 : end])
    with pytest.raises(SyncError, match="Paquet refusé"):
        import_events_bundle(server_session, bytes(changed), actor=None)
    server_session.rollback()
    assert server_event_ids(server_session) == set()
