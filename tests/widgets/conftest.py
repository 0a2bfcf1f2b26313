import datetime as dt

import pytest

import protocol_kit as pk
from protocol_kit.records import Store


@pytest.fixture
def store_path(tmp_path):
    return tmp_path / "runs.db"


@pytest.fixture
def binding():
    return pk.RadioligandBinding()


@pytest.fixture
def app(binding, store_path, tmp_path):
    return binding.form(store=store_path, out_dir=tmp_path / "out")


@pytest.fixture
def counts_csv(binding, tmp_path):
    """The simulated counter list the example notebook writes (seed 1)."""
    path = tmp_path / "counts.csv"
    binding.simulate(seed=1).to_csv(path, index=False)
    return path


def events(store_path, run_id):
    """The run's events read back from the store file itself: (type, payload) in order."""
    store = Store(store_path)
    try:
        return [(e.type, e.payload) for e in store.events(run_id)]
    finally:
        store.close()


def start(app, operator="A. Smith"):
    app.bench_view.operator.value = operator
    app.bench_view.start_button.click()
    return app.session.run


def upload(view, name, content: bytes):
    """What the browser sends when a file is picked in the FileUpload."""
    view.upload.value = ({"name": name, "type": "text/csv", "size": len(content), "content": memoryview(content),
                          "last_modified": dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)},)
