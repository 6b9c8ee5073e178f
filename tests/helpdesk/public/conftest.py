import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def empty_cache():
    # The public pages' per-address counts live in the cache, which outlives a test's database.
    cache.clear()
    yield
    cache.clear()
