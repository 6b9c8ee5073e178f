"""The helpdesk's admin: Django's autodiscovery imports this package, which registers each part."""

from django.contrib import admin

from helpdesk.admin import api_keys, macros, mail, reports, tickets, two_factor  # noqa: F401

# The staff's side of the helpdesk, not "Django administration".
admin.site.site_header = "Helpdesk"
admin.site.site_title = "Helpdesk"
admin.site.index_title = "Work, brands and people"
