"""protocol-kit demo: what one demo run leaves in its folder and its store, and what it prints.
(The full demo, all protocols, is timed and looked at by hand; its reports are the golden
cases' templates.)"""
import contextlib
import io
import os
import shutil

import pytest
from pypdf import PdfReader

import protocol_kit as pk
from protocol_kit.demo import DEMO_RUNS, STORE_NAME, run_demo
from protocol_kit.records import Store
from protocol_kit.records.keys import CONFIG_ENV, PASSPHRASE_ENV


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """One demo run (the first), made once for the tests of this file, with no passphrase in the
    environment (the demo needs none): (folder, what run_demo returned, what it printed, the
    key folder's variable before and after)."""
    folder = tmp_path_factory.mktemp("demo") / "out"
    printed = io.StringIO()
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv(PASSPHRASE_ENV)
        before = os.environ[CONFIG_ENV]
        with contextlib.redirect_stdout(printed):
            made = run_demo(folder, runs=DEMO_RUNS[:1])
        after = os.environ[CONFIG_ENV]
    return folder.resolve(), made, printed.getvalue(), (before, after)


def test_demo_run_is_worked_through_recorded_and_reported(demo):
    folder, made, out, _ = demo
    demo = DEMO_RUNS[0]
    names = sorted(p.name for p in folder.iterdir())
    assert names == sorted([STORE_NAME, f"{demo.name}-sheet.html", f"{demo.name}-sheet.pdf",
                            f"{demo.name}-counts.txt", f"{demo.name}-report.html", f"{demo.name}-report.pdf",
                            "sertraline-profile.svg", "demo-config", STORE_NAME + ".receipts"]
                           + [n for n in names if n.startswith(STORE_NAME + "-")])  # SQLite's -wal/-shm
    with Store(folder / STORE_NAME) as store:
        run = pk.open_run(made[0]["run"].id, store)
        p = run.protocol
        assert set(run.steps) == {s.id for s in p.checklist}
        assert [(lot.reagent, lot.lot) for lot in run.lots] == list(demo.lots)
        assert [(d.step_id, d.reason) for d in run.deviations] == [demo.deviation]
        assert [f.name for f in run.data_files] == [f"{demo.name}-counts.txt"]
        assert [f.name for f in run.reports] == [f"{demo.name}-report.html", f"{demo.name}-report.pdf"]
        assert run.verify().ok and not run.locked
        summary = run.latest_analysis().result["summary"]
    # the printed summary: the run id, the recorded result, the paths
    assert f"  run          {run.id}: {len(p.checklist)} steps ticked, {len(demo.lots)} lots, 1 deviation" in out
    assert f"  result       {summary}" in out and summary.startswith("sertraline at SERT: IC50 ")
    assert f"  report       {demo.name}-report.html, {demo.name}-report.pdf" in out
    pdf = PdfReader(io.BytesIO((folder / f"{demo.name}-report.pdf").read_bytes()))
    text = " ".join(page.extract_text() for page in pdf.pages).replace("\u00a0", " ")
    assert made[0]["result"].ic50_text.replace("\u00a0", " ") in text and run.id in text


def test_demo_covers_every_protocol():
    assert sorted(d.protocol for d in DEMO_RUNS) == sorted(pk.protocol_ids())


def test_demo_profile_of_sertraline_lies_in_the_reference_ranges(demo):
    # issue 8: the demo simulates sertraline at SERT, NET and DAT and profiles it; the recovered Ki
    # must lie in the ranges of seed 004 Table 1 (DOMAIN.md): SERT 0.2-2.1, NET 25-420, DAT 22-440 nM
    folder, _, out, _ = demo
    prof = pk.profile("sertraline", store=folder / STORE_NAME)
    for target, low, high in (("SERT", 0.2, 2.1), ("NET", 25, 420), ("DAT", 22, 440)):
        ki = prof.target(target, "radioligand-binding").ki_nM
        assert low <= ki <= high, (target, ki)
    assert "SERT: yes, NET: yes, DAT: yes" in out
    assert (folder / "sertraline-profile.svg").read_text(encoding="utf-8").startswith("<?xml")


def test_the_demo_signs_with_its_own_keys_and_its_printed_sign_command_works(demo, tmp_path, capsys, monkeypatch):
    from protocol_kit.cli import main
    from protocol_kit.demo import DEMO_PASSPHRASE, KEYS_CONFIG

    folder, made, out, (before, after) = demo
    assert after == before  # the user's key folder is back
    config = folder / KEYS_CONFIG
    assert f"PROTOCOL_KIT_CONFIG_DIR={config} PROTOCOL_KIT_PASSPHRASE='{DEMO_PASSPHRASE}'" in out
    copy = tmp_path / "copy"  # signing changes the store: sign a copy, the other tests read the original
    shutil.copytree(folder, copy, ignore=shutil.ignore_patterns("demo-config"))
    db = str(copy / STORE_NAME)
    monkeypatch.setenv(CONFIG_ENV, str(config))
    monkeypatch.setenv(PASSPHRASE_ENV, DEMO_PASSPHRASE)
    run_id = made[0]["run"].id
    assert main(["runs", "sign", run_id, "--name", DEMO_RUNS[0].operator, "--meaning", "performed", "--store", db]) == 0
    assert main(["runs", "verify", "--store", db]) == 0  # the profile runs signed by the demo's key too
    assert "ok: 4 run(s)" in capsys.readouterr().out
