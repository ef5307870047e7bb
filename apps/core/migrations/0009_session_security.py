"""Sessions behind row-level security, stored as digests (docs/security.md, "Sessions").

django_session had no row-level security: any app_user transaction could read every session
key, a staff member's included, and replay it as a cookie. Now:

1. The table holds the SHA-256 (hex) of each key, never the key: the cookie keeps the key, so
   a reader of the table or of a backup holds nothing to replay. session_key widens from 40 to
   64 characters for it (Django never checks the length on save; a CHECK keeps the shape).
   Existing sessions are hashed in place: everyone stays logged in.
2. Row-level security, forced: only the session actor (system:session) reads or writes rows;
   any other context, or none, sees nothing and writes nothing.
3. The session engine (apps/core/sessions.py) goes through the functions below, each of which
   acts as system:session for its one statement (`SET app.actor`, the pattern of the rating
   and availability functions): a session costs one statement, in a request's transaction or
   in its own, and nothing is left switched afterwards. Each needs the digest of a key: none
   lists sessions.

Going back cannot recover the keys: the sessions are deleted and everyone logs in again.
"""

from django.db import migrations

FORWARD = """
ALTER TABLE django_session ALTER COLUMN session_key TYPE varchar(64);
UPDATE django_session SET session_key = encode(sha256(convert_to(session_key, 'UTF8')), 'hex');
ALTER TABLE django_session ADD CONSTRAINT django_session_key_sha256
    CHECK (session_key ~ '^[0-9a-f]{64}$');

ALTER TABLE django_session ENABLE ROW LEVEL SECURITY;
ALTER TABLE django_session FORCE ROW LEVEL SECURITY;
CREATE POLICY django_session_session_actor ON django_session
    USING ((SELECT app_setting('app.actor')) = 'system:session')
    WITH CHECK ((SELECT app_setting('app.actor')) = 'system:session');

CREATE FUNCTION session_load(key_digest text) RETURNS text
    LANGUAGE sql STABLE SET app.actor = 'system:session'
    AS $$ SELECT session_data FROM django_session
          WHERE session_key = key_digest AND expire_date > now() $$;

CREATE FUNCTION session_exists(key_digest text) RETURNS boolean
    LANGUAGE sql STABLE SET app.actor = 'system:session'
    AS $$ SELECT EXISTS (SELECT 1 FROM django_session WHERE session_key = key_digest) $$;

CREATE FUNCTION session_create(key_digest text, new_data text, new_expiry timestamptz)
    RETURNS boolean
    LANGUAGE sql SET app.actor = 'system:session'
    AS $$ WITH created AS (
              INSERT INTO django_session (session_key, session_data, expire_date)
              VALUES (key_digest, new_data, new_expiry)
              ON CONFLICT (session_key) DO NOTHING
              RETURNING 1)
          SELECT EXISTS (SELECT 1 FROM created) $$;

CREATE FUNCTION session_update(key_digest text, new_data text, new_expiry timestamptz)
    RETURNS boolean
    LANGUAGE sql SET app.actor = 'system:session'
    AS $$ WITH updated AS (
              UPDATE django_session SET session_data = new_data, expire_date = new_expiry
              WHERE session_key = key_digest
              RETURNING 1)
          SELECT EXISTS (SELECT 1 FROM updated) $$;

CREATE FUNCTION session_delete(key_digest text) RETURNS boolean
    LANGUAGE sql SET app.actor = 'system:session'
    AS $$ WITH deleted AS (DELETE FROM django_session WHERE session_key = key_digest RETURNING 1)
          SELECT EXISTS (SELECT 1 FROM deleted) $$;

CREATE FUNCTION session_clear_expired() RETURNS bigint
    LANGUAGE sql SET app.actor = 'system:session'
    AS $$ WITH expired AS (DELETE FROM django_session WHERE expire_date < now() RETURNING 1)
          SELECT count(*) FROM expired $$;

COMMENT ON TABLE django_session IS
    'Django sessions (admin, browsable API). session_key holds the SHA-256 of the cookie''s key.';
COMMENT ON COLUMN django_session.session_key IS
    'hex SHA-256 of the session key; the key itself lives only in the client''s cookie';
COMMENT ON CONSTRAINT django_session_key_sha256 ON django_session IS
    'a digest, never a key: a 40-character Django key cannot be stored by mistake';
COMMENT ON POLICY django_session_session_actor ON django_session IS
    'only the session actor (system:session, the session_* functions) reads and writes sessions';
COMMENT ON FUNCTION session_load(text) IS
    'the data of the unexpired session with this key digest, as system:session';
COMMENT ON FUNCTION session_exists(text) IS
    'whether a session (expired or not) has this key digest, as system:session';
COMMENT ON FUNCTION session_create(text, text, timestamptz) IS
    'insert a session; false when the digest is taken (Django then draws another key)';
COMMENT ON FUNCTION session_update(text, text, timestamptz) IS
    'rewrite a session''s data and expiry; false when it is gone (deleted meanwhile)';
COMMENT ON FUNCTION session_delete(text) IS 'delete a session (log out, key cycled)';
COMMENT ON FUNCTION session_clear_expired() IS
    'delete the expired sessions (clearsessions); returns how many';
"""

REVERSE = """
DROP FUNCTION session_load(text);
DROP FUNCTION session_exists(text);
DROP FUNCTION session_create(text, text, timestamptz);
DROP FUNCTION session_update(text, text, timestamptz);
DROP FUNCTION session_delete(text);
DROP FUNCTION session_clear_expired();
DROP POLICY django_session_session_actor ON django_session;
ALTER TABLE django_session NO FORCE ROW LEVEL SECURITY;
ALTER TABLE django_session DISABLE ROW LEVEL SECURITY;
ALTER TABLE django_session DROP CONSTRAINT django_session_key_sha256;
DELETE FROM django_session;
ALTER TABLE django_session ALTER COLUMN session_key TYPE varchar(40);
COMMENT ON TABLE django_session IS NULL;
COMMENT ON COLUMN django_session.session_key IS NULL;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0008_object_comments"),
        ("sessions", "0001_initial"),
    ]

    operations = [migrations.RunSQL(FORWARD, REVERSE)]
