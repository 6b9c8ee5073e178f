from django.db import migrations, models

from helpdesk.migrations._postgres import AddIndexConcurrentlyOnPostgres


class Migration(migrations.Migration):
    """The open tickets nobody owns, for automatic assignment's round every minute."""

    atomic = False

    dependencies = [
        ("helpdesk", "0035_ticket_api_order_indexes"),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgres(
            model_name="ticket",
            index=models.Index(
                condition=models.Q(("assignee__isnull", True))
                & ~models.Q(("status__in", ["resolved", "closed"])),
                fields=["next_due_at", "received_at", "id"],
                name="ticket_unowned_live",
            ),
        ),
    ]
