"""Issue 12, items 1-3: signatures bound to people (Ed25519 keys unlocked by a passphrase),
receipts beside the store and in bundles, and verify proving both.

The keys of tests/conftest.py's SIGNERS are in a session folder, unlocked by
$PROTOCOL_KIT_PASSPHRASE; a test that needs another folder points $PROTOCOL_KIT_CONFIG_DIR to
its own (monkeypatch)."""
import base64
import json
import shutil
import sqlite3
import zipfile

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from tests.bench import tick_rest

from .tamper import connect
from protocol_kit.cli import main
from protocol_kit.errors import DataFormatError, ProtocolKitError
from protocol_kit.records import keys
from protocol_kit.records.events import canonical_json, event_hash
from protocol_kit.records.receipts import FORMAT, Receipt, find_receipts, load_receipt, receipt_dir


def spec_message(run_id, record_hash, covers_seq, meaning, time, name):
    """SPEC12's signed message, written out here from the contract's words."""
    return json.dumps({"run_id": run_id, "record_hash": record_hash, "covers_seq": covers_seq,
                       "meaning": meaning, "time": time, "name": name},
                      sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


@pytest.fixture
def signed(run):
    run.check("rb-buffer")                          # 2
    run.note("membranes thawed on ice")             # 3
    tick_rest(run)                                  # 4-20
    event = run.sign("A. Smith", "performed")      # 21
    return run, event


# -- who may sign ---------------------------------------------------------------------------------
def test_a_name_without_a_key_cannot_sign(run):
    with pytest.raises(ProtocolKitError, match=r"no signing key for 'Z\. Nobody'.*protocol-kit keys init "
                                               r"--name \"Z\. Nobody\"") as e:
        run.sign("Z. Nobody", "performed")
    assert "\n" not in str(e.value)
    assert not run.refresh().locked and [e.type for e in run.events] == ["started"]


def test_a_wrong_or_missing_passphrase_cannot_sign(run, monkeypatch):
    with pytest.raises(ProtocolKitError, match=r"wrong passphrase for 'A\. Smith'"):
        run.sign("A. Smith", "performed", passphrase="not the passphrase")
    monkeypatch.delenv(keys.PASSPHRASE_ENV)
    with pytest.raises(ProtocolKitError, match=r"needs the signer's passphrase.*PROTOCOL_KIT_PASSPHRASE"):
        run.sign("A. Smith", "performed")
    assert not run.refresh().locked


def test_a_key_file_of_another_name_cannot_sign(run):
    # Mallory copies A. Smith's key file to the place of his own name
    shutil.copy(keys.key_path("A. Smith"), keys.key_path("M. Allory"))
    try:
        with pytest.raises(ProtocolKitError, match=r"belongs to 'A\. Smith', not 'M\. Allory'"):
            run.sign("M. Allory", "performed")
    finally:
        keys.key_path("M. Allory").unlink()


def test_a_key_other_than_the_one_the_store_holds_for_the_name_cannot_sign(run):
    other = keys.public_key_text(Ed25519PrivateKey.generate().public_key())
    assert keys.register_key(run.store, "A. Smith", other)
    tick_rest(run)
    with pytest.raises(ProtocolKitError, match=r"holds another key for 'A\. Smith'"):
        run.sign("A. Smith", "performed")
    assert not run.refresh().locked


def test_keys_are_registered_once_on_first_signature(store, binding):
    r1, r2 = binding.start_run("A. Smith", store), binding.start_run("A. Smith", store)
    tick_rest(r1), tick_rest(r2)
    r1.sign("A. Smith", "performed")
    r2.sign("A. Smith", "performed")
    mine = keys.load_key("A. Smith").public_key
    assert keys.registered_keys(keys.registry_rows(store)) == {"A. Smith": [mine]}
    assert keys.check_registry(keys.registry_rows(store)) == []


def test_key_files_hold_the_name_and_an_encrypted_private_key(tmp_path, monkeypatch):
    monkeypatch.setenv(keys.CONFIG_ENV, str(tmp_path / "cfg"))
    path = keys.init_key("Ö. Ünal", "eight chars")
    assert path.parent == tmp_path / "cfg" / "keys" and path.stat().st_mode & 0o777 == 0o600
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["name"] == "Ö. Ünal" and doc["private_key"].startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")
    with pytest.raises(ProtocolKitError, match="has a key already"):
        keys.init_key("Ö. Ünal", "eight chars")
    with pytest.raises(ProtocolKitError, match="at least 8 characters"):
        keys.init_key("B. Short", "7 chars")


# -- the signature event and its receipt ----------------------------------------------------------
def test_a_signature_is_ed25519_over_the_spec_message_and_its_receipt_lies_beside_the_store(signed, store):
    run, event = signed
    p = event.payload
    assert (p["record_hash"], p["covers_seq"]) == (run.events[19].hash, 20)
    public = Ed25519PublicKey.from_public_bytes(base64.b64decode(p["public_key"]))
    public.verify(base64.b64decode(p["signature"]),  # raises InvalidSignature if not
                  spec_message(run.id, p["record_hash"], 20, "performed", event.time, "A. Smith"))
    assert p["public_key"] == keys.load_key("A. Smith").public_key
    path = store.path.with_name(store.path.name + ".receipts") / f"{run.id}.21.json"
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc == {"format": FORMAT, "run_id": run.id, "seq": 21, "event_hash": event.hash,
                   "record_hash": p["record_hash"], "covers_seq": 20, "name": "A. Smith", "meaning": "performed",
                   "time": event.time, "public_key": p["public_key"], "signature": p["signature"]}
    assert load_receipt(path) == find_receipts(store.path, run.id)[0] == Receipt.from_event(event)
    assert run.verify(receipts=[path]).ok


def test_a_malformed_receipt_file_is_an_error_naming_the_file(signed, store, tmp_path):
    run, _ = signed
    good = json.loads(next(receipt_dir(store.path).iterdir()).read_text(encoding="utf-8"))
    cases = {"notjson.json": b"{", "latin1.json": "{\"name\": \"\xe9\"}".encode("latin-1"),
             "noseq.json": json.dumps({k: v for k, v in good.items() if k != "seq"}).encode(),
             "textseq.json": json.dumps({**good, "seq": "21"}).encode()}
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
        with pytest.raises(DataFormatError, match=rf"receipt {tmp_path / name}") as e:
            run.verify(receipts=[tmp_path / name])
        assert "\n" not in str(e.value)


def test_the_bundle_carries_the_receipts(signed, store, tmp_path):
    run, event = signed
    out = run.export(tmp_path / "b.zip")
    with zipfile.ZipFile(out) as z:
        entry = z.read(f"{run.id}/receipts/{run.id}.21.json")
    assert entry == (receipt_dir(store.path) / f"{run.id}.21.json").read_bytes()
    back = Receipt.from_dict(json.loads(entry))
    assert back.event_hash == event.hash and back.signature == event.payload["signature"]


# -- forgeries ------------------------------------------------------------------------------------
def _forge(path, run_id, seq, change):
    """What a forger with the database file does: drop the append-only triggers, rewrite event
    ``seq``'s payload with ``change(payload, time)``, recompute every hash from there on."""
    con = connect(path)
    con.execute("DROP TRIGGER IF EXISTS events_no_update")
    rows = con.execute("SELECT seq, time, operator, type, payload, prev_hash FROM events WHERE run_id=? AND seq>=? "
                       "ORDER BY seq", (run_id, seq)).fetchall()
    prev = rows[0][5]
    for s, time, operator, type, payload, _ in rows:
        p = json.loads(payload)
        if s == seq:
            p = change(p, time)
        digest = event_hash(prev, run_id, s, time, operator, type, p)
        con.execute("UPDATE events SET payload=?, prev_hash=?, hash=? WHERE run_id=? AND seq=?",
                    (canonical_json(p), prev, digest, run_id, s))
        prev = digest
    con.commit()
    con.close()


def _mallory_signs(run_id, name):
    """The forger's re-signature: his own key, the victim's name, the same fields."""
    mallory = Ed25519PrivateKey.generate()

    def change(p, time):
        message = spec_message(run_id, p["record_hash"], p["covers_seq"], p["meaning"], time, name)
        return {**p, "public_key": keys.public_key_text(mallory.public_key()),
                "signature": base64.b64encode(mallory.sign(message)).decode()}
    return change


def _hide_receipts(store, tmp_path):
    """The receipts moved out of the store's sight (the forger deleted the folder; the signer
    kept copies); returns the copies' paths."""
    kept = tmp_path / "kept"
    shutil.move(receipt_dir(store.path), kept)
    return sorted(kept.iterdir())


def test_a_signature_re_signed_with_another_key_fails_verify(signed, store, tmp_path):
    run, _ = signed
    _forge(store, run.id, 21, _mallory_signs(run.id, "A. Smith"))
    receipts = _hide_receipts(store, tmp_path)
    report = run.verify()  # no receipt: the chain and the signature verify, the key is not A. Smith's
    assert not report.ok and [p.seq for p in report.problems] == [21]
    assert "not the key registered for 'A. Smith'" in report.problems[0].what
    report = run.verify(receipts=receipts)  # with the receipt: rewritten as well
    whats = [p.what for p in report.problems]
    assert any(w.startswith(f"event rewritten: receipt {run.id}.21.json") for w in whats), whats


def test_a_replaced_signature_or_public_key_fails_verify(signed, store, tmp_path):
    run, _ = signed
    stranger = keys.public_key_text(Ed25519PrivateKey.generate().public_key())
    _forge(store, run.id, 21, lambda p, time: {**p, "public_key": stranger})
    receipts = _hide_receipts(store, tmp_path)
    whats = [p.what for p in run.verify().problems]
    assert any("is not valid for its public key" in w for w in whats) and any("not the key registered" in w
                                                                              for w in whats)
    assert any(w.startswith("event rewritten") for w in (p.what for p in run.verify(receipts=receipts).problems))


def test_a_forger_who_also_rewrites_the_key_registry_is_caught_by_the_receipt(signed, store, tmp_path):
    run, _ = signed
    mallory = _mallory_signs(run.id, "A. Smith")
    forged_key = {}

    def change(p, time):
        q = mallory(p, time)
        forged_key["k"] = q["public_key"]
        return q
    _forge(store, run.id, 21, change)
    con = connect(store)  # the registry's entry for A. Smith, re-chained with his key
    con.execute("DROP TRIGGER keys_no_update")
    seq, time, operator, type, payload, prev = con.execute(
        "SELECT seq, time, operator, type, payload, prev_hash FROM keys ORDER BY seq").fetchone()
    p = {**json.loads(payload), "public_key": forged_key["k"]}
    con.execute("UPDATE keys SET payload=?, hash=? WHERE seq=?",
                (canonical_json(p), event_hash(prev, keys.REGISTRY, seq, time, operator, type, p), seq))
    con.commit()
    con.close()
    receipts = _hide_receipts(store, tmp_path)
    assert run.verify().ok  # the database alone now agrees with itself
    report = run.verify(receipts=receipts)
    assert not report.ok and report.problems[0].what.startswith(f"event rewritten: receipt {run.id}.21.json")


def test_a_run_cut_after_its_signature_fails_verify_given_the_receipt(signed, store, tmp_path):
    run, _ = signed
    con = connect(store)
    con.execute("DROP TRIGGER events_no_delete")
    con.execute("DELETE FROM events WHERE run_id=? AND seq=21", (run.id,))
    con.commit()
    con.close()
    receipts = _hide_receipts(store, tmp_path)
    report = run.verify(receipts=receipts)
    assert [p.what for p in report.problems] == [
        f"event missing: receipt {run.id}.21.json (performed by A. Smith) names event 21, the run ends at event 20 "
        "(the run was cut after the signature)"]


def test_a_receipt_whose_signature_was_altered_is_reported(signed, store, tmp_path):
    run, _ = signed
    doc = json.loads((receipt_dir(store.path) / f"{run.id}.21.json").read_text(encoding="utf-8"))
    doc["meaning"] = "approved"  # the receipt no longer says what was signed
    (tmp_path / "r.json").write_text(json.dumps(doc), encoding="utf-8")
    whats = [p.what for p in run.verify(receipts=[tmp_path / "r.json"]).problems]
    assert any("does not match the signature event at 21" in w for w in whats)
    assert any("its signature is not valid for its public key" in w for w in whats)


# -- the command line -----------------------------------------------------------------------------
def test_cli_keys_init_sign_and_verify_with_a_receipt(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(keys.CONFIG_ENV, str(tmp_path / "cfg"))
    monkeypatch.setenv(keys.PASSPHRASE_ENV, "a passphrase of the CLI test")
    db = str(tmp_path / "lab.db")

    def cli(*argv):
        code = main(list(argv))
        out, err = capsys.readouterr()
        return code, out, err

    code, out, _ = cli("keys", "init", "--name", "E. Fischer", "--store", db)
    assert code == 0 and "registered in" in out
    assert keys.key_path("E. Fischer").is_file()
    code, out, _ = cli("runs", "start", "radioligand-binding", "--operator", "E. Fischer", "--store", db)
    run_id = out.strip()
    code, _, err = cli("runs", "sign", run_id, "--name", "F. Nokey", "--meaning", "performed", "--store", db)
    assert code == 2 and "keys init --name \"F. Nokey\"" in err
    code, out, _ = cli("runs", "sign", run_id, "--name", "E. Fischer", "--meaning", "witnessed", "--store", db)
    assert code == 0 and f"{run_id}: event 2 signature by E. Fischer" in out  # no checklist rule for a witness
    receipt = tmp_path / "lab.db.receipts" / f"{run_id}.2.json"
    kept = tmp_path / "kept.json"
    shutil.copy(receipt, kept)
    code, out, _ = cli("runs", "verify", run_id, "--receipt", str(kept), "--store", db)
    assert code == 0 and out.startswith("ok")
    code, out, _ = cli("keys", "list", "--store", db)
    assert out.startswith("E. Fischer: key ")
    # the forger re-signs with his own key and deletes the receipts beside the store
    _forge(tmp_path / "lab.db", run_id, 2, _mallory_signs(run_id, "E. Fischer"))
    shutil.rmtree(tmp_path / "lab.db.receipts")
    code, out, _ = cli("runs", "verify", run_id, "--receipt", str(kept), "--store", db)
    assert code == 1 and f"event 2: event rewritten: receipt {run_id}.2.json" in out
    monkeypatch.setenv(keys.PASSPHRASE_ENV, "wrong passphrase")
    code, _, err = cli("keys", "register", "--name", "E. Fischer", "--store", db)
    assert code == 2 and err == f"error: keys: wrong passphrase for 'E. Fischer' (key {keys.key_path('E. Fischer')})\n"


def test_a_signed_run_removed_whole_is_found_by_its_receipt(signed, store, binding):
    run, _ = signed
    other = binding.start_run("B. Jones", store)
    con = connect(store)
    con.execute("DROP TRIGGER events_no_delete")
    con.execute("DELETE FROM events WHERE run_id=?", (run.id,))
    con.commit()
    con.close()
    report = store.verify()  # the receipt beside the store still names the run
    assert report.runs == (other.id,)
    assert [str(p) for p in report.problems] == [
        f"run {run.id}: event 21: run missing: receipt {run.id}.21.json (performed by A. Smith) names run {run.id}, "
        "which the store does not hold (the run was removed)"]


def test_a_receipt_of_another_run_is_refused_when_verifying_one_run(signed, store, binding):
    run, _ = signed
    other = binding.start_run("B. Jones", store)
    receipt = receipt_dir(store.path) / f"{run.id}.21.json"
    with pytest.raises(ProtocolKitError, match=rf"receipt\(s\) given of another run \({run.id}\)"):
        store.verify(other.id, receipts=[receipt])
