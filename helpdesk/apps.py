from django.apps import AppConfig


class HelpdeskConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "helpdesk"

    def ready(self) -> None:
        # Imported once the apps are loaded, as Django requires of anything touching models.
        from anymail.signals import inbound, tracking

        # Registers the tasks in every process (web, commands, worker), so helpdesk.jobs can
        # hand work to them by name.
        from helpdesk import tasks  # noqa: F401
        from helpdesk.webhooks import receivers

        inbound.connect(receivers.inbound_received, dispatch_uid="helpdesk-inbound")
        tracking.connect(receivers.tracking_received, dispatch_uid="helpdesk-tracking")
