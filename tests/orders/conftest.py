import pytest

from tests.platforms.partner import PartnerServer


@pytest.fixture
def recording_partner():
    """A partner platform on loopback that records what it receives (tests/platforms/partner.py)."""
    server = PartnerServer().start()
    yield server
    server.stop()
