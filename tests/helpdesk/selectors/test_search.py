"""The staff's ticket search: words of a conversation, order numbers, references, the ticket's
language, and the snippet of the matching message."""

import pytest
from django.db import connection

from helpdesk.models import Message
from helpdesk.selectors.search import search_snippets, tickets_search
from helpdesk.selectors.staff import tickets_for_user
from helpdesk.services.tickets.lifecycle import ticket_customer_reply
from tests.factories import TicketFactory, agent_of

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="stemming needs PostgreSQL's text search"
)


def found(user, text: str) -> list[str]:
    return list(tickets_search(tickets_for_user(user), text).values_list("reference", flat=True))


def vector(ticket) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT search_vector::text FROM helpdesk_ticket WHERE id = %s", [ticket.pk])
        return cursor.fetchone()[0]


@pytest.fixture
def ks_agent(kendrascottes):
    return agent_of(kendrascottes)


@pytest.mark.django_db
def test_a_word_only_in_a_later_message_finds_its_ticket(kendrascottes, ks_agent):
    ticket = TicketFactory(brand=kendrascottes, subject="A question")
    TicketFactory(brand=kendrascottes, subject="Another question")
    ticket_customer_reply(ticket, body="The clasp of the bracelet snapped off yesterday.")

    assert found(ks_agent, "clasp") == [ticket.reference]
    assert found(ks_agent, "bracelet clasp") == [ticket.reference]
    assert found(ks_agent, "clasp necklace") == []


@pytest.mark.django_db
def test_a_reference_typed_in_full_finds_its_ticket_first(kendrascottes, ks_agent):
    ticket = TicketFactory(brand=kendrascottes)
    TicketFactory(brand=kendrascottes, body=f"Same as {ticket.reference.lower()} please")

    assert found(ks_agent, ticket.reference.lower())[0] == ticket.reference


@pytest.mark.django_db
def test_order_numbers_are_searchable(kendrascottes, ks_agent):
    ticket = TicketFactory(brand=kendrascottes, subject="Hello")
    TicketFactory(brand=kendrascottes)
    ticket.order_numbers = ["104233"]
    ticket.save(update_fields=["order_numbers"])

    assert found(ks_agent, "104233") == [ticket.reference]


@pytest.mark.django_db
def test_the_customer_s_name_and_address_are_searchable(kendrascottes, ks_agent):
    ticket = TicketFactory(
        brand=kendrascottes, customer_name="Rosalind Quist", customer_email="rq@mail.example"
    )
    TicketFactory(brand=kendrascottes)

    assert found(ks_agent, "quist") == [ticket.reference]
    assert found(ks_agent, "rq@mail.example") == [ticket.reference]


@pytest.mark.django_db
def test_another_brand_s_ticket_is_never_found(kendrascottes, crocso, ks_agent):
    TicketFactory(brand=crocso, body="My sandals have a broken strap.")

    assert found(ks_agent, "sandals") == []


@postgres_only
@pytest.mark.django_db
def test_a_french_word_finds_its_variants_in_a_french_ticket(kendrascottes, ks_agent):
    ticket = TicketFactory(
        brand=kendrascottes,
        language="fr",
        subject="Question",
        body="Mes bijoux sont arrivés abîmés.",
    )

    # Stemmed as French: the feminine singular finds the masculine plural.
    assert found(ks_agent, "abîmée") == [ticket.reference]
    assert found(ks_agent, "arrivée") == [ticket.reference]


@postgres_only
@pytest.mark.django_db
def test_the_vector_follows_a_change_of_language(kendrascottes, ks_agent):
    ticket = TicketFactory(brand=kendrascottes, subject="Question", body="Bijoux abîmés")
    assert "'abîm'" not in vector(ticket)  # read in the brand's language, English

    ticket.language = "fr"
    ticket.save(update_fields=["language"])

    assert "'abîm'" in vector(ticket)  # the French stem
    assert found(ks_agent, "abîmée") == [ticket.reference]


@postgres_only
@pytest.mark.django_db
def test_the_subject_ranks_above_a_message(kendrascottes, ks_agent):
    in_body = TicketFactory(brand=kendrascottes, subject="Hello", body="about my earrings")
    in_subject = TicketFactory(brand=kendrascottes, subject="Earrings", body="hello")

    assert found(ks_agent, "earrings") == [in_subject.reference, in_body.reference]


@postgres_only
@pytest.mark.django_db
def test_edited_moved_and_deleted_messages_update_the_vector(kendrascottes, ks_agent):
    first = TicketFactory(brand=kendrascottes, subject="One")
    second = TicketFactory(brand=kendrascottes, subject="Two")
    message = ticket_customer_reply(first, body="turquoise")
    assert found(ks_agent, "turquoise") == [first.reference]

    Message.objects.filter(pk=message.pk).update(ticket=second)
    assert found(ks_agent, "turquoise") == [second.reference]

    Message.objects.filter(pk=message.pk).update(body_text="amber")
    assert found(ks_agent, "turquoise") == []
    assert found(ks_agent, "amber") == [second.reference]

    Message.objects.filter(pk=message.pk).delete()
    assert found(ks_agent, "amber") == []


@pytest.mark.django_db
def test_the_snippet_marks_the_words_in_the_matching_message(kendrascottes, ks_agent):
    ticket = TicketFactory(brand=kendrascottes, subject="Hi", body="Nothing here.")
    ticket_customer_reply(ticket, body="Q&A: the clasp of my bracelet broke.")
    TicketFactory(brand=kendrascottes, subject="clasp")

    results = list(tickets_search(tickets_for_user(ks_agent), "clasp"))
    snippets = search_snippets(results, "clasp")

    assert "<mark>clasp</mark>" in snippets[ticket.pk]
    assert "Q&amp;A" in snippets[ticket.pk]  # the mail's text is escaped, never markup
    assert len(snippets) == 1  # the other matched by its subject: no message to show
