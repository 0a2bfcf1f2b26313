"""The templates ship inside the wheel (built here with hatchling, no network)."""
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.skipif(not (ROOT / "pyproject.toml").exists(), reason="needs the source tree")
def test_wheel_contains_the_templates(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                           "-q", "-w", str(tmp_path), str(ROOT)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    wheel = next(tmp_path.glob("protocol_kit-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for template in ("sheet.html.j2", "base.html.j2", "print.css.j2", "plan_summary.html.j2"):
        assert f"protocol_kit/templates/{template}" in names
