"""An operator's probes and metrics: alive without the database, ready only when database,
migrations, broker and the sweep answer, and metrics that follow a breach."""

from datetime import timedelta
from unittest import mock

import pytest
from celery import current_app
from django.db import OperationalError
from django.utils import timezone

from helpdesk.models import Heartbeat, SlaClock
from helpdesk.selectors import operations
from helpdesk.services.sla.sweep import sla_sweep
from helpdesk.services.tickets.lifecycle import ticket_create


def test_healthz_answers_without_touching_the_database(client):
    # No database for this test: any query would raise instead of answering.
    response = client.get("/healthz")
    assert (response.status_code, response.content) == (200, b"ok\n")


@pytest.mark.django_db
def test_readyz_is_ready_once_a_sweep_has_run(client):
    assert client.get("/readyz").json()["failed"] == {"sweep": "no sweep recorded yet"}
    sla_sweep()
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {
        "ready": True,
        "checks": {"database": True, "migrations": True, "broker": True, "sweep": True},
    }


@pytest.mark.django_db
def test_readyz_fails_naming_a_stale_sweep(client, settings):
    sla_sweep()
    Heartbeat.objects.update(
        at=timezone.now() - timedelta(seconds=settings.SWEEP_STALE_SECONDS + 5)
    )
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failed"]["sweep"].startswith("last sweep")


@pytest.fixture
def refusing_broker():
    """A port nothing listens on: the connection is refused, as with a stopped Redis."""
    kept = current_app.conf.broker_url
    current_app.conf.broker_url = "redis://127.0.0.1:9/0"
    yield
    current_app.conf.broker_url = kept


@pytest.mark.django_db
def test_readyz_fails_naming_a_broker_that_refuses(client, refusing_broker):
    sla_sweep()
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failed"] == {"broker": "unreachable: OperationalError"}


@pytest.mark.django_db
def test_readyz_fails_naming_the_database_when_it_does_not_answer(client):
    with mock.patch(
        "django.db.backends.base.base.BaseDatabaseWrapper.ensure_connection",
        side_effect=OperationalError("connection refused"),
    ):
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["failed"]["database"] == "unreachable: OperationalError"


@pytest.mark.django_db
def test_metrics_show_a_breach_per_brand_and_clock_and_the_sweep(client, kendrascottes):
    ticket = ticket_create(
        kendrascottes,
        customer_email="ann@customer.example",
        subject="Late",
        body="Where?",
        acknowledge=True,
    )
    SlaClock.objects.filter(ticket=ticket).update(latest_at=timezone.now() - timedelta(hours=1))
    sla_sweep()
    body = client.get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()
    assert 'helpdesk_sla_clocks_overdue{brand="kendrascottes",kind="first_response"} 1.0' in body
    assert 'helpdesk_outbox_emails{status="queued"} 1.0' in body
    assert "helpdesk_sla_sweep_lag_seconds " in body
    assert "helpdesk_sla_sweep_duration_seconds " in body
    assert 'helpdesk_http_responses_total{status="200"}' in body


@pytest.mark.django_db
def test_metrics_refuse_other_addresses_without_the_token(client, settings):
    settings.METRICS_TOKEN = "scrape-secret"
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.7").status_code == 403
    wrong = client.get("/metrics", REMOTE_ADDR="203.0.113.7", HTTP_AUTHORIZATION="Bearer nope")
    assert wrong.status_code == 403
    right = client.get(
        "/metrics", REMOTE_ADDR="203.0.113.7", HTTP_AUTHORIZATION="Bearer scrape-secret"
    )
    assert right.status_code == 200
    settings.METRICS_ALLOWED_ADDRESSES = ["203.0.113.0/24"]
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.7").status_code == 200


@pytest.mark.django_db
def test_readyz_reads_the_migration_graph_only_until_it_has_seen_everything_applied(
    client, monkeypatch
):
    monkeypatch.setattr(operations, "_all_migrations_seen_applied", False)
    with mock.patch.object(
        operations, "MigrationExecutor", wraps=operations.MigrationExecutor
    ) as executor:
        client.get("/readyz")
        client.get("/readyz")
    assert executor.call_count == 1
