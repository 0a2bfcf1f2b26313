"""Issue 12, item 4: the signing rules, each refused with a one-line reason. Each case was signed
without a word before these rules."""
import sqlite3

import pytest

from protocol_kit.cli import main
from protocol_kit.errors import ProtocolKitError, SigningError
from protocol_kit.records import open_run
from tests.bench import tick_rest

from .tamper import connect, store_arg

# The checklist of a default radioligand binding run, in order (18 steps; rb-* ids as the
# protocol's steps are written in protocols/radioligand_binding.py).
BINDING_STEPS = ["rb-buffer", "rb-filters", "rb-dilutions", "rb-radioligand", "rb-nsb", "rb-membranes",
                 "rb-plate", "rb-add-buffer", "rb-add-compound", "rb-add-radioligand", "rb-add-membranes",
                 "rb-incubate", "rb-harvest", "rb-wash", "rb-dry", "rb-scintillant", "rb-count", "rb-waste"]


def test_performed_with_no_step_ticked_is_refused_listing_all_18(run):
    assert [s.id for s in run.protocol.checklist] == BINDING_STEPS
    with pytest.raises(SigningError) as exc:
        run.sign("A. Smith", "performed")
    msg = str(exc.value)
    assert "\n" not in msg
    assert "18 of 18 checklist steps are neither ticked nor covered by a deviation: " + ", ".join(BINDING_STEPS) in msg
    assert not run.signatures and run.state.n_events == 1       # nothing was appended


def test_a_deviation_for_a_step_covers_it_and_one_without_a_step_does_not(run):
    for step in BINDING_STEPS[:-2]:
        run.check(step)                                               # 16 of 18 ticked (not rb-count, rb-waste)
    run.deviation("waste collected by the safety officer", step_id="rb-waste")
    run.deviation("counter out of order")                              # names no step
    with pytest.raises(SigningError, match=r": 1 of 18 checklist steps are neither ticked nor covered by a "
                                           r"deviation: rb-count; tick"):
        run.sign("A. Smith", "performed")
    run.deviation("counter out of order: counted the next day", step_id="rb-count")
    assert run.sign("A. Smith", "performed").seq == 21                 # 1 + 16 + 3 deviations + 1
    # a witness signs without a checklist rule
    assert run.sign("B. Jones", "witnessed").seq == 22


@pytest.mark.parametrize("reviewer", ["A. Smith"])
def test_the_performer_cannot_review(run, reviewer):
    tick_rest(run)
    run.sign("A. Smith", "performed")
    with pytest.raises(SigningError, match=r"cannot sign 'reviewed': they signed 'performed' \(event 20\)"):
        run.sign(reviewer, "reviewed")
    assert [s.meaning for s in run.signatures] == ["performed"]
    run.sign("B. Jones", "reviewed")
    assert [(s.name, s.meaning) for s in run.signatures] == [("A. Smith", "performed"), ("B. Jones", "reviewed")]


def test_the_reviewer_cannot_then_sign_performed_and_nobody_signs_twice(run):
    tick_rest(run)
    run.sign("B. Jones", "witnessed")
    with pytest.raises(SigningError, match="cannot sign 'performed': they signed 'witnessed'"):
        run.sign("B. Jones", "performed")
    run.sign("A. Smith", "performed")
    with pytest.raises(SigningError, match=r"A. Smith already signed it 'performed' \(event 21\)"):
        run.sign("A. Smith", "performed")


def test_a_run_that_fails_verify_cannot_be_signed(store, run):
    tick_rest(run)
    con = connect(store)
    con.execute("DROP TRIGGER events_no_update")
    con.execute("UPDATE events SET operator='Mallory' WHERE run_id=? AND seq=5", (run.id,))
    con.commit()
    con.close()
    again = open_run(run.id, store)
    with pytest.raises(SigningError, match=rf"run {run.id} cannot be signed: its record does not verify "
                                           rf"\(run {run.id}: event 5: content altered"):
        again.sign("A. Smith", "performed")
    assert not again.refresh().signatures


def test_cli_sign_refusals_are_one_line_exit_2(capsys, store, run):
    db = store_arg(store)
    code = main(["runs", "sign", run.id, "--name", "A. Smith", "--meaning", "performed", "--store", db])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "18 of 18 checklist steps" in err


def test_sign_on_an_unreadable_record_is_refused_not_a_traceback(store, run):
    run.note("x")
    con = connect(store)
    con.execute("DROP TRIGGER events_no_update")
    con.execute("UPDATE events SET payload='{\"text\": NaN}' WHERE run_id=? AND seq=2", (run.id,))
    con.commit()
    con.close()
    with pytest.raises(ProtocolKitError, match="does not verify"):
        run.sign("A. Smith", "witnessed")
