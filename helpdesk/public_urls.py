"""A brand's public pages, under /b/<slug>/."""

from django.urls import path

from helpdesk import public_views

app_name = "public"

urlpatterns = [
    path("<slug:slug>/policy/", public_views.policy_page, name="policy"),
    path("<slug:slug>/contact/", public_views.contact_page, name="contact"),
    path("<slug:slug>/contact/sent/", public_views.contact_sent, name="contact_sent"),
    path("<slug:slug>/status/<str:token>/", public_views.ticket_status_page, name="ticket_status"),
]
