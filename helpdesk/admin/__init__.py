"""The helpdesk's admin: Django's autodiscovery imports this package, which registers each part."""

from helpdesk.admin import api_keys, mail, reports, tickets  # noqa: F401
