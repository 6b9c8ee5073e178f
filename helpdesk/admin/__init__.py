"""The helpdesk's admin: Django's autodiscovery imports this package, which registers each part."""

from helpdesk.admin import api_keys, macros, mail, reports, tickets, two_factor  # noqa: F401
