from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from helpdesk.errors import ApplicationError
from helpdesk.models import (
    Attachment,
    Erasure,
    Feedback,
    InboundEmail,
    Message,
    OutboundEmail,
    SlaClock,
    SlaEvent,
    Ticket,
)
from helpdesk.selectors.reports import ReportPeriod, brand_report
from helpdesk.services.raw_mail import inbound_raw_read
from helpdesk.services.tickets.erasure import (
    ERASED_DOMAIN,
    address_hash,
    customer_erase,
    customer_erasure_preview,
    customer_erasures_before,
)
from tests.factories import agent_of
from tests.helpdesk.services.tickets.erasure_data import (
    ADDRESS,
    CR,
    FILE_SENTENCE,
    NAME,
    SENTENCE,
    TRACES,
    customer_history,
    every_file_as_text,
    every_row_as_text,
    rows_of_brand_tickets,
)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def histories(media, kendrascottes, crocso, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    ks = customer_history(capture, kendrascottes, agent_of(kendrascottes))
    cr = customer_history(capture, crocso, agent_of(crocso), to=CR)
    return ks, cr


@pytest.fixture
def erase(django_capture_on_commit_callbacks):
    """customer_erase, then what its commit runs (deleting raw mail files)."""

    def erase(brand, email):
        with django_capture_on_commit_callbacks(execute=True):
            return customer_erase(brand, email, source="operator")

    return erase


def _today_report(brand):
    today = timezone.localdate()
    return brand_report(brand, ReportPeriod(today - timedelta(days=1), today + timedelta(days=1)))


def test_it_leaves_no_trace_of_the_customer_in_any_table_or_file_of_the_brand(
    erase, histories, kendrascottes, crocso, media
):
    before = every_row_as_text(exclude=rows_of_brand_tickets(crocso))
    missing = [trace for trace in TRACES if trace not in before]
    assert missing == [], "the history holds every trace"
    assert FILE_SENTENCE.lower() in every_file_as_text(media)

    erasure = erase(kendrascottes, ADDRESS)

    # Crocso's rows keep everything; leave them out and nothing of the customer is left.
    after = every_row_as_text(exclude=rows_of_brand_tickets(crocso))
    for trace in TRACES:
        assert trace not in after, trace
    crocso_files = {
        Path(file.path)
        for file in [
            *(a.file for a in Attachment.objects.filter(message__brand=crocso)),
            *(
                inbound.raw_file
                for model, pk in rows_of_brand_tickets(crocso)
                if model is InboundEmail
                for inbound in [InboundEmail.objects.get(pk=pk)]
            ),
        ]
        if file
    }
    other_files = [path for path in media.rglob("*") if path.is_file() and path not in crocso_files]
    assert other_files == []
    assert erasure.counts["tickets"] == 1
    assert erasure.counts["files"] == 1
    assert erasure.counts["inbound_emails"] == 3  # two mails and the ESP's retry


def test_it_leaves_the_same_customers_tickets_with_another_brand_untouched(
    erase, histories, kendrascottes, crocso, media
):
    _, cr = histories
    crocso_before = _crocso_state(crocso)

    erase(kendrascottes, ADDRESS)

    assert _crocso_state(crocso) == crocso_before
    cr.ticket.refresh_from_db()
    assert cr.ticket.customer_email == ADDRESS.lower()
    assert cr.ticket.customer_name == NAME
    assert SENTENCE in cr.ticket.messages.first().body_text
    assert SENTENCE.encode() in inbound_raw_read(InboundEmail.objects.get(pk=cr.first_mail.pk))
    attachment = Attachment.objects.get(message__brand=crocso)
    assert b"Quinceworth" in attachment.file.read()


def _crocso_state(crocso) -> list:
    return [
        list(Ticket.objects.filter(brand=crocso).values()),
        list(Message.objects.filter(brand=crocso).values()),
        list(OutboundEmail.objects.filter(brand=crocso).values()),
        list(Attachment.objects.filter(message__brand=crocso).values()),
        [
            (inbound.pk, inbound_raw_read(inbound), inbound.from_email, inbound.subject)
            for inbound in InboundEmail.objects.filter(messages__brand=crocso).distinct()
        ],
        list(Feedback.objects.filter(ticket__brand=crocso).values()),
    ]


def test_it_keeps_references_timings_statuses_and_ratings_so_reports_add_up(
    erase, histories, kendrascottes
):
    ks, _ = histories
    report_before = _today_report(kendrascottes)
    clocks_before = list(SlaClock.objects.filter(ticket=ks.ticket).values())
    events_before = list(SlaEvent.objects.filter(ticket=ks.ticket).values())
    kinds_before = list(ks.ticket.messages.values_list("kind", "author", "created_at"))

    erase(kendrascottes, ADDRESS)

    ticket = Ticket.objects.get(pk=ks.ticket.pk)
    assert ticket.reference == ks.ticket.reference
    assert (ticket.status, ticket.received_at, ticket.resolved_at) == (
        ks.ticket.status,
        ks.ticket.received_at,
        ks.ticket.resolved_at,
    )
    assert ticket.first_responded_at == ks.ticket.first_responded_at
    assert ticket.customer_email.endswith(f"@{ERASED_DOMAIN}")
    assert list(ticket.messages.values_list("kind", "author", "created_at")) == kinds_before
    assert list(SlaClock.objects.filter(ticket=ticket).values()) == clocks_before
    assert list(SlaEvent.objects.filter(ticket=ticket).values()) == events_before
    assert ticket.feedback.rating == 4
    assert _today_report(kendrascottes) == report_before


def test_it_records_who_when_and_how_many_but_never_the_address(erase, histories, kendrascottes):
    erasure = erase(kendrascottes, f"  {ADDRESS.upper()} ")

    recorded = Erasure.objects.get()
    assert recorded == erasure
    assert recorded.reason == Erasure.Reason.REQUEST
    assert recorded.source == "operator" and recorded.actor is None
    assert recorded.address_hash == address_hash(kendrascottes, ADDRESS)
    assert ADDRESS.lower() not in str(recorded.counts).lower()
    assert recorded.counts["messages"] >= 5
    assert list(customer_erasures_before(kendrascottes, ADDRESS)) == [recorded]


def test_a_repeated_request_erases_nothing_more_and_is_recognised(erase, histories, kendrascottes):
    erase(kendrascottes, ADDRESS)
    again = erase(kendrascottes, ADDRESS)

    assert not any(again.counts.values())
    assert customer_erasures_before(kendrascottes, ADDRESS).count() == 2


def test_the_same_address_in_one_brand_becomes_the_same_stand_in(erase, histories, kendrascottes):
    ks, _ = histories
    erase(kendrascottes, ADDRESS)

    stand_ins = set(
        Message.objects.filter(ticket=ks.ticket, kind=Message.Kind.INBOUND).values_list(
            "sender_email", flat=True
        )
    )
    assert stand_ins == {Ticket.objects.get(pk=ks.ticket.pk).customer_email}


def test_queued_mail_to_the_customer_is_not_sent_after_erasure(erase, histories, kendrascottes):
    ks, _ = histories
    OutboundEmail.objects.filter(ticket=ks.ticket).update(status=OutboundEmail.Status.QUEUED)

    erase(kendrascottes, ADDRESS)

    queued = OutboundEmail.objects.filter(ticket=ks.ticket, status=OutboundEmail.Status.QUEUED)
    assert not queued.exists()


def test_threading_survives_with_the_customers_message_ids_replaced(
    erase, histories, kendrascottes
):
    ks, _ = histories
    erase(kendrascottes, ADDRESS)

    inbound = list(ks.ticket.messages.filter(kind=Message.Kind.INBOUND).order_by("created_at"))
    assert all(m.message_id.endswith(f"@{ERASED_DOMAIN}>") for m in inbound)
    ours = set(
        ks.ticket.messages.filter(kind=Message.Kind.OUTBOUND).values_list("message_id", flat=True)
    )
    assert not any(mid.endswith(f"@{ERASED_DOMAIN}>") for mid in ours)
    assert inbound[1].in_reply_to in ours


def test_the_preview_counts_what_would_be_erased_and_changes_nothing(histories, kendrascottes):
    ks, _ = histories
    preview = customer_erasure_preview(kendrascottes, ADDRESS)

    assert preview["tickets"] == 1
    assert preview["attachments"] == 1
    assert preview["feedback"] == 1
    assert Ticket.objects.get(pk=ks.ticket.pk).customer_email == ADDRESS.lower()
    assert not Erasure.objects.exists()


@pytest.mark.parametrize("email", ["not an address", "", f"erased-123@{ERASED_DOMAIN}"])
def test_it_refuses_what_is_not_a_customers_address(kendrascottes, email):
    with pytest.raises(ApplicationError):
        customer_erase(kendrascottes, email, source="operator")
    assert not Erasure.objects.exists()
