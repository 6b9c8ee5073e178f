from io import StringIO

import pytest
from django.core.management import CommandError, call_command, execute_from_command_line

from helpdesk.models import Erasure, Ticket
from helpdesk.services.tickets.erasure import ERASED_DOMAIN
from tests.factories import StorefrontTicketFactory


def _erase(*args: str) -> str:
    out = StringIO()
    call_command("customer_erase", *args, stdout=out)
    return out.getvalue()


@pytest.fixture
def tickets(kendrascottes, crocso, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        ks = StorefrontTicketFactory(brand=kendrascottes, customer_email="ann@customer.example")
        cr = StorefrontTicketFactory(brand=crocso, customer_email="ann@customer.example")
    return ks, cr


def test_it_erases_the_customer_in_the_brand_and_prints_what_it_erased(tickets):
    ks, cr = tickets
    out = _erase("--brand", "kendrascottes", "--email", "Ann@Customer.example")

    assert "Erased in Kendrascottes:" in out
    assert "  tickets: 1" in out
    assert "ann@customer.example" not in out
    assert Ticket.objects.get(pk=ks.pk).customer_email.endswith(f"@{ERASED_DOMAIN}")
    assert Ticket.objects.get(pk=cr.pk).customer_email == "ann@customer.example"
    erasure = Erasure.objects.get()
    assert (erasure.source, erasure.actor) == ("operator", None)
    assert f"Recorded as erasure {erasure.pk}." in out


def test_a_second_run_says_nothing_is_left_and_that_it_was_erased_before(tickets):
    _erase("--brand", "kendrascottes", "--email", "ann@customer.example")
    out = _erase("--brand", "kendrascottes", "--email", "ann@customer.example")

    assert "Nothing of that address is left in Kendrascottes." in out
    assert "This address was erased before" in out


def test_it_refuses_an_unknown_brand_naming_the_known_ones(tickets):
    with pytest.raises(
        CommandError, match=r"No brand .nope.\. Known brands: crocso, kendrascottes"
    ):
        _erase("--brand", "nope", "--email", "ann@customer.example")
    assert not Erasure.objects.exists()


@pytest.mark.parametrize("email", ["ann", "ann@", ""])
def test_it_refuses_what_is_not_an_address(tickets, email):
    with pytest.raises(CommandError, match="is not an email address"):
        _erase("--brand", "kendrascottes", "--email", email)
    assert not Erasure.objects.exists()


def test_a_bad_argument_exits_non_zero(tickets, capsys):
    with pytest.raises(SystemExit) as exit_info:
        execute_from_command_line(["manage.py", "customer_erase", "--brand", "x", "--email", "a"])
    assert exit_info.value.code != 0
    assert "No brand 'x'" in capsys.readouterr().err
