"""The helpdesk's admin: Django's autodiscovery imports this package, which registers each part."""

from helpdesk.admin import mail, reports, tickets  # noqa: F401
