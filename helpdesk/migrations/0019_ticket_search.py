"""Full-text search of tickets on PostgreSQL, and the order numbers a ticket is about.

The search vector is kept by triggers, so every writer (the services, the bulk loads of the
benchmarks, an operator's SQL) keeps it current: a ticket's row recomputes it when its
reference, subject, customer, order numbers or language change, and messages recompute their
ticket's once per statement when they are added, edited, moved (a merge) or deleted.

Weights: reference and subject A, the customer's name and address and the order numbers B,
the customer's and agents' messages C, internal notes D. Words are read with the text search
configuration of the ticket's language (the brand's when it has none) where PostgreSQL has
one, `simple` otherwise; a query is read with every configuration here, so a French word
finds its stemmed variants in French tickets. On SQLite nothing is created: search there is
a plain contains-match.
"""

import django.contrib.postgres.search
from django.db import migrations, models

# ISO 639-1 codes and PostgreSQL's text search configuration for them.
CONFIGS = {
    "ar": "arabic",
    "ca": "catalan",
    "da": "danish",
    "de": "german",
    "el": "greek",
    "en": "english",
    "es": "spanish",
    "eu": "basque",
    "fi": "finnish",
    "fr": "french",
    "ga": "irish",
    "hi": "hindi",
    "hu": "hungarian",
    "hy": "armenian",
    "id": "indonesian",
    "it": "italian",
    "lt": "lithuanian",
    "nb": "norwegian",
    "ne": "nepali",
    "nl": "dutch",
    "nn": "norwegian",
    "no": "norwegian",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "sr": "serbian",
    "sv": "swedish",
    "ta": "tamil",
    "tr": "turkish",
    "yi": "yiddish",
}
# Bounds so one enormous mail can neither exceed a tsvector's 1 MB nor make every write of
# its ticket slow: the first 20,000 characters of a message and 200,000 of a ticket's.
MESSAGE_CHARS = 20_000
TICKET_CHARS = 200_000

_cases = "\n".join(f"    WHEN '{code}' THEN '{name}'" for code, name in CONFIGS.items())
_queries = " || ".join(
    f"websearch_to_tsquery('{name}', q)" for name in ["simple", *sorted(set(CONFIGS.values()))]
)

CREATE = f"""
CREATE OR REPLACE FUNCTION helpdesk_ts_config(code text) RETURNS regconfig
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT (CASE lower(split_part(split_part(coalesce(code, ''), '-', 1), '_', 1))
{_cases}
    ELSE 'simple' END)::regconfig
$$;

CREATE OR REPLACE FUNCTION helpdesk_ts_query(q text) RETURNS tsquery
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT {_queries}
$$;

CREATE OR REPLACE FUNCTION helpdesk_ticket_vector(t helpdesk_ticket) RETURNS tsvector
LANGUAGE sql STABLE AS $$
  WITH cfg AS (
    SELECT helpdesk_ts_config(coalesce(nullif(t.language, ''),
      (SELECT default_language FROM brands_brand WHERE id = t.brand_id))) AS c
  ), said AS (
    SELECT
      left(string_agg(left(body_text, {MESSAGE_CHARS}), ' ' ORDER BY created_at, id)
        FILTER (WHERE kind <> 'note'), {TICKET_CHARS}) AS messages,
      left(string_agg(left(body_text, {MESSAGE_CHARS}), ' ' ORDER BY created_at, id)
        FILTER (WHERE kind = 'note'), {TICKET_CHARS}) AS notes
    FROM helpdesk_message WHERE ticket_id = t.id
  )
  SELECT
    setweight(to_tsvector('simple', coalesce(t.reference, '')), 'A')
    || setweight(to_tsvector(cfg.c, coalesce(t.subject, '')), 'A')
    || setweight(to_tsvector('simple', concat_ws(' ',
         t.customer_name, t.customer_email, translate(t.customer_email, '@.', '  '),
         t.order_number,
         CASE WHEN jsonb_typeof(t.order_numbers) = 'array' THEN
           (SELECT string_agg(n, ' ') FROM jsonb_array_elements_text(t.order_numbers) n)
         END)), 'B')
    || setweight(to_tsvector(cfg.c, coalesce(said.messages, '')), 'C')
    || setweight(to_tsvector(cfg.c, coalesce(said.notes, '')), 'D')
  FROM cfg, said
$$;

CREATE OR REPLACE FUNCTION helpdesk_ticket_search_row() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.search_vector := helpdesk_ticket_vector(NEW);
  RETURN NEW;
END
$$;

CREATE TRIGGER helpdesk_ticket_search
BEFORE INSERT OR UPDATE OF
  reference, subject, customer_name, customer_email, order_number, order_numbers, language,
  brand_id
ON helpdesk_ticket FOR EACH ROW EXECUTE FUNCTION helpdesk_ticket_search_row();

CREATE OR REPLACE FUNCTION helpdesk_message_search_insert() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE helpdesk_ticket t SET search_vector = helpdesk_ticket_vector(t)
  WHERE t.id IN (SELECT DISTINCT ticket_id FROM changed_new);
  RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION helpdesk_message_search_delete() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE helpdesk_ticket t SET search_vector = helpdesk_ticket_vector(t)
  WHERE t.id IN (SELECT DISTINCT ticket_id FROM changed_old);
  RETURN NULL;
END
$$;

-- Only rows whose words, kind or ticket changed: delivery updates recompute nothing.
CREATE OR REPLACE FUNCTION helpdesk_message_search_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  UPDATE helpdesk_ticket t SET search_vector = helpdesk_ticket_vector(t)
  WHERE t.id IN (
    SELECT unnest(ARRAY[n.ticket_id, o.ticket_id])
    FROM changed_new n JOIN changed_old o ON o.id = n.id
    WHERE n.body_text IS DISTINCT FROM o.body_text OR n.kind <> o.kind
      OR n.ticket_id <> o.ticket_id
  );
  RETURN NULL;
END
$$;

CREATE TRIGGER helpdesk_message_search_insert AFTER INSERT ON helpdesk_message
REFERENCING NEW TABLE AS changed_new
FOR EACH STATEMENT EXECUTE FUNCTION helpdesk_message_search_insert();

CREATE TRIGGER helpdesk_message_search_delete AFTER DELETE ON helpdesk_message
REFERENCING OLD TABLE AS changed_old
FOR EACH STATEMENT EXECUTE FUNCTION helpdesk_message_search_delete();

CREATE TRIGGER helpdesk_message_search_update AFTER UPDATE ON helpdesk_message
REFERENCING NEW TABLE AS changed_new OLD TABLE AS changed_old
FOR EACH STATEMENT EXECUTE FUNCTION helpdesk_message_search_update();

UPDATE helpdesk_ticket t SET search_vector = helpdesk_ticket_vector(t);

CREATE INDEX helpdesk_ticket_search_gin ON helpdesk_ticket USING gin (search_vector);
"""

DROP = """
DROP INDEX IF EXISTS helpdesk_ticket_search_gin;
DROP TRIGGER IF EXISTS helpdesk_message_search_update ON helpdesk_message;
DROP TRIGGER IF EXISTS helpdesk_message_search_delete ON helpdesk_message;
DROP TRIGGER IF EXISTS helpdesk_message_search_insert ON helpdesk_message;
DROP TRIGGER IF EXISTS helpdesk_ticket_search ON helpdesk_ticket;
DROP FUNCTION IF EXISTS helpdesk_message_search_update();
DROP FUNCTION IF EXISTS helpdesk_message_search_delete();
DROP FUNCTION IF EXISTS helpdesk_message_search_insert();
DROP FUNCTION IF EXISTS helpdesk_ticket_search_row();
DROP FUNCTION IF EXISTS helpdesk_ticket_vector(helpdesk_ticket);
DROP FUNCTION IF EXISTS helpdesk_ts_query(text);
DROP FUNCTION IF EXISTS helpdesk_ts_config(text);
"""


def _on_postgresql(sql: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("helpdesk", "0018_macros_signatures"),
    ]

    operations = [
        migrations.AddField(
            model_name="ticket",
            name="order_numbers",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name="ticket",
            name="search_vector",
            field=django.contrib.postgres.search.SearchVectorField(editable=False, null=True),
        ),
        migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP)),
    ]
