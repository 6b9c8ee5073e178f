"""End to end with a real Celery worker and beat against Redis: time passes, the beat's sweep
fires the warning and the breach, and the escalation mail leaves through the worker; the beat's
automatic assignment gives a ticket nobody owned to the agent who became available."""

import time
from datetime import timedelta

import pytest
import redis
from celery.beat import EmbeddedService
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core import mail
from django.utils import timezone

from brands.models import Brand, BrandMembership, OpeningHours, StaffPreference
from brands.services import policy_version_record, staff_alerts_set
from helpdesk.models import Alert, OutboundEmail, SlaEvent
from tests.conftest import REDIS_URL, celery_broker, redis_is_up
from tests.factories import TicketFactory, agent_of

pytestmark = pytest.mark.skipif(not redis_is_up(), reason=f"needs Redis at {REDIS_URL}")


@pytest.fixture
def redis_celery(tmp_path):
    """The project's Celery app on Redis with a real worker and a beat sweeping and handing
    out unowned tickets twice a second (the project's schedule entries, sooner)."""
    redis.Redis.from_url(REDIS_URL).delete("celery")  # leftovers from an aborted run
    schedule = {
        name: {**settings.CELERY_BEAT_SCHEDULE[name], "schedule": 0.5}
        for name in ("sla-sweep", "assign-unowned-tickets")
    }
    with (
        celery_broker(REDIS_URL, beat_schedule=schedule) as app,
        start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30),
    ):
        beat = EmbeddedService(app, thread=True, schedule_filename=str(tmp_path / "beat"))
        beat.start()
        try:
            yield app
        finally:
            beat.stop()


def wait_for(condition, timeout: float = 60.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


@pytest.mark.django_db(transaction=True)
def test_the_beat_warns_then_breaches_then_escalates_by_mail(kendrascottes, redis_celery):
    # A brand open around the clock with a one-hour target and two-hour promise, so a ticket
    # received just under two hours ago is past its target and breaches seconds from now.
    OpeningHours.objects.filter(brand=kendrascottes).update(mode=OpeningHours.Mode.ALL_DAY)
    kendrascottes.holidays.all().delete()
    kendrascottes.policy.first_response_target_hours = 1
    kendrascottes.policy.first_response_latest_hours = 2
    kendrascottes.policy.save()
    policy_version_record(kendrascottes, source="test")
    agent_of(kendrascottes, email="agent@ks.example")
    agent_of(kendrascottes, BrandMembership.Role.SENIOR, email="senior@ks.example")

    ticket = TicketFactory(
        brand=kendrascottes, received_at=timezone.now() - timedelta(hours=2) + timedelta(seconds=4)
    )

    def subjects() -> list[str]:
        return [message.subject for message in mail.outbox]

    assert wait_for(lambda: any("Due soon" in s for s in subjects())), subjects()
    assert wait_for(lambda: any("Escalated to tier 2" in s for s in subjects())), subjects()
    kinds = list(
        SlaEvent.objects.filter(ticket=ticket).order_by("id").values_list("kind", flat=True)
    )
    assert kinds == ["warning", "breach", "escalation"]
    escalation = next(m for m in mail.outbox if "Escalated to tier 2" in m.subject)
    assert escalation.to == ["senior@ks.example"]
    assert OutboundEmail.objects.filter(status="sent").count() == 2


@pytest.mark.django_db(transaction=True)
def test_the_beat_gives_an_unowned_ticket_to_the_agent_who_becomes_available(
    kendrascottes, redis_celery
):
    kendrascottes.auto_assign = Brand.AutoAssign.ROUND_ROBIN
    kendrascottes.save(update_fields=["auto_assign"])
    ann = agent_of(kendrascottes, username="ann")
    delivery = StaffPreference.AlertDelivery.IN_APP
    staff_alerts_set(ann, alert_delivery=delivery, is_available=False)
    ticket = TicketFactory(brand=kendrascottes)
    assert ticket.assignee is None

    staff_alerts_set(ann, alert_delivery=delivery, is_available=True)

    assert wait_for(lambda: Alert.objects.filter(user=ann, kind=Alert.Kind.ASSIGNED).exists())
    ticket.refresh_from_db()
    assert ticket.assignee == ann


# Sent by hand, the signal reaches Celery's Django fixup too, which expects a worker.
@pytest.mark.filterwarnings("ignore:DjangoFixup.on_worker_init called without a sender")
def test_a_worker_checks_its_kept_database_connection_before_each_task():
    from celery.signals import worker_init
    from django.conf import settings

    database = settings.DATABASES["default"]
    before = database["CONN_HEALTH_CHECKS"]
    database["CONN_HEALTH_CHECKS"] = False  # the web default
    try:
        worker_init.send(sender=None)
        assert database["CONN_HEALTH_CHECKS"] is True
    finally:
        database["CONN_HEALTH_CHECKS"] = before
