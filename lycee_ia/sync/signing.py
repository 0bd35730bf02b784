"""Keys and signed files: USB bundles and module archives.

Ed25519 signatures from ``cryptography`` (pyca), not HMAC: with a public key
the server can check a laptop's bundle without holding anything that could
forge one, and a laptop checks the server's module archives against the key it
pinned at enrolment. Each instance's signing key is derived from its own
SECRET_KEY (HMAC-SHA256 with a fixed label), so nothing new needs storing and
every app node of a server signs with the same key.

A signed file is::

    LYCEE-IA-SIGNED 1\\n
    <header: one line of JSON, with the payload's kind, size and SHA-256>\\n
    <signature of the header line: base64>\\n
    <payload: gzip-compressed JSON>

The signature covers the header, and the header names the payload's size and
hash, so a changed byte anywhere, a truncated file or a file from another
signer is refused before anything in it is used.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import hmac
import io
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

# cryptography is imported where a key is made or a signature checked, not
# with this module: loaded at start it would cost every laptop's server some
# 8 MiB of memory for the whole day, for a file signed once in a while.

MAGIC = b"LYCEE-IA-SIGNED 1\n"
MAX_HEADER = 4096
MAX_PAYLOAD = 64 * 1024 * 1024  # uncompressed, after gzip: a bundle of ~150,000 events
_KEY_LABEL = b"lycee-ia/sync/signing-key/v1"


class SignatureError(ValueError):
    """The file is not a valid signed file; the message (French) says why."""


def _refuse_constant(name: str) -> Any:
    """``parse_constant`` for json.loads: NaN and Infinity are not JSON numbers, refuse them."""
    raise ValueError(f"not a JSON number: {name}")


def signing_key(secret_key: str) -> Ed25519PrivateKey:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    seed = hmac.new(secret_key.encode(), _KEY_LABEL, hashlib.sha256).digest()
    return Ed25519PrivateKey.from_private_bytes(seed)


def public_key_hex(key: Ed25519PrivateKey) -> str:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def gunzip_limited(data: bytes, limit: int) -> bytes:
    """Decompress ``data``, refusing more than ``limit`` bytes (no zip bomb)."""
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as handle:
            out = handle.read(limit + 1)
    except (OSError, EOFError, ValueError):
        raise SignatureError("le contenu compressé est illisible.") from None
    if len(out) > limit:
        raise SignatureError("le contenu dépasse la taille permise.")
    return out


def sign_document(key: Ed25519PrivateKey, kind: str, document: dict[str, Any], **header: Any) -> bytes:
    payload = gzip.compress(json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode(), mtime=0)
    head = {
        "kind": kind,
        "signer": public_key_hex(key),
        "size": len(payload),
        "sha256": hashlib.sha256(payload).hexdigest(),
        **header,
    }
    head_line = json.dumps(head, separators=(",", ":"), sort_keys=True).encode()
    signature = base64.b64encode(key.sign(head_line))
    return MAGIC + head_line + b"\n" + signature + b"\n" + payload


@dataclass(frozen=True)
class SignedFile:
    header: dict[str, Any]
    document: dict[str, Any]


def read_header(data: bytes) -> tuple[dict[str, Any], bytes, bytes, bytes]:
    """Split a signed file into (header, header line, signature, payload) without trusting it."""
    if not data.startswith(MAGIC):
        raise SignatureError("ce fichier n'est pas un paquet Lycée IA.")
    rest = data[len(MAGIC) :]
    head_line, sep, rest = rest.partition(b"\n")
    signature_line, sep2, payload = rest.partition(b"\n")
    if not sep or not sep2 or len(head_line) > MAX_HEADER:
        raise SignatureError("le fichier est incomplet ou abîmé.")
    try:
        header = json.loads(head_line, parse_constant=_refuse_constant)
        signature = base64.b64decode(signature_line, validate=True)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise SignatureError("l'en-tête du fichier est abîmé.") from None
    # b64decode ignores the unused low bits of the last digit before "=": "Q=="
    # and "R==" decode alike. Only the canonical spelling is accepted, so that
    # any changed byte of the file is refused, as documented above.
    if base64.b64encode(signature) != signature_line:
        raise SignatureError("l'en-tête du fichier est abîmé.")
    if not isinstance(header, dict) or not isinstance(header.get("size"), int) or not isinstance(header.get("sha256"), str):
        raise SignatureError("l'en-tête du fichier est abîmé.")
    return header, head_line, signature, payload


def verify_document(data: bytes, public_key: str, kind: str) -> SignedFile:
    """Check the signature, size and hash of a signed file; return its document."""
    return verify_document_by_any(data, [public_key], kind)[0]


def verify_document_by_any(data: bytes, public_keys: list[str], kind: str) -> tuple[SignedFile, str]:
    """Like :func:`verify_document`, for a file that one of ``public_keys`` may have signed.

    Returns the document and the key that signed it. The payload is hashed and
    read once, whatever the number of keys tried.
    """
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    header, head_line, signature, payload = read_header(data)
    signer = None
    for public_key in public_keys:
        try:
            Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key)).verify(signature, head_line)
        except (InvalidSignature, ValueError):
            continue
        signer = public_key
        break
    if signer is None:
        raise SignatureError(
            "la signature ne correspond pas : le fichier a été modifié, ou il ne vient pas de l'appareil attendu."
        )
    if header.get("kind") != kind:
        raise SignatureError("ce fichier n'est pas du type attendu.")
    if len(payload) != header["size"]:
        raise SignatureError("le fichier est incomplet (tronqué) : copiez-le de nouveau depuis l'ordinateur.")
    if not hmac.compare_digest(hashlib.sha256(payload).hexdigest(), header["sha256"]):
        raise SignatureError("le contenu du fichier a été modifié depuis sa signature.")
    try:
        document = json.loads(gunzip_limited(payload, MAX_PAYLOAD), parse_constant=_refuse_constant)
    except (ValueError, RecursionError):
        raise SignatureError("le contenu du fichier est illisible.") from None
    if not isinstance(document, dict):
        raise SignatureError("le contenu du fichier est illisible.")
    return SignedFile(header, document), signer


# --- proof of the device key on a request ------------------------------------------------

PROOF_HEADER = "X-Lycee-IA-Proof"


def proof_message(token: str, sent_at: str) -> bytes:
    """What a laptop signs with its device key to ask for its state: bound to its token and its clock."""
    digest = hashlib.sha256(token.encode()).hexdigest()
    return b"lycee-ia/sync/state-proof/v1\n" + digest.encode() + b"\n" + sent_at.encode()
