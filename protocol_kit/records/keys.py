"""People and their signing keys: Ed25519 key pairs, a passphrase, and a registry in the store.

- ``protocol-kit keys init --name NAME`` (:func:`init_key`) makes an Ed25519 key pair. The
  private key is kept encrypted with the person's passphrase (PKCS#8 PEM, ``cryptography``'s
  ``BestAvailableEncryption``) in one file per person in the key folder
  (:func:`key_dir`: ``$PROTOCOL_KIT_CONFIG_DIR/keys``, else ``~/.config/protocol_kit/keys``);
  the file also holds the name and the public key. That PEM is PBES2: AES-256-CBC with a
  key from PBKDF2-HMAC-SHA256 at 2,048 rounds (as cryptography 51 writes it; PKCS#8 takes no
  round count), so the file is written 0600 and a passphrase needs 8 characters or more.
- Signing needs both components of 21 CFR 11.200(a)(1): the name (which key file) and the
  passphrase (which decrypts it). ``passphrase=None`` reads ``$PROTOCOL_KIT_PASSPHRASE``.
- The store keeps a registry of public keys by name (:func:`register_key`): a table of its own,
  hash-chained like a run's events (each entry's hash is :func:`~.events.event_hash` over the
  previous hash, the registry id :data:`REGISTRY`, seq, time, name, type and payload). A key is
  registered by ``keys init --store``, ``keys register``, or on its first signature in the
  store; a store that already holds a different key for the name refuses it.
- A signature event carries ``public_key`` and ``signature`` (base64): Ed25519 over
  :func:`signed_message` (run id, record hash, covers seq, meaning, time, name).
  :func:`check_signatures` proves each one valid for its key and its key the one registered
  for the name; :func:`check_registry` proves the registry's chain.
"""
from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ..errors import ParameterError, ProtocolKitError
from .events import GENESIS, SIGNATURE, canonical_json, event_hash, utc_now
from .verify import Problem, Row

if TYPE_CHECKING:
    from .store import Store

CONFIG_ENV = "PROTOCOL_KIT_CONFIG_DIR"
PASSPHRASE_ENV = "PROTOCOL_KIT_PASSPHRASE"
KEY_FORMAT = "protocol_kit.key/1"
REGISTRY = "@keys"  # the registry's id in its hashes and in verify's problems
KEY_REGISTERED = "key_registered"
MIN_PASSPHRASE = 8

# -- the key folder ------------------------------------------------------------------------------
def key_dir() -> Path:
    """Where private keys live: ``$PROTOCOL_KIT_CONFIG_DIR/keys`` if set, else
    ``$XDG_CONFIG_HOME/protocol_kit/keys`` (default ``~/.config/protocol_kit/keys``)."""
    env = os.environ.get(CONFIG_ENV, "").strip()
    if env:
        return Path(env) / "keys"
    xdg = os.environ.get("XDG_CONFIG_HOME", "").strip()
    return (Path(xdg) if xdg else Path.home() / ".config") / "protocol_kit" / "keys"


def check_name(name: object) -> str:
    """A signer's name: non-empty text, stripped."""
    if not isinstance(name, str) or not name.strip():
        raise ParameterError("name", name, "the signer's name, e.g. 'A. Smith'",
                             reason="is empty" if isinstance(name, str) else "is not text")
    return name.strip()


def key_path(name: str) -> Path:
    """The key file of ``name``: a readable slug of the name plus 10 hex of its SHA-256, so two
    names never share a file and no name escapes the folder."""
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40] or "key"
    return key_dir() / f"{slug}-{hashlib.sha256(name.encode('utf-8')).hexdigest()[:10]}.json"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: object, size: int | None = None) -> bytes | None:
    """Base64 text decoded, or None when it is not (strict alphabet; ``size`` bytes if given)."""
    if not isinstance(text, str):
        return None
    try:
        data = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return None
    return data if size is None or len(data) == size else None


def public_key_text(key: Ed25519PublicKey) -> str:
    """Base64 of the raw 32-byte public key (as signature events and receipts hold it)."""
    return _b64(key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))


def fingerprint(public_key: str) -> str:
    """A short name for a public key: the first 16 hex of the SHA-256 of its raw bytes."""
    raw = _unb64(public_key) or public_key.encode("utf-8", "replace")
    return hashlib.sha256(raw).hexdigest()[:16]


def passphrase_from(passphrase: str | None) -> str:
    """The passphrase given, else ``$PROTOCOL_KIT_PASSPHRASE``; refuses when neither is set."""
    if passphrase is None:
        passphrase = os.environ.get(PASSPHRASE_ENV)
    if not passphrase:
        raise ProtocolKitError(f"signing needs the signer's passphrase: pass passphrase=..., or set "
                               f"${PASSPHRASE_ENV} (the command line asks for it when run in a terminal)")
    return passphrase


@dataclass(frozen=True)
class SigningKey:
    """A person's decrypted private key, with the name it belongs to."""

    name: str
    private: Ed25519PrivateKey
    path: Path

    @property
    def public_key(self) -> str:
        return public_key_text(self.private.public_key())

    def sign(self, message: bytes) -> str:
        return _b64(self.private.sign(message))


def init_key(name: str, passphrase: str | None = None) -> Path:
    """Make ``name``'s key pair and write it to :func:`key_path` (mode 0600); refuses a name
    that has a key already (a new key would orphan the signatures made with the old one)."""
    name = check_name(name)
    passphrase = passphrase_from(passphrase)
    if len(passphrase) < MIN_PASSPHRASE:
        raise ParameterError("passphrase", "(hidden)", f"at least {MIN_PASSPHRASE} characters",
                             reason=f"is {len(passphrase)} characters long")
    path = key_path(name)
    if path.exists():
        raise ProtocolKitError(f"keys: {name!r} has a key already ({path}); sign with it, or register it in a "
                               f"store with: protocol-kit keys register --name {_quote(name)} --store FILE")
    private = Ed25519PrivateKey.generate()
    pem = private.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.BestAvailableEncryption(passphrase.encode("utf-8")))
    doc = {"format": KEY_FORMAT, "name": name, "public_key": public_key_text(private.public_key()),
           "created": utc_now(), "private_key": pem.decode("ascii")}
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1, ensure_ascii=False)
    return path


def _quote(name: str) -> str:
    """The name as typed in a shell command: in double quotes."""
    return '"' + name.replace('"', '\\"') + '"'



def _read_key_file(name: str) -> tuple[Path, dict]:
    path = key_path(name)
    if not path.is_file():
        raise ProtocolKitError(f"keys: no signing key for {name!r} in {path.parent}; make one with: "
                               f"protocol-kit keys init --name {_quote(name)}")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        ok = doc.get("format") == KEY_FORMAT and all(isinstance(doc.get(k), str)
                                                     for k in ("name", "public_key", "private_key"))
    except (OSError, ValueError, AttributeError):
        ok = False
    if not ok:
        raise ProtocolKitError(f"keys: {path} is not a protocol_kit key file (format {KEY_FORMAT}, with name, "
                               "public_key and private_key)")
    return path, doc


def load_key(name: str, passphrase: str | None = None) -> SigningKey:
    """``name``'s private key, decrypted with ``passphrase`` (None: ``$PROTOCOL_KIT_PASSPHRASE``).
    Refuses a missing key, a wrong passphrase, and a file that belongs to another name or whose
    public key is not the private key's."""
    name = check_name(name)
    path, doc = _read_key_file(name)
    if doc["name"] != name:
        raise ProtocolKitError(f"keys: {path} belongs to {doc['name']!r}, not {name!r}; {name!r} cannot sign with it")
    secret = passphrase_from(passphrase)
    try:
        private = serialization.load_pem_private_key(doc["private_key"].encode("ascii"), secret.encode("utf-8"))
    except (ValueError, TypeError, UnicodeEncodeError):
        raise ProtocolKitError(f"keys: wrong passphrase for {name!r} (key {path})") from None
    if not isinstance(private, Ed25519PrivateKey):
        raise ProtocolKitError(f"keys: {path} does not hold an Ed25519 key")
    key = SigningKey(name, private, path)
    if key.public_key != doc["public_key"]:
        raise ProtocolKitError(f"keys: {path}: its public key is not its private key's; the file was altered")
    return key


# -- the signed message --------------------------------------------------------------------------
def signed_message(run_id: str, record_hash: str, covers_seq: int, meaning: str, time: str, name: str) -> bytes:
    """The bytes a signature signs (SPEC12): canonical JSON of run id, record hash, covers seq,
    meaning, time and name."""
    return canonical_json({"run_id": run_id, "record_hash": record_hash, "covers_seq": covers_seq,
                           "meaning": meaning, "time": time, "name": name}).encode("utf-8")


def signature_valid(public_key: object, signature: object, message: bytes) -> bool:
    """Whether ``signature`` (base64) is ``public_key``'s (base64, raw 32 bytes) over ``message``."""
    raw_key, raw_sig = _unb64(public_key, 32), _unb64(signature, 64)
    if raw_key is None or raw_sig is None:
        return False
    try:
        Ed25519PublicKey.from_public_bytes(raw_key).verify(raw_sig, message)
    except (InvalidSignature, ValueError):
        return False
    return True


# -- the registry in the store -------------------------------------------------------------------
def registry_rows(store: Store) -> list[Row]:
    """The registry's entries as rows (run id :data:`REGISTRY`), in seq order; [] when none."""
    con = store._con
    if not con.has_table("keys"):
        return []
    cur = con.execute("SELECT seq, time, operator, type, payload, prev_hash, hash FROM keys ORDER BY seq")
    return [Row(REGISTRY, *r) for r in cur]


def registered_keys(rows: Iterable[Row]) -> dict[str, list[str]]:
    """Public keys by name, in the order registered (rows that do not parse are left to
    :func:`check_registry`)."""
    out: dict[str, list[str]] = {}
    for row in rows:
        try:
            p = json.loads(row.payload)
            name, key = p["name"], p["public_key"]
        except (ValueError, TypeError, KeyError):
            continue
        if isinstance(name, str) and isinstance(key, str):
            out.setdefault(name, []).append(key)
    return out


def register_in(con, name: str, public_key: str, store_path: object = "") -> bool:
    """Inside a write transaction on ``con``: register ``public_key`` for ``name`` unless it is
    already; refuse when the store holds another key for ``name``. Returns True if written."""
    rows = [Row(REGISTRY, *r) for r in con.execute(
        "SELECT seq, time, operator, type, payload, prev_hash, hash FROM keys ORDER BY seq")]
    known = registered_keys(rows).get(name, [])
    if public_key in known:
        return False
    if known:
        raise ProtocolKitError(
            f"keys: the store {store_path} holds another key for {name!r} (fingerprint {fingerprint(known[0])}), "
            f"not this one ({fingerprint(public_key)}); {name!r} signs here only with the registered key")
    seq, prev = (rows[-1].seq + 1, rows[-1].hash) if rows else (1, GENESIS)
    time = utc_now()
    payload = {"name": name, "public_key": public_key}
    digest = event_hash(prev, REGISTRY, seq, time, name, KEY_REGISTERED, payload)
    con.execute("INSERT INTO keys (seq, time, operator, type, payload, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (seq, time, name, KEY_REGISTERED, canonical_json(payload), prev, digest))
    return True


def register_key(store: Store, name: str, public_key: str) -> bool:
    """Register ``name``'s public key in ``store`` (one transaction); True if newly written."""
    with store._write(REGISTRY) as con:
        return register_in(con, check_name(name), public_key, store.location)


def register_signers(con, rows: Iterable[Row], store_path: object = "") -> None:
    """Inside an import's transaction: register the key of each signature of ``rows`` whose
    signer has none in this store; a signer registered here with another key is refused."""
    for row in rows:
        if row.type != SIGNATURE:
            continue
        try:
            p = json.loads(row.payload)
        except ValueError:
            continue
        if isinstance(p, dict) and isinstance(p.get("name"), str) and isinstance(p.get("public_key"), str):
            register_in(con, p["name"], p["public_key"], store_path)


# -- verify --------------------------------------------------------------------------------------
def check_registry(rows: Iterable[Row]) -> list[Problem]:
    """Problems in the key registry's chain: gaps, broken links, altered entries, malformed
    entries, a name registered twice (the registry never takes a second key for a name)."""
    problems: list[Problem] = []
    expected, prev = 1, GENESIS
    seen: dict[str, int] = {}
    for row in rows:
        def bad(what: str, row=row) -> None:
            problems.append(Problem(REGISTRY, row.seq, f"key registry: {what}"))

        if row.seq != expected:
            bad(f"sequence gap: expected entry {expected}, found {row.seq} (entries removed?)")
        if row.prev_hash != prev:
            bad(f"link broken: previous-hash is {str(row.prev_hash)[:12]}..., the entry before has {prev[:12]}...")
        try:
            payload = json.loads(row.payload)
            computed = event_hash(row.prev_hash, REGISTRY, row.seq, row.time, row.operator, row.type, payload)
        except (TypeError, ValueError):
            bad("entry is not valid JSON")
        else:
            if computed != row.hash:
                bad(f"content altered: stored hash {str(row.hash)[:12]}..., content hashes to {computed[:12]}...")
            name = payload.get("name") if isinstance(payload, dict) else None
            if row.type != KEY_REGISTERED or not isinstance(name, str) or _unb64(payload.get("public_key"), 32) is None:
                bad("malformed entry (expected a key_registered entry with name and a 32-byte public_key)")
            elif name in seen:
                bad(f"a second key for {name!r} (first registered at entry {seen[name]})")
            else:
                seen[name] = row.seq
        expected, prev = row.seq + 1, str(row.hash)
    return problems


def check_signatures(rows: Iterable[Row], registry: Mapping[str, list[str]]) -> list[Problem]:
    """Each signature event of a run (rows in seq order) is signed by a key: its ``signature``
    is valid Ed25519 by its ``public_key`` over :func:`signed_message` built from the event
    (run id, record_hash, covers_seq, meaning, the event's time, name), and that public key is
    the one ``registry`` (:func:`registered_keys`) holds for the name."""
    problems: list[Problem] = []
    for row in rows:
        if row.type != SIGNATURE:
            continue

        def bad(what: str, row=row) -> None:
            problems.append(Problem(row.run_id, row.seq, what))

        try:
            p = json.loads(row.payload)
            name, meaning = p["name"], p["meaning"]
            message = signed_message(row.run_id, p["record_hash"], p["covers_seq"], meaning, row.time, name)
        except (ValueError, TypeError, KeyError, AttributeError):
            bad("signature event is malformed (needs name, meaning, record_hash, covers_seq)")
            continue
        key, sig = p.get("public_key"), p.get("signature")
        if key is None or sig is None:
            bad(f"signature by {name!r} ({meaning}) carries no key: anyone could have typed the name")
            continue
        if not signature_valid(key, sig, message):
            bad(f"signature by {name!r} ({meaning}) is not valid for its public key {fingerprint(str(key))} "
                "(the signed fields were changed, or the signature was not made with that key)")
        known = registry.get(name, []) if isinstance(name, str) else []
        if not known:
            bad(f"no key is registered in this store for {name!r}, the signer")
        elif key not in known:
            bad(f"signature by {name!r} was made with key {fingerprint(str(key))}, not the key registered for "
                f"{name!r} in this store ({fingerprint(known[0])})")
    return problems
