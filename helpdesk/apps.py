from django.apps import AppConfig


class HelpdeskConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "helpdesk"

    def ready(self) -> None:
        # Imported once the apps are loaded, as Django requires of anything touching models.
        from anymail.signals import inbound, tracking
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_save

        from brands.memberships import staff_left_brand
        from helpdesk import receivers as staffing

        # Registers the tasks in every process (web, commands, worker), so helpdesk.jobs can
        # hand work to them by name.
        from helpdesk import tasks  # noqa: F401
        from helpdesk.webhooks import receivers

        inbound.connect(receivers.inbound_received, dispatch_uid="helpdesk-inbound")
        tracking.connect(receivers.tracking_received, dispatch_uid="helpdesk-tracking")
        staff_left_brand.connect(staffing.staff_left_brand, dispatch_uid="helpdesk-staff-left")
        post_save.connect(
            staffing.user_saved, sender=get_user_model(), dispatch_uid="helpdesk-user-saved"
        )
