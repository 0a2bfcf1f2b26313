import subprocess
import sys
from pathlib import Path

import pytest

import protocol_kit as pk


@pytest.fixture(params=pk.protocol_ids())
def protocol_id(request):
    """Every registered protocol id (the contract tests run over all of them)."""
    return request.param


ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def built_wheel(tmp_path_factory):
    """The project's wheel, built once per test session with hatchling (no network, no isolation)."""
    if not (ROOT / "pyproject.toml").exists():
        pytest.skip("needs the source tree")
    out = tmp_path_factory.mktemp("wheel")
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                           "-q", "-w", str(out), str(ROOT)], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return next(out.glob("protocol_kit-*.whl"))
