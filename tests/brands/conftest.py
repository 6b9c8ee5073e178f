import pytest

from brands.models import BrandMembership
from tests.factories import agent_of


@pytest.fixture
def ks_owner(kendrascottes):
    return agent_of(kendrascottes, role=BrandMembership.Role.OWNER)


@pytest.fixture
def owner_client(client, ks_owner):
    client.force_login(ks_owner)
    return client
