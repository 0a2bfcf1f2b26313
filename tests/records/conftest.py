import pytest

import protocol_kit as pk


@pytest.fixture
def binding():
    return pk.RadioligandBinding()


@pytest.fixture
def run(binding, store):
    return binding.start_run(operator="A. Smith", store=store)
