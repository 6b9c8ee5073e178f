from datetime import timedelta

import pytest
from django.utils import timezone

from brands.models import Brand
from helpdesk.models import Attachment, Erasure, InboundEmail, Ticket
from helpdesk.selectors.reports import ReportPeriod, brand_report
from helpdesk.services.tickets.retention import retention_apply
from tests.factories import agent_of
from tests.helpdesk.services.tickets.erasure_data import (
    CR,
    TRACES,
    customer_history,
    every_row_as_text,
    rows_of_brand_tickets,
)

DAYS_AGO = 40


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def history(media, kendrascottes, django_capture_on_commit_callbacks):
    """A Kendrascottes customer's resolved ticket, finished 40 days ago."""
    found = customer_history(
        django_capture_on_commit_callbacks, kendrascottes, agent_of(kendrascottes)
    )
    Ticket.objects.filter(pk=found.ticket.pk).update(
        resolved_at=timezone.now() - timedelta(days=DAYS_AGO)
    )
    return found


@pytest.fixture
def apply(django_capture_on_commit_callbacks):
    def apply(**options):
        with django_capture_on_commit_callbacks(execute=True):
            return retention_apply(**options)

    return apply


def _set(brand: Brand, **days) -> None:
    Brand.objects.filter(pk=brand.pk).update(**days)


def _report(brand: Brand) -> dict:
    today = timezone.localdate()
    return brand_report(brand, ReportPeriod(today - timedelta(days=60), today + timedelta(days=1)))


def _raw_files(ticket: Ticket) -> list:
    return [
        mail.raw_file
        for mail in InboundEmail.objects.filter(messages__ticket=ticket).distinct()
        if mail.raw_file
    ]


def test_nothing_happens_while_every_rule_is_off(history, kendrascottes, apply):
    before = every_row_as_text()

    assert apply() == {}

    assert every_row_as_text() == before
    assert _raw_files(history.ticket)


def test_raw_mail_goes_after_the_days_set_and_the_reports_keep_their_counts(
    history, kendrascottes, apply
):
    files = [file.path for file in _raw_files(history.ticket)]
    report = _report(kendrascottes)
    _set(kendrascottes, raw_mail_retention_days=30)

    done = apply()

    assert done["kendrascottes"]["raw_mails"] == 2
    assert _raw_files(history.ticket) == []
    assert not any(__import__("os").path.exists(path) for path in files)
    assert InboundEmail.objects.filter(messages__ticket=history.ticket).count() == 2
    assert _report(kendrascottes) == report
    assert apply()["kendrascottes"]["raw_mails"] == 0, "a second run finds nothing"


def test_nothing_is_deleted_before_its_day(history, kendrascottes, apply):
    _set(
        kendrascottes,
        raw_mail_retention_days=DAYS_AGO + 1,
        attachment_retention_days=DAYS_AGO + 1,
        anonymise_after_days=DAYS_AGO + 1,
    )
    before = every_row_as_text()

    apply()

    assert every_row_as_text() == before


def test_an_open_ticket_is_never_touched(history, kendrascottes, apply):
    Ticket.objects.filter(pk=history.ticket.pk).update(status=Ticket.Status.OPEN)
    _set(kendrascottes, raw_mail_retention_days=1, anonymise_after_days=1)

    apply()

    assert _raw_files(history.ticket)
    assert Ticket.objects.get(pk=history.ticket.pk).customer_name


def test_attachment_files_go_and_their_rows_say_why(history, kendrascottes, apply, media):
    attachment = Attachment.objects.get(message__ticket=history.ticket)
    path = attachment.file.path
    _set(kendrascottes, attachment_retention_days=30)

    apply()

    attachment.refresh_from_db()
    assert not attachment.file
    assert "retention" in attachment.note
    assert not __import__("os").path.exists(path)


def test_anonymising_leaves_no_trace_and_reports_keep_their_counts(
    history, kendrascottes, crocso, apply, media, django_capture_on_commit_callbacks
):
    customer_history(django_capture_on_commit_callbacks, crocso, agent_of(crocso), to=CR)
    report = _report(kendrascottes)
    _set(kendrascottes, anonymise_after_days=30)

    done = apply()

    assert done["kendrascottes"]["tickets_anonymised"] == 1
    after = every_row_as_text(exclude=rows_of_brand_tickets(crocso))
    assert [trace for trace in TRACES if trace in after] == []
    assert _report(kendrascottes) == report
    erasure = Erasure.objects.get()
    assert (erasure.reason, erasure.source, erasure.address_hash) == ("retention", "retention", "")
    assert erasure.counts["tickets"] == 1


def test_each_run_does_at_most_a_batch(
    history, kendrascottes, apply, django_capture_on_commit_callbacks
):
    second = customer_history(
        django_capture_on_commit_callbacks,
        kendrascottes,
        agent_of(kendrascottes, username="b"),
        tag="b",
    )
    Ticket.objects.filter(pk=second.ticket.pk).update(
        resolved_at=timezone.now() - timedelta(days=DAYS_AGO)
    )
    _set(kendrascottes, anonymise_after_days=30)

    assert apply(batch_size=1)["kendrascottes"]["tickets_anonymised"] == 1
    assert apply(batch_size=1)["kendrascottes"]["tickets_anonymised"] == 1
    assert apply(batch_size=1)["kendrascottes"]["tickets_anonymised"] == 0
    assert Erasure.objects.count() == 2
