import pytest

import protocol_kit as pk
from protocol_kit.records import Store


@pytest.fixture
def store(tmp_path):
    s = Store(tmp_path / "runs.db")
    yield s
    s.close()


@pytest.fixture
def binding():
    return pk.RadioligandBinding()


@pytest.fixture
def run(binding, store):
    return binding.start_run(operator="A. Smith", store=store)
