"""What every test gets: worker processes it started are ended after it."""

import pytest
from apphelpers import STARTED


@pytest.fixture(autouse=True)
def end_worker_processes():
    yield
    while STARTED:
        STARTED.pop().close(wait=2.0)
