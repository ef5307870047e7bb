"""E-mail look-ups and staff searches over users that use an index under row-level security.

Under RLS PostgreSQL evaluates the policies before any condition that is not LEAKPROOF, and
may use an index only for LEAKPROOF conditions. `upper()` and `LIKE` are not LEAKPROOF (only a
superuser can declare a function so), so as app_user `UPPER(email) = ...` (login,
registration, every `=...email` admin search) and `UPPER(email) LIKE '%...%'` (the admin's
user search and autocomplete) read every user.

1. `users.email_key`, UPPER(email) stored by PostgreSQL, carries the case-insensitive
   uniqueness (`users_email_ci_unique`, the same name as before) and serves every exact
   look-up: `email_key = UPPER('...')` is a plain text equality, LEAKPROOF, so the unique
   index serves it under RLS for whichever context asks — and RLS still decides which rows
   that context may see. (A SECURITY DEFINER function would not help here: it runs as the
   tables' owner, whom FORCE ROW LEVEL SECURITY subjects to the same policies, hence to the
   same scan, on any server where the owner is not a superuser.)

2. `user_search`, a projection of the searchable text of every user (upper-cased e-mail and
   name, and the creation date the admin sorts by) with trigram indexes, has no RLS and no
   privilege for app_user. Triggers on users keep it in the same transaction as every change.
   Only `user_search_ids(words, max_rows)` reads it, a SECURITY DEFINER function that answers
   staff and system actors (app_is_privileged(): the very contexts that may read every user
   through the policies) and refuses anyone else; the admin then reads the users it returns
   by primary key, under RLS.

Adding the stored column rewrites the users table (an ACCESS EXCLUSIVE lock): measured at
700,000 users, see docs/database.md.
"""

import django.db.models.functions.text
from django.conf import settings
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations, models
from psycopg import sql

import apps.accounts.models

PROJECTION = r"""
CREATE TABLE user_search (
    user_id bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL,
    email_key text NOT NULL,
    name_key text NOT NULL
);
COMMENT ON TABLE user_search IS
    'What staff search users by (UPPER of e-mail and name), outside row-level security so '
    'that its trigram indexes can serve LIKE; kept by user_search_sync(), read only through '
    'user_search_ids(). No privilege for the runtime role.';
CREATE INDEX user_search_email_trgm_idx ON user_search USING gin (email_key gin_trgm_ops);
CREATE INDEX user_search_name_trgm_idx ON user_search USING gin (name_key gin_trgm_ops);
CREATE INDEX user_search_email_prefix_idx ON user_search (email_key text_pattern_ops);
CREATE INDEX user_search_name_prefix_idx ON user_search (name_key text_pattern_ops);
CREATE INDEX user_search_recent_idx ON user_search (created_at DESC, user_id DESC);
COMMENT ON INDEX user_search_email_trgm_idx IS 'Substrings of e-mail addresses (LIKE).';
COMMENT ON INDEX user_search_name_trgm_idx IS 'Substrings of names (LIKE).';
COMMENT ON INDEX user_search_email_prefix_idx IS
    'Starts of e-mail addresses: a word too short for trigrams (LIKE ''ab%'').';
COMMENT ON INDEX user_search_name_prefix_idx IS
    'Starts of names: a word too short for trigrams (LIKE ''ab%'').';
COMMENT ON INDEX user_search_recent_idx IS
    'Newest first, the admin''s order: a term most users match is checked along it.';

-- What user_search holds for each user: the backfill below, the bulk seeder and the tests
-- read it; user_search_sync() writes the same columns from its trigger rows.
CREATE VIEW user_search_source AS
SELECT id AS user_id, created_at, email_key, upper(name) AS name_key FROM users;
COMMENT ON VIEW user_search_source IS
    'The rows user_search must hold (backfills, bulk loads, consistency checks). '
    'Reads users with its owner''s rights: no privilege for the runtime role.';

CREATE FUNCTION user_search_sync() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp
    AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO user_search (user_id, created_at, email_key, name_key)
        SELECT n.id, n.created_at, n.email_key, upper(n.name) FROM new_rows n;
    ELSE
        INSERT INTO user_search (user_id, created_at, email_key, name_key)
        VALUES (NEW.id, NEW.created_at, NEW.email_key, upper(NEW.name))
        ON CONFLICT (user_id) DO UPDATE
            SET created_at = EXCLUDED.created_at,
                email_key = EXCLUDED.email_key,
                name_key = EXCLUDED.name_key;
    END IF;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION user_search_sync() IS
    'Trigger: copies the searchable columns of new and changed users into user_search '
    '(deletions cascade through its foreign key).';
-- Inserts: one statement for the whole batch. Updates: only when a searched column changes
-- (the WHEN clause costs nothing to the frequent ones: last_login, is_verified...).
CREATE TRIGGER users_search_insert AFTER INSERT ON users
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION user_search_sync();
CREATE TRIGGER users_search_update AFTER UPDATE OF email, name, created_at ON users
    FOR EACH ROW
    -- (Spelt as a flat OR, which is how PostgreSQL prints it back: pg_dump then restores
    -- the very same definition.)
    WHEN (OLD.email IS DISTINCT FROM NEW.email OR OLD.name IS DISTINCT FROM NEW.name
          OR OLD.created_at IS DISTINCT FROM NEW.created_at)
    EXECUTE FUNCTION user_search_sync();
COMMENT ON TRIGGER users_search_insert ON users IS
    'Copies new users into user_search, the staff''s search projection (one pass a statement).';
COMMENT ON TRIGGER users_search_update ON users IS
    'Keeps user_search in step when a user''s e-mail, name or creation time changes.';

-- The backfill reads users as the owner, whom FORCE ROW LEVEL SECURITY subjects to the
-- policies: a system actor sees them all.
SELECT set_config('app.actor', 'system:migration', true);
INSERT INTO user_search SELECT * FROM user_search_source;
SELECT set_config('app.actor', '', true);
ANALYZE user_search;  -- the planner chooses between its indexes by these statistics

-- The query is built apart from its execution so that its plan can be read:
-- EXPLAIN <the text of user_search_query(...)>, as the owner.
CREATE FUNCTION user_search_query(words text[], max_rows integer) RETURNS text
    LANGUAGE plpgsql IMMUTABLE SET search_path = public, pg_temp
    AS $$
DECLARE
    statement text := 'SELECT user_id FROM user_search WHERE true';
    word text;
    pattern text;
BEGIN
    IF cardinality(words) > 10 THEN
        RAISE EXCEPTION 'a user search takes at most 10 words'
            USING ERRCODE = 'program_limit_exceeded';
    END IF;
    FOREACH word IN ARRAY coalesce(words, '{}') LOOP
        IF length(word) > 255 THEN
            -- Longer than any e-mail address or name: nothing matches.
            RETURN 'SELECT NULL::bigint AS user_id WHERE false';
        END IF;
        pattern := replace(replace(replace(upper(word), '\', '\\'), '%', '\%'), '_', '\_');
        -- Trigrams need three characters: a shorter word matches the start of the e-mail
        -- address or of the name (prefix indexes), a longer one anywhere in them.
        pattern := CASE WHEN length(word) < 3 THEN pattern || '%' ELSE '%' || pattern || '%' END;
        -- Literal patterns (not parameters): the planner sees each one and chooses between
        -- the trigram indexes (a rare word) and the newest-first walk (a common one).
        statement := statement || format(' AND (email_key LIKE %1$L OR name_key LIKE %1$L)', pattern);
    END LOOP;
    RETURN statement || format(' ORDER BY created_at DESC, user_id DESC LIMIT %s',
                           least(greatest(coalesce(max_rows, 0), 0), 100000));
END;
$$;
COMMENT ON FUNCTION user_search_query(text[], integer) IS
    'The SELECT that user_search_ids() runs for these words (to read its plan with EXPLAIN).';

CREATE FUNCTION user_search_ids(words text[], max_rows integer) RETURNS SETOF bigint
    LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = public, pg_temp
    ROWS 100
    AS $$
BEGIN
    IF NOT app_is_privileged() THEN
        RAISE EXCEPTION 'user_search_ids() answers staff and system actors only'
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN QUERY EXECUTE user_search_query(words, max_rows);
END;
$$;
COMMENT ON FUNCTION user_search_ids(text[], integer) IS
    'Ids of the users whose e-mail address or name contains every word (case-insensitive; '
    'a word of one or two characters: starts with it), newest first, at most max_rows '
    '(capped at 100,000). Staff and system actors only (app_is_privileged()); anyone else '
    'gets insufficient_privilege.';
"""

REVERSE = """
DROP FUNCTION user_search_ids(text[], integer);
DROP FUNCTION user_search_query(text[], integer);
DROP TRIGGER users_search_insert ON users;
DROP TRIGGER users_search_update ON users;
DROP FUNCTION user_search_sync();
DROP VIEW user_search_source;
DROP TABLE user_search;
"""


def search_is_the_functions_only(apps, schema_editor):
    """The projection is the owner's; the runtime role reaches it only through the function
    (tables and views created by migrations get its DML rights by default: taken back)."""
    role = sql.Identifier(settings.DATABASE_APP_ROLE)
    with schema_editor.connection.cursor() as cursor:
        for statement in (
            "REVOKE ALL ON user_search FROM {role}",
            "REVOKE ALL ON user_search_source FROM {role}",
            "REVOKE ALL ON FUNCTION user_search_ids(text[], integer) FROM PUBLIC",
            "GRANT EXECUTE ON FUNCTION user_search_ids(text[], integer) TO {role}",
            "REVOKE ALL ON FUNCTION user_search_query(text[], integer) FROM PUBLIC",
            "REVOKE ALL ON FUNCTION user_search_sync() FROM PUBLIC",
        ):
            cursor.execute(sql.SQL(statement).format(role=role))


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0009_object_comments"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("core", "0003_privileged_policies_first"),
    ]

    operations = [
        migrations.RemoveConstraint(model_name="user", name="users_email_ci_unique"),
        migrations.AddField(
            model_name="user",
            name="email_key",
            field=models.GeneratedField(
                db_persist=True,
                expression=django.db.models.functions.text.Upper("email"),
                output_field=models.TextField(),
            ),
        ),
        migrations.AlterField(
            model_name="user",
            name="email",
            field=apps.accounts.models.UserEmailField(max_length=255),
        ),
        migrations.AddConstraint(
            model_name="user",
            constraint=models.UniqueConstraint(
                fields=("email_key",),
                name="users_email_ci_unique",
                violation_error_message="A user with this e-mail address already exists.",
            ),
        ),
        migrations.RunSQL(
            "COMMENT ON CONSTRAINT users_email_ci_unique ON users IS "
            "'One account per e-mail address, whatever its case; its index serves every "
            "case-insensitive look-up (email_key = UPPER(...)), row-level security or not.';",
            migrations.RunSQL.noop,
        ),
        migrations.AddIndex(
            model_name="user",
            index=models.Index(
                condition=models.Q(("is_staff", True)),
                fields=["email"],
                name="users_staff_email_idx",
            ),
        ),
        TrigramExtension(),
        migrations.RunSQL(PROJECTION, REVERSE),
        migrations.RunPython(search_is_the_functions_only, migrations.RunPython.noop),
    ]
