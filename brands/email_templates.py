"""Which emails a brand may word itself (its owner's choice list in admin)."""

from pathlib import Path

from django.conf import settings


def email_template_names() -> list[str]:
    """Every shipped email: one template folder each."""
    root = Path(settings.BASE_DIR) / "templates" / "emails"
    return sorted(path.parent.name for path in root.glob("*/subject.txt"))
