import pytest

import protocol_kit as pk


@pytest.fixture(params=pk.protocol_ids())
def protocol_id(request):
    """Every registered protocol id (the contract tests run over all of them)."""
    return request.param
