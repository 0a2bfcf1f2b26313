"""Regenerate the golden report files (tests/reports/golden/*.html) from golden_cases.py.

Run on purpose only, after looking at the new reports: .venv/bin/python tests/reports/make_golden.py
"""
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from protocol_kit.records import Store  # noqa: E402
from tests.reports.golden_cases import CASES, GOLDEN, normalise, render  # noqa: E402

if __name__ == "__main__":
    GOLDEN.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "golden.db") as store:
        for name in CASES:
            out = GOLDEN / f"report_{name}.html"
            out.write_text(normalise(render(name, store, Path(tmp))), encoding="utf-8")
            print(f"wrote {out}")
