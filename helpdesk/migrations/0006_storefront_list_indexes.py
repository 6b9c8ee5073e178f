from django.db import migrations, models

from helpdesk.migrations._postgres import AddIndexConcurrentlyOnPostgres


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("helpdesk", "0005_attachment_content_id"),
    ]

    operations = [
        AddIndexConcurrentlyOnPostgres(
            model_name="ticket",
            index=models.Index(
                fields=["brand", "customer_email", "-received_at"],
                name="helpdesk_ti_brand_i_b680c3_idx",
            ),
        ),
        AddIndexConcurrentlyOnPostgres(
            model_name="ticket",
            index=models.Index(
                fields=["brand", "-received_at", "-id"], name="helpdesk_ti_brand_i_eff20c_idx"
            ),
        ),
    ]
