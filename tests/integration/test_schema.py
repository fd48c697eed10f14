"""db/schema.sql is what the migrations build: a test on a real PostgreSQL, as procrastinate does it."""

from __future__ import annotations

from typing import Any

from scraper.storage import db

# Every object of the public schema, described by the server itself (so both databases, made on
# the same server, are described in the same words whatever its version).
CATALOG = {
    "columns": """SELECT table_name, column_name, data_type, udt_name, is_nullable, column_default,
                         is_identity, is_generated, generation_expression
                  FROM information_schema.columns WHERE table_schema = 'public'
                    AND table_name <> 'schema_migrations'""",
    "constraints": """SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)
                      FROM pg_constraint WHERE connamespace = 'public'::regnamespace
                        AND conrelid::regclass::text <> 'schema_migrations'""",
    "indexes": """SELECT indexname, indexdef FROM pg_indexes
                  WHERE schemaname = 'public' AND tablename <> 'schema_migrations'""",
    "views": """SELECT viewname, pg_get_viewdef(format('%I.%I', schemaname, viewname)::regclass)
                FROM pg_views WHERE schemaname = 'public'""",
    "functions": """SELECT proname, pg_get_functiondef(oid) FROM pg_proc
                    WHERE pronamespace = 'public'::regnamespace""",
    "triggers": "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal",
    "comments": """SELECT objoid::regclass::text, objsubid, description FROM pg_description
                   WHERE classoid = 'pg_class'::regclass""",
}


def describe(url: str) -> dict[str, list[tuple[Any, ...]]]:
    """Return the sorted catalog rows of every kind of object of the database at `url`."""
    conn = db.connect(url)
    try:
        with db.transaction(conn, "describing the schema") as cur:
            result = {}
            for kind, sql in CATALOG.items():
                cur.execute(sql)
                result[kind] = sorted(tuple(str(v) for v in row) for row in cur.fetchall())
            return result
    finally:
        conn.close()


def test_schema_sql_is_what_the_migrations_build(db_url, empty_db_url):
    conn = db.connect(empty_db_url)
    try:
        with db.transaction(conn, "applying db/schema.sql") as cur:
            cur.execute((db.DB_DIR / "schema.sql").read_text(encoding="utf-8"))
    finally:
        conn.close()
    migrated, snapshot = describe(db_url), describe(empty_db_url)
    for kind in CATALOG:
        only_migrations = sorted(set(migrated[kind]) - set(snapshot[kind]))
        only_snapshot = sorted(set(snapshot[kind]) - set(migrated[kind]))
        assert not only_migrations and not only_snapshot, (
            f"db/schema.sql is out of date ({kind}): run `make schema`; "
            f"from the migrations only: {only_migrations[:3]}; from schema.sql only: {only_snapshot[:3]}")
