import pytest

from shangji.conftest import drain_events, make_opportunity


@pytest.fixture
def deal(actors, no_gates):
    """A deal of the rep's at 需求确认, its creation events delivered."""
    deal = make_opportunity(actors.rep, name="华东 MES 二期", amount="30000.00", stage="需求确认")
    drain_events()
    return deal
