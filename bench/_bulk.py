"""What the benchmarks that bulk-load tickets share: the search triggers off while rows are
written by SQL, then every search vector built in one statement (as the migration's
backfill does) under a fresh GIN index; and the percentile they print."""

SEARCH_TRIGGERS = (
    "ALTER TABLE helpdesk_message {0} TRIGGER helpdesk_message_search_insert; "
    "ALTER TABLE helpdesk_ticket {0} TRIGGER helpdesk_ticket_search"
)


def search_triggers_off(cursor) -> None:
    cursor.execute(SEARCH_TRIGGERS.format("DISABLE"))


def search_vectors_build(cursor) -> None:
    """The triggers back on, and every ticket's vector written before its index is made."""
    cursor.execute(SEARCH_TRIGGERS.format("ENABLE"))
    cursor.execute("DROP INDEX IF EXISTS helpdesk_ticket_search_gin")
    cursor.execute("UPDATE helpdesk_ticket t SET search_vector = helpdesk_ticket_vector(t)")
    cursor.execute(
        "CREATE INDEX helpdesk_ticket_search_gin ON helpdesk_ticket USING gin (search_vector)"
    )


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]
