"""Ticket search for staff: the one search behind the admin's search box and the staff API's
`q`. It narrows tickets already scoped to a user's brands (selectors.staff), so a search
never reaches another brand's ticket.

On PostgreSQL the words are matched against the ticket's stored, GIN-indexed search vector
(kept by triggers, see migration 0019_ticket_search) and ranked; a reference typed in full is
found by its unique index too. On SQLite (the demo) each word is a plain contains-match on the
same fields.
"""

import re
from collections.abc import Sequence

from django.db import connection
from django.db.models import (
    BooleanField,
    Case,
    Exists,
    F,
    FloatField,
    Func,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils.html import escape

from helpdesk.models import Message, Ticket

SEARCH_MAX_CHARS = 200
# How many of the newest matching tickets are ranked (see tickets_search).
RANK_WINDOW = 200
# Up to how many matches a search sorted by a column reads them all before its page (see
# _matches_in_any_order).
RARE_MATCHES = 1000
# Marks around matched words in a snippet: characters no mail text holds, so the text can be
# escaped as a whole and the marks turned into <mark> afterwards.
_START, _STOP = "\x02", "\x03"
SNIPPET_WORDS = 24
# A snippet reads this much of a message at most (ts_headline's cost grows with the text).
SNIPPET_SOURCE_CHARS = 20_000


def search_text(text: str) -> str:
    """What is searched for: the words typed, spaces collapsed, bounded in length."""
    return " ".join(text.split())[:SEARCH_MAX_CHARS].strip()


def _is_postgresql() -> bool:
    return connection.vendor == "postgresql"


class _TsQuery(Func):
    function = "helpdesk_ts_query"
    output_field = FloatField()  # never read: only passed to @@ and ts_rank


class _Matches(Func):
    template = "%(expressions)s"
    arg_joiner = " @@ "
    output_field = BooleanField()


def tickets_search(
    tickets: QuerySet[Ticket], text: str, *, ranked: bool = True
) -> QuerySet[Ticket]:
    """The tickets among `tickets` that match `text`, best first, annotated with
    `search_rank`. A reference typed in full comes first. Blank text narrows nothing.

    On PostgreSQL the ranking reads the newest RANK_WINDOW matches, not all of them: a word
    most tickets hold ("order") would otherwise rank a brand's every ticket for one page,
    while an agent looks for the recent ones; a rarer word has fewer matches than that and
    all of them are ranked. Unranked (`ranked=False`, for a caller that orders the results by
    a column of its own) every match is there, in no particular order: read in the order of
    an index, a page of them costs no more than a page of the window.
    """
    text = search_text(text)
    if not text:
        return tickets
    reference = Q(reference=text.upper())
    exact = Case(When(reference, then=Value(1.0)), default=Value(0.0), output_field=FloatField())
    if _is_postgresql():
        query = _TsQuery(Value(text))
        matched = tickets.filter(reference | Q(_Matches(F("search_vector"), query)))
        if not ranked:
            return _matches_in_any_order(tickets, matched)
        newest = matched.order_by("-received_at", "-id").values("pk")[:RANK_WINDOW]
        rank = Func(F("search_vector"), query, function="ts_rank", output_field=FloatField())
        found = tickets.filter(pk__in=newest)
    else:
        words = Q()
        for word in text.split():
            words &= (
                Q(reference__icontains=word)
                | Q(subject__icontains=word)
                | Q(customer_name__icontains=word)
                | Q(customer_email__icontains=word)
                | Q(order_number__icontains=word)
                | Q(order_numbers__icontains=word)
                | Q(Exists(_messages_containing(word)))
            )
        found = tickets.filter(reference | words)
        if not ranked:
            return found
        rank = Value(0.0, output_field=FloatField())
    return found.annotate(search_rank=rank + exact).order_by("-search_rank", "-received_at", "-id")


def _matches_in_any_order(tickets: QuerySet[Ticket], matched: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """Every match, for a caller that orders them by a column. PostgreSQL finds a page in
    that order by walking the column's index until the page is full: quick when many
    tickets match, but a walk of all of them when the words are rare, which its statistics
    cannot tell apart (a customer's name, a number). So the matches are first taken from the
    search index, without order, up to RARE_MATCHES: when that is all of them, the page is
    sorted from those few rows alone."""
    few = list(matched.order_by().values_list("pk", flat=True)[: RARE_MATCHES + 1])
    if len(few) <= RARE_MATCHES:
        return tickets.filter(pk__in=few)
    return matched


def _messages_containing(word: str) -> QuerySet[Message]:
    return Message.objects.filter(ticket=OuterRef("pk"), body_text__icontains=word)


def search_snippets(tickets: Sequence[Ticket], text: str) -> dict[int, str]:
    """For each ticket of a result page (never all results), a short piece of its latest
    message that matches, as HTML with the matched words in <mark>; tickets matched by their
    subject, customer or numbers only have none."""
    text = search_text(text)
    ids = [ticket.pk for ticket in tickets]
    if not text or not ids:
        return {}
    pieces = _headlines(ids, text) if _is_postgresql() else _contains_pieces(ids, text)
    return {
        ticket_id: escape(piece).replace(_START, "<mark>").replace(_STOP, "</mark>")
        for ticket_id, piece in pieces.items()
        if piece
    }


def _headlines(ids: list[int], text: str) -> dict[int, str]:
    options = f"StartSel={_START}, StopSel={_STOP}, MaxWords={SNIPPET_WORDS}, MinWords=8"
    message = Message._meta.db_table
    ticket = Ticket._meta.db_table
    # Each ticket's messages are read with its language's configuration, as its vector was
    # made, and the query only in that one and `simple` (ts_headline picks poor fragments
    # from a query in every language). Only the page's tickets are read, newest message
    # first, stopping at the first that matches, and only their first characters.
    sql = f"""
        SELECT t.id, ts_headline(c.cfg, m.body, c.query, %s)
        FROM {ticket} t
        JOIN brands_brand b ON b.id = t.brand_id
        CROSS JOIN LATERAL (
          SELECT l.cfg, websearch_to_tsquery(l.cfg, %s) || websearch_to_tsquery('simple', %s)
            AS query
          FROM (
            SELECT helpdesk_ts_config(coalesce(nullif(t.language, ''), b.default_language))
              AS cfg
          ) l
        ) c
        CROSS JOIN LATERAL (
          SELECT left(body_text, %s) AS body FROM {message}
          WHERE ticket_id = t.id AND to_tsvector(c.cfg, left(body_text, %s)) @@ c.query
          ORDER BY created_at DESC, id DESC
          LIMIT 1
        ) m
        WHERE t.id = ANY(%s)
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [options, text, text, SNIPPET_SOURCE_CHARS, SNIPPET_SOURCE_CHARS, ids])
        return dict(cursor.fetchall())


def _contains_pieces(ids: list[int], text: str) -> dict[int, str]:
    words = text.split()
    pattern = re.compile("|".join(re.escape(word) for word in words), re.IGNORECASE)
    pieces: dict[int, str] = {}
    latest_first = Message.objects.filter(ticket_id__in=ids).order_by("-created_at", "-id")
    for ticket_id, body in latest_first.values_list("ticket_id", "body_text"):
        if ticket_id in pieces:
            continue
        found = pattern.search(body)
        if found is None:
            continue
        start = max(0, found.start() - 80)
        piece = " ".join(body[start : found.end() + 120].split())
        pieces[ticket_id] = pattern.sub(lambda m: f"{_START}{m.group(0)}{_STOP}", piece)
    return pieces
