"""A search query is read in every language PostgreSQL knows (see 0019_ticket_search), but most
words read alike in most of them: the query keeps each distinct reading once, so matching and
ranking a ticket compare a handful of alternatives instead of thirty."""

import importlib

from django.db import migrations

CONFIGS = importlib.import_module("helpdesk.migrations.0019_ticket_search").CONFIGS
_names = ", ".join(f"'{name}'" for name in ["simple", *sorted(set(CONFIGS.values()))])

CREATE = f"""
CREATE OR REPLACE FUNCTION helpdesk_ts_query(q text) RETURNS tsquery
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT coalesce(
    (SELECT string_agg(DISTINCT '(' || r::text || ')', ' | ')
     FROM (SELECT websearch_to_tsquery(c::regconfig, q) AS r
           FROM unnest(ARRAY[{_names}]) AS c) readings
     WHERE r::text <> '')::tsquery,
    websearch_to_tsquery('simple', q))
$$;
"""

_queries = " || ".join(
    f"websearch_to_tsquery('{name}', q)" for name in ["simple", *sorted(set(CONFIGS.values()))]
)
DROP = f"""
CREATE OR REPLACE FUNCTION helpdesk_ts_query(q text) RETURNS tsquery
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT {_queries}
$$;
"""


def _on_postgresql(sql: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("helpdesk", "0024_ticket_newest_index")]

    operations = [migrations.RunPython(_on_postgresql(CREATE), _on_postgresql(DROP))]
