from django.apps import AppConfig


class HelpdeskConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "helpdesk"

    def ready(self) -> None:
        # Imported once the apps are loaded, as Django requires of anything touching models.
        from anymail.signals import inbound, tracking

        from helpdesk.webhooks import receivers

        inbound.connect(receivers.inbound_received, dispatch_uid="helpdesk-inbound")
        tracking.connect(receivers.tracking_received, dispatch_uid="helpdesk-tracking")
