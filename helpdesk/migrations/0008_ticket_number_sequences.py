"""Every brand gets its ticket number sequence now, so numbering a ticket never runs DDL
(brands created from here on get theirs when they are saved)."""

from django.db import migrations


def sequences_create(apps, schema_editor) -> None:
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    Brand = apps.get_model("brands", "Brand")
    Ticket = apps.get_model("helpdesk", "Ticket")
    with connection.cursor() as cursor:
        for brand in Brand.objects.all():
            name = f"brand_{int(brand.pk)}_ticket_number"
            used = Ticket.objects.filter(brand_id=brand.pk).order_by("-number").first()
            start = max(used.number if used else 0, brand.ticket_sequence) + 1
            cursor.execute(f'CREATE SEQUENCE IF NOT EXISTS "{name}" START WITH {int(start)}')


class Migration(migrations.Migration):
    dependencies = [
        ("brands", "0004_staff_preference"),
        ("helpdesk", "0007_inbound_no_sender"),
    ]

    operations = [migrations.RunPython(sequences_create, migrations.RunPython.noop)]
