"""Issue 12, item 4: the report's summary states the verify result and the completeness of the
record (steps ticked n of N, signatures), and a record that does not verify is not reported."""
import sqlite3

import pytest
import tinyhtml5

import protocol_kit as pk
from protocol_kit.cli import main
from protocol_kit.errors import ProtocolKitError
from tests.bench import tick_rest


def _summary(html):
    """The text of the report's summary box."""
    root = tinyhtml5.parse(html)
    box = next(e for e in root.iter() if e.get("class") == "summary")
    return " ".join("".join(box.itertext()).split())


@pytest.fixture
def analysed(store):
    p = pk.RadioligandBinding()
    run = p.start_run(operator="A. Smith", store=store)
    run.check("rb-buffer")
    run.deviation("filters soaked 2 h", step_id="rb-filters")
    run.attach_data(p.simulate(seed=1), name="counts.csv")
    run.analyse()
    return run


def test_summary_counts_steps_and_signatures_and_says_what_verify_proves(analysed, tmp_path):
    text = _summary(analysed.report(tmp_path / "r.html").read_text(encoding="utf-8"))
    # 18 steps: rb-buffer ticked (1), rb-filters covered by its deviation, 16 open
    assert "Steps ticked 1 of 18; 1 more covered by a deviation (rb-filters); 16 neither ticked nor covered" in text
    assert "Signatures: none yet." in text
    assert "QC: all checks passed" not in text and "QC of the analysis." in text
    assert "no receipt checked: events removed from the end would not be detected" in text
    tick_rest(analysed)                     # rb-filters ticked too: 18 ticked
    analysed.sign("A. Smith", "performed")
    analysed.sign("B. Jones", "reviewed")
    text = _summary(analysed.report(tmp_path / "signed.html").read_text(encoding="utf-8"))
    assert "Steps ticked 18 of 18. Signatures" in text
    assert "Signatures: performed by A. Smith; reviewed by B. Jones." in text


def test_a_record_that_does_not_verify_is_not_reported(analysed, store, tmp_path, capsys):
    con = sqlite3.connect(store.path)
    con.execute("DROP TRIGGER events_no_update")
    con.execute("UPDATE events SET operator='Mallory' WHERE run_id=? AND seq=2", (analysed.id,))
    con.commit()
    con.close()
    with pytest.raises(ProtocolKitError, match=r"no report of a record that does not verify \(BROKEN: run .*: "
                                               r"event 2: content altered"):
        analysed.report(tmp_path / "r.html")
    assert not (tmp_path / "r.html").exists()
    code = main(["report", analysed.id, "-o", str(tmp_path / "cli.html"), "--store", str(store.path),
                 "--operator", "A. Smith"])
    err = capsys.readouterr().err
    assert code == 2 and "does not verify" in err and err.count("\n") == 1
