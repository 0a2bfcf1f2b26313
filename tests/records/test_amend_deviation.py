"""A deviation's own text is its field ``reason``, which collided with amend's ``reason``
(why the correction is made): it is corrected through ``changes=`` (and ``--set reason=``)."""
import pytest

import protocol_kit as pk
from protocol_kit.cli import main
from tests.bench import tick_rest

from .tamper import store_arg
from protocol_kit.errors import ParameterError


def test_a_deviation_is_amended_through_changes(store, run):
    run.deviation("filters soaked 2 h instead of 1 h", step_id="rb-filters")   # seq 2
    tick_rest(run)                                                              # seq 3-20
    run.sign("A. Smith", "performed")                                           # seq 21
    run.amend(2, "wrong duration noted", changes={"reason": "filters soaked 3 h instead of 1 h"},
              operator="B. Jones")                                              # seq 22
    again = pk.open_run(run.id, store)
    (d,) = again.deviations
    assert (d.reason, d.step_id, d.seq) == ("filters soaked 3 h instead of 1 h", "rb-filters", 2)
    (a,) = d.amendments
    assert a.reason == "wrong duration noted"  # why, kept apart from what the deviation says
    assert (a.before, a.after) == ({"reason": "filters soaked 2 h instead of 1 h"},
                                   {"reason": "filters soaked 3 h instead of 1 h"})
    assert again.events[1].payload["reason"] == "filters soaked 2 h instead of 1 h"  # the record is kept
    assert again.verify().ok


def test_changes_and_keywords_together(run):
    run.record_lot("NaCl", "L123", "2030-01-31")                                # seq 2
    run.amend(2, "label misread", changes={"lot": "L128"}, expiry="2030-02-28")
    assert (run.lots[0].lot, run.lots[0].expiry) == ("L128", "2030-02-28")
    with pytest.raises(ParameterError, match="lot: 'L9' is given both as a keyword and in changes="):
        run.amend(2, "again", changes={"lot": "L7"}, lot="L9")
    with pytest.raises(ParameterError, match="changes: .* is a list"):
        run.amend(2, "again", changes=[("lot", "L7")])
    with pytest.raises(pk.ProtocolKitError, match="unknown field of a lot_recorded event 'reason'"):
        run.amend(2, "again", changes={"reason": "x"})
    run.deviation("x")                                                         # seq 4
    with pytest.raises(ParameterError, match="reason: '  ' is empty"):
        run.amend(4, "why", changes={"reason": "  "})
    assert len(run.amendments) == 1


def test_cli_amends_a_deviation_with_set_reason(capsys, store, run):
    run.deviation("soaked 2 h", step_id="rb-filters")                           # seq 2
    db = store_arg(store)
    code = main(["runs", "amend", run.id, "2", "wrong duration", "--set", "reason=soaked 3 h",
                 "--operator", "B. Jones", "--store", db])
    out = capsys.readouterr().out
    assert code == 0 and f"{run.id}: event 3 amendment by B. Jones" in out
    main(["runs", "show", run.id, "--store", db])
    out = capsys.readouterr().out
    assert "soaked 3 h" in out and "'soaked 2 h' -> 'soaked 3 h' (wrong duration)" in out
