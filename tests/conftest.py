from pathlib import Path

import pytest
from django.conf import settings

from brands.loader import brand_files_load
from brands.models import Brand

SHIPPED_BRAND_FILES = sorted(Path(settings.BRANDS_CONFIG_DIR).glob("*.toml"))


@pytest.fixture
def shipped_brands(db) -> dict[str, Brand]:
    """Both brands exactly as the repository ships them, keyed by slug."""
    brand_files_load(SHIPPED_BRAND_FILES)
    return {brand.slug: brand for brand in Brand.objects.select_related("policy")}


@pytest.fixture
def kendrascottes(shipped_brands) -> Brand:
    return shipped_brands["kendrascottes"]


@pytest.fixture
def crocso(shipped_brands) -> Brand:
    return shipped_brands["crocso"]
