import pytest

import protocol_kit as pk
from protocol_kit.records import Store

#: test files of tests/records whose tests work on the store file behind protocol_kit's back
#: (sqlite3 on store.path, the file's triggers, copies of the file, forked processes): they run on
#: SQLite only; everything else taking ``store`` runs on both backends.
SQLITE_ONLY = {"test_import_hostile.py", "test_reliability.py"}


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):
    """An empty store, closed afterwards: an SQLite file in the test's folder, and a new
    database on the session's throwaway PostgreSQL server (as its admin, a member of project
    'lab')."""
    if request.param == "sqlite":
        with Store(tmp_path / "runs.db") as s:
            yield s
    else:
        with Store(request.getfixturevalue("pg_url")) as s:
            yield s


def pytest_collection_modifyitems(config, items):
    """Deselect the PostgreSQL case of tests that work on the SQLite file itself (they are
    SQLite's tests, not skipped for want of a server)."""
    keep, drop = [], []
    for item in items:
        callspec = getattr(item, "callspec", None)
        pg = callspec is not None and callspec.params.get("store") == "postgresql"
        if pg and (item.path.name in SQLITE_ONLY or item.get_closest_marker("sqlite_only")):
            drop.append(item)
        else:
            keep.append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def pytest_configure(config):
    config.addinivalue_line("markers", "sqlite_only: works on the SQLite store file itself (not run on PostgreSQL)")


@pytest.fixture
def binding():
    return pk.RadioligandBinding()


@pytest.fixture
def run(binding, store):
    return binding.start_run(operator="A. Smith", store=store)
