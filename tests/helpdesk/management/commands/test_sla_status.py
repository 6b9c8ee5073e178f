from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from helpdesk.models import SlaClock, Ticket
from helpdesk.services.tickets.lifecycle import ticket_set_status
from tests.factories import TicketFactory


def set_clock(ticket: Ticket, *, target_in: float, latest_in: float) -> None:
    now = timezone.now()
    ticket.clocks.update(
        target_at=now + timedelta(hours=target_in), latest_at=now + timedelta(hours=latest_in)
    )


@pytest.mark.django_db
def test_it_counts_open_tickets_by_clock_state_per_brand(capsys, kendrascottes, crocso):
    on_track, due_soon, breached, waiting, resolved = (
        TicketFactory(brand=kendrascottes) for _ in range(5)
    )
    set_clock(on_track, target_in=2, latest_in=4)
    set_clock(due_soon, target_in=-1, latest_in=4)
    set_clock(breached, target_in=-3, latest_in=-1)
    set_clock(waiting, target_in=2, latest_in=4)
    ticket_set_status(waiting, Ticket.Status.WAITING)
    ticket_set_status(resolved, Ticket.Status.RESOLVED)
    set_clock(TicketFactory(brand=crocso), target_in=-1, latest_in=1)

    call_command("sla_status")
    lines = [line.split() for line in capsys.readouterr().out.splitlines()]
    assert lines[0] == ["brand", "on", "track", "due", "soon", "breached", "waiting"]
    assert lines[1] == ["crocso", "0", "1", "0", "0"]
    assert lines[2] == ["kendrascottes", "1", "1", "1", "1"]
    assert SlaClock.objects.filter(ticket=resolved, state="stopped").exists()


@pytest.mark.django_db
def test_it_shows_one_brand_on_request_and_refuses_an_unknown_one(capsys, kendrascottes, crocso):
    call_command("sla_status", "--brand", "crocso")
    assert [line.split()[0] for line in capsys.readouterr().out.splitlines()] == ["brand", "crocso"]
    with pytest.raises(CommandError) as refused:
        call_command("sla_status", "--brand", "nope")
    assert refused.value.returncode == 2
