from django.apps import AppConfig


class HelpdeskConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "helpdesk"

    def ready(self) -> None:
        from anymail.signals import inbound, tracking

        from helpdesk import receivers

        inbound.connect(receivers.inbound_received, dispatch_uid="helpdesk-inbound")
        tracking.connect(receivers.tracking_received, dispatch_uid="helpdesk-tracking")
