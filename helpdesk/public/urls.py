"""A brand's public pages, under /b/<slug>/."""

from django.urls import path

from helpdesk.public import views

app_name = "public"

urlpatterns = [
    path("<slug:slug>/policy/", views.policy_page, name="policy"),
    path("<slug:slug>/contact/", views.contact_page, name="contact"),
    path("<slug:slug>/contact/sent/", views.contact_sent, name="contact_sent"),
    path("<slug:slug>/status-link/", views.status_link_request, name="status_link_request"),
    path(
        "<slug:slug>/status/<str:token>/file/<int:pk>/",
        views.ticket_status_file,
        name="ticket_status_file",
    ),
    path("<slug:slug>/status/<str:token>/", views.ticket_status_page, name="ticket_status"),
]
