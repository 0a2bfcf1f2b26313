"""The reference data file ships inside the wheel and is read from it (zip import, no source tree)."""
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.skipif(not (ROOT / "pyproject.toml").exists(), reason="needs the source tree")
def test_wheel_ships_and_reads_the_reference_data(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                           "-q", "-w", str(tmp_path), str(ROOT)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    wheel = next(tmp_path.glob("protocol_kit-*.whl"))
    assert "protocol_kit/reference/data/antidepressants.csv" in zipfile.ZipFile(wheel).namelist()
    # import from the wheel itself, from a directory without the source tree
    code = (f"import sys; sys.path.insert(0, {str(wheel)!r}); import protocol_kit.reference as r; "
            "assert '.whl' in r.__file__, r.__file__; "
            "print(len(r.table()), r.ki('sertraline', 'SERT').value.to('nM').magnitude)")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    assert run.stdout.split() == ["43", "0.29"]  # 43 rows: 36 cells of seed 004 + 7 of seed 000
