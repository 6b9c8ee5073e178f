"""Copy the raw bytes of messages stored before file storage into files, one message at a
time (a message may be tens of megabytes), each row updated in its own transaction: an
interrupted run resumes where it stopped. The old column is emptied as each is copied and stays
for messages an older process may still store during a deploy (reads fall back to it)."""

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import migrations, transaction

BATCH = 100


def raw_to_files(apps, schema_editor):
    InboundEmail = apps.get_model("helpdesk", "InboundEmail")
    pending = InboundEmail.objects.filter(raw_file="").exclude(raw=b"").order_by("pk")
    last = 0
    while True:
        batch = list(pending.filter(pk__gt=last).values_list("pk", "sha256", "received_at")[:BATCH])
        if not batch:
            return
        for pk, sha256, received_at in batch:
            raw = InboundEmail.objects.filter(pk=pk).values_list("raw", flat=True).get()
            name = default_storage.save(
                f"inbound/{received_at:%Y/%m}/{sha256}.eml", ContentFile(bytes(raw))
            )
            del raw
            with transaction.atomic():
                copied = InboundEmail.objects.filter(pk=pk, raw_file="").update(
                    raw_file=name, raw=b""
                )
            if not copied:
                default_storage.delete(name)
            last = pk


def files_to_raw(apps, schema_editor):
    InboundEmail = apps.get_model("helpdesk", "InboundEmail")
    for pk, name in InboundEmail.objects.exclude(raw_file="").values_list("pk", "raw_file"):
        with default_storage.open(name, "rb") as handle:
            raw = handle.read()
        InboundEmail.objects.filter(pk=pk).update(raw=raw, raw_file="")
        default_storage.delete(name)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("helpdesk", "0014_inbound_raw_file"),
    ]

    operations = [migrations.RunPython(raw_to_files, files_to_raw, elidable=True)]
