import os
import subprocess
import sys
from pathlib import Path

import pytest

import protocol_kit as pk
from protocol_kit.profile.simulate import OPERATOR as SIMULATION_OPERATOR
from protocol_kit.records import Store
from protocol_kit.records.keys import CONFIG_ENV, PASSPHRASE_ENV, init_key

# Every name the tests sign as (grep 'sign(' in tests/), with a key made once per session.
SIGNERS = ("A. Smith", "B. Jones", "B. Reviewer", "C. Le", "C. Lee", "D. Head", "A. Tester", "T. Tester",
           SIMULATION_OPERATOR)
TEST_PASSPHRASE = "test passphrase, not a secret"


@pytest.fixture(scope="session", autouse=True)
def signing_keys(tmp_path_factory):
    """Signing works as in a lab set up for it: $PROTOCOL_KIT_CONFIG_DIR points to a session
    folder holding a key for each of :data:`SIGNERS`, and $PROTOCOL_KIT_PASSPHRASE unlocks
    them (set in os.environ, so CLI subprocesses and the browser tests' servers see it too)."""
    config = tmp_path_factory.mktemp("config")
    saved = {k: os.environ.get(k) for k in (CONFIG_ENV, PASSPHRASE_ENV)}
    os.environ[CONFIG_ENV], os.environ[PASSPHRASE_ENV] = str(config), TEST_PASSPHRASE
    for name in SIGNERS:
        init_key(name)
    yield config
    for k, v in saved.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v


@pytest.fixture
def store(tmp_path):
    """An empty store in the test's folder, closed afterwards."""
    with Store(tmp_path / "runs.db") as s:
        yield s


@pytest.fixture(scope="session")
def pg_server():
    """A throwaway PostgreSQL server for the session (tests/pg_server.py), stopped at its end."""
    from .pg_server import Server

    server = Server().start()
    yield server
    server.stop()


@pytest.fixture
def pg_url(pg_server):
    """The admin's URL of a new database holding an initialised protocol_kit store, in which the
    admin is also a member of project 'lab' (so runs started without a project go there)."""
    import uuid

    from .pg_server import ADMIN, initialise

    return initialise(pg_server.url(ADMIN, pg_server.new_database("t" + uuid.uuid4().hex[:12])), "lab")


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
