"""Golden-file test per report template: the normalised HTML of a fixed run (golden_cases.py)
must equal the committed file. To accept a deliberate change, regenerate with
tests/reports/make_golden.py and review the diff."""
import difflib

import pytest

from protocol_kit.records import Store

from .golden_cases import CASES, GOLDEN, normalise, render


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    with Store(tmp_path_factory.mktemp("golden") / "runs.db") as s:
        yield s


@pytest.mark.parametrize("name", list(CASES))
def test_report_matches_its_golden_file(name, store, tmp_path):
    got = normalise(render(name, store, tmp_path))
    want = (GOLDEN / f"report_{name}.html").read_text(encoding="utf-8")
    if got != want:
        diff = "".join(list(difflib.unified_diff(want.splitlines(True), got.splitlines(True), "golden", "rendered"))[:80])
        pytest.fail(f"report_{name}.html differs from its golden file:\n{diff}")


def test_the_normaliser_removes_only_what_varies():
    html = ('<td>20260115-radioligand-binding-1a2b3c</td><td>2026-01-15 12:00:01 UTC</td>'
            '<td class="hash">95a46029a4ae</td><td>2031-12-31</td><td>607 pM</td>'
            '<span class="volatile">3 s</span><svg role="img" aria-label="Plate 1"><g id="x"/></svg>')
    assert normalise(html) == ('<td>[run-id]</td><td>[time]</td><td class="hash">[hash]</td><td>2031-12-31</td>'
                               '<td>607 pM</td><span class="volatile">[elapsed]</span>'
                               '<svg aria-label="Plate 1">[figure]</svg>')
