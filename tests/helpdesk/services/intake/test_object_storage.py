"""Files in S3-compatible object storage, over HTTP against a real (moto) server: the boto3
path the production settings take, private objects, and downloads only through the views that
check who asks."""

import importlib
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from unittest import mock

import pytest
from django.apps import apps as django_apps
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone

from helpdesk.models import Attachment, InboundEmail, Message
from helpdesk.services.intake import inbound as inbound_service
from helpdesk.services.raw_mail import inbound_raw_delete, inbound_raw_read
from tests.conftest import free_port
from tests.factories import agent_of
from tests.helpdesk.mail import KS, make_mail, post_inbound

moto_server = pytest.importorskip(
    "moto.server", reason="moto[server] is not installed: no S3-compatible server to test on"
)
boto3 = pytest.importorskip("boto3", reason="boto3 is not installed")

BUCKET = "helpdesk-files"
RECEIPT = b"%PDF-1.7 the customer's receipt " * 100


@dataclass
class Bucket:
    endpoint: str
    client: object

    def object_keys(self) -> list[str]:
        listed = self.client.list_objects_v2(Bucket=BUCKET)
        return sorted(item["Key"] for item in listed.get("Contents", []))

    def body(self, key: str) -> bytes:
        return self.client.get_object(Bucket=BUCKET, Key=key)["Body"].read()

    def anonymous_get(self, key: str) -> int:
        try:
            with urllib.request.urlopen(f"{self.endpoint}/{BUCKET}/{key}", timeout=10) as reply:
                return reply.status
        except urllib.error.HTTPError as error:
            return error.code


@pytest.fixture
def bucket(settings, monkeypatch) -> Iterator[Bucket]:
    """An S3-compatible server on a free local port, an empty bucket, and the default storage
    pointed at it as base settings point it when AWS_STORAGE_BUCKET_NAME is set."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    port = free_port()
    server = moto_server.ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    endpoint = f"http://127.0.0.1:{port}"
    credentials = {"aws_access_key_id": "test-key", "aws_secret_access_key": "test-secret"}
    client = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", **credentials)
    client.create_bucket(Bucket=BUCKET)
    # Changing STORAGES makes Django drop its cached backends (and default_storage's), so
    # every FileField below writes through a new S3Storage.
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": endpoint,
                "region_name": "us-east-1",
                "access_key": "test-key",
                "secret_key": "test-secret",
                "default_acl": None,
                "file_overwrite": False,
                "max_memory_size": 64 * 1024,
            },
        },
    }
    assert type(default_storage._wrapped).__name__ != "S3Storage"  # re-made on first use
    try:
        yield Bucket(endpoint=endpoint, client=client)
    finally:
        # Servers in one process share moto's state: empty it for the next test.
        reset = urllib.request.Request(f"{endpoint}/moto-api/reset", method="POST")
        urllib.request.urlopen(reset, timeout=10).close()
        server.stop()


def test_a_public_object_is_readable_anonymously_so_a_refusal_means_private(bucket):
    # The check the tests below rely on: this server does refuse by ACL, and allows by it.
    bucket.client.put_object(Bucket=BUCKET, Key="open.txt", Body=b"open", ACL="public-read")
    bucket.client.put_object(Bucket=BUCKET, Key="closed.txt", Body=b"closed")
    assert bucket.anonymous_get("open.txt") == 200
    assert bucket.anonymous_get("closed.txt") == 403


@pytest.mark.django_db
def test_a_mails_attachment_is_a_private_object_that_only_its_brands_agents_download(
    client, kendrascottes, crocso, bucket, django_capture_on_commit_callbacks
):
    raw = make_mail(attachments=(("receipt.pdf", "application/pdf", RECEIPT),))
    with django_capture_on_commit_callbacks(execute=True):
        assert post_inbound(client, raw, recipient=KS).status_code == 200
    assert InboundEmail.objects.get().status == InboundEmail.Status.PROCESSED
    attachment = Attachment.objects.get()
    assert type(attachment.file.storage._wrapped).__name__ == "S3Storage"
    assert attachment.file.name in bucket.object_keys()
    assert bucket.body(attachment.file.name) == RECEIPT
    assert bucket.anonymous_get(attachment.file.name) == 403

    url = f"/admin/helpdesk/ticket/attachment/{attachment.pk}/"
    client.force_login(agent_of(kendrascottes))
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == RECEIPT
    assert response["Content-Disposition"].startswith('attachment; filename="receipt.pdf"')
    assert bucket.endpoint not in str(response.headers)

    client.force_login(agent_of(crocso))
    assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_raw_mail_is_a_private_object_stored_before_processing_and_downloaded_by_its_brand(
    client, kendrascottes, crocso, bucket, django_capture_on_commit_callbacks
):
    raw = make_mail(
        subject="Raw in the bucket", attachments=(("r.pdf", "application/pdf", RECEIPT),)
    )
    with django_capture_on_commit_callbacks(execute=False) as queued:
        assert post_inbound(client, raw, recipient=KS).status_code == 200
    stored = InboundEmail.objects.get()
    # Kept before anything reads it: the object exists while processing is still queued.
    assert stored.status == InboundEmail.Status.RECEIVED
    assert stored.raw_file.name.startswith("inbound/")
    assert bytes(stored.raw) == b""
    assert bucket.body(stored.raw_file.name) == raw
    assert bucket.anonymous_get(stored.raw_file.name) == 403
    for callback in queued:
        callback()
    stored.refresh_from_db()
    assert stored.status == InboundEmail.Status.PROCESSED  # processed from the bucket's copy
    assert Attachment.objects.get().size == len(RECEIPT)

    url = f"/admin/helpdesk/inboundemail/{stored.pk}/raw/"
    client.force_login(agent_of(kendrascottes))
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "message/rfc822"
    assert b"".join(response.streaming_content) == raw
    page = client.get(f"/admin/helpdesk/inboundemail/{stored.pk}/change/").content.decode()
    assert "Subject: Raw in the bucket" in page
    client.force_login(agent_of(crocso))
    assert client.get(url).status_code == 404


@pytest.mark.django_db(transaction=True)
def test_deleting_raw_mail_removes_the_object_once_committed(kendrascottes, bucket):
    stored = inbound_service.inbound_store(make_mail(), source="test", envelope_recipient=KS)
    name = stored.raw_file.name
    with pytest.raises(RuntimeError), transaction.atomic():
        inbound_raw_delete(stored)
        raise RuntimeError("the erasure failed")
    assert name in bucket.object_keys()  # the row still points at it
    stored.refresh_from_db()
    with transaction.atomic():
        inbound_raw_delete(stored)
        assert name in bucket.object_keys()
    assert name not in bucket.object_keys()
    stored.refresh_from_db()
    assert (stored.raw_file.name, bytes(stored.raw)) == ("", b"")
    assert inbound_raw_read(stored) == b""


@pytest.mark.django_db
def test_a_row_that_fails_to_insert_leaves_no_raw_mail_in_the_bucket(kendrascottes, bucket):
    with (
        mock.patch.object(InboundEmail.objects, "create", side_effect=OSError("disk full")),
        pytest.raises(OSError),
    ):
        inbound_service.inbound_store(make_mail(), source="test", envelope_recipient=KS)
    assert bucket.object_keys() == []


@pytest.mark.django_db(transaction=True)
def test_the_migration_copies_raw_mail_kept_in_the_database_into_the_bucket(kendrascottes, bucket):
    copy = importlib.import_module("helpdesk.migrations.0015_inbound_raw_to_files").raw_to_files
    old = [
        InboundEmail.objects.create(
            raw=make_mail(subject=f"Old {n}"),
            sha256=f"{n:064x}",
            size=1,
            source="test",
            received_at=timezone.now(),
        )
        for n in range(3)
    ]
    copy(django_apps, None)
    copy(django_apps, None)  # a second run finds nothing left to copy
    assert len(bucket.object_keys()) == 3
    for row in old:
        row.refresh_from_db()
        assert bytes(row.raw) == b""
        assert row.raw_file.name.startswith("inbound/")
        assert b"Subject: Old" in bucket.body(row.raw_file.name)
        assert inbound_raw_read(row) == bucket.body(row.raw_file.name)


@pytest.mark.django_db
def test_work_that_fails_after_saving_files_removes_them_from_the_bucket(
    kendrascottes, bucket, django_capture_on_commit_callbacks
):
    raw = make_mail(attachments=(("receipt.pdf", "application/pdf", RECEIPT),))
    real_save = inbound_service._save_attachments
    saved = []

    def save_then_crash(message, parsed):
        real_save(message, parsed)
        saved.extend(Attachment.objects.filter(message=message).values_list("file", flat=True))
        raise RuntimeError("crash after the files were written")

    with (
        mock.patch.object(inbound_service, "_save_attachments", save_then_crash),
        django_capture_on_commit_callbacks(execute=True),
    ):
        stored = inbound_service.inbound_store(raw, source="test", envelope_recipient=KS)
    stored.refresh_from_db()
    assert stored.status == InboundEmail.Status.FAILED
    assert saved and saved[0].startswith("attachments/")
    assert not [key for key in bucket.object_keys() if key.startswith("attachments/")]
    assert not Message.objects.exists()
