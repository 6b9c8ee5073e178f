from django.db import migrations, models

from helpdesk.migrations._postgres import (
    AddIndexConcurrentlyOnPostgres,
    RemoveIndexConcurrentlyOnPostgres,
)


class Migration(migrations.Migration):
    """The staff API's orders by last update, tier and status, read from indexes (per brand
    and across brands); the brand and status index gains the id, so it serves the status
    order too and the old one goes, once its successor exists."""

    atomic = False

    dependencies = [
        ("helpdesk", "0033_ticket_event_order_numbers_order_number_request"),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgres(
            model_name="ticket",
            index=models.Index(fields=["brand", "status", "id"], name="ticket_brand_status"),
        ),
        AddIndexConcurrentlyOnPostgres(
            model_name="ticket",
            index=models.Index(fields=["brand", "updated_at", "id"], name="ticket_brand_updated"),
        ),
        AddIndexConcurrentlyOnPostgres(
            model_name="ticket",
            index=models.Index(fields=["updated_at", "id"], name="ticket_updated"),
        ),
        AddIndexConcurrentlyOnPostgres(
            model_name="ticket",
            index=models.Index(fields=["brand", "tier", "id"], name="ticket_brand_tier"),
        ),
        AddIndexConcurrentlyOnPostgres(
            model_name="ticket",
            index=models.Index(fields=["tier", "id"], name="ticket_tier"),
        ),
        AddIndexConcurrentlyOnPostgres(
            model_name="ticket",
            index=models.Index(fields=["status", "id"], name="ticket_status"),
        ),
        RemoveIndexConcurrentlyOnPostgres(
            model_name="ticket", name="helpdesk_ti_brand_i_a1abc1_idx"
        ),
    ]
