#!/bin/sh
# The application's login role and the backup role, created or brought in line with the
# environment (docs/security.md, "Roles in docker compose"). Idempotent; run
#   - by the postgres image, from /docker-entrypoint-initdb.d, when the data directory is
#     first initialised (as POSTGRES_USER, over the server's local socket);
#   - by the `migrate` service (docker/migrate.sh) before every migration, as the owner: an
#     existing volume gets the roles too, and a changed password takes effect.
#
#   DATABASE_USER / DATABASE_PASSWORD                 the application: LOGIN, NOSUPERUSER,
#       NOBYPASSRLS, owns nothing; migrations grant it DML (core.0002), RLS decides the rows.
#   BACKUP_DATABASE_USER / BACKUP_DATABASE_PASSWORD   pg_dump: LOGIN, BYPASSRLS (sees every
#       row), pg_read_all_data, read-only by default.
#
# The connection: libpq's PG* variables, else POSTGRES_USER and POSTGRES_DB (the image's).
# Passwords reach psql through its environment (\getenv, psql 15: never on a command line,
# where `ps` would show them) and SQL as quoted literals (:'name', then format('%L')).
# In a subshell: the postgres image sources a script it finds without its executable bit, and
# `set -eu` or the PG* variables must not leak into its own entry point then.
(
  set -eu
  : "${DATABASE_USER:?the application role (DATABASE_USER) is required}"
  : "${DATABASE_PASSWORD:?the application role's password (DATABASE_PASSWORD) is required}"
  : "${BACKUP_DATABASE_USER:?the backup role (BACKUP_DATABASE_USER) is required}"
  : "${BACKUP_DATABASE_PASSWORD:?the backup role's password (BACKUP_DATABASE_PASSWORD) is required}"
  export PGUSER="${PGUSER:-${POSTGRES_USER:-postgres}}"
  export PGDATABASE="${PGDATABASE:-${POSTGRES_DB:-$PGUSER}}"

  psql --no-psqlrc --quiet -v ON_ERROR_STOP=1 <<'SQL'
\getenv app_role DATABASE_USER
\getenv app_password DATABASE_PASSWORD
\getenv backup_role BACKUP_DATABASE_USER
\getenv backup_password BACKUP_DATABASE_PASSWORD
-- Neither may be the role running this (the owner), nor the same as the other: a role
-- altered below would lose its powers or gain the other's.
SELECT 'DO $refuse$ BEGIN RAISE EXCEPTION ''db-roles: DATABASE_USER, BACKUP_DATABASE_USER '
       'and the owner must be three different roles''; END $refuse$'
WHERE :'app_role' IN (current_user, :'backup_role') OR :'backup_role' = current_user \gexec

SELECT format('CREATE ROLE %I', :'app_role')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'app_role') \gexec
SELECT format('ALTER ROLE %I LOGIN NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE '
              'NOREPLICATION PASSWORD %L', :'app_role', :'app_password') \gexec
SELECT format('COMMENT ON ROLE %I IS %L', :'app_role',
              'Havre''s application login: no superuser, no BYPASSRLS, owns nothing.') \gexec

-- The application owns nothing: an owner is exempt from its tables' row-level security
-- unless forced, and may ALTER or DROP them.
SELECT format('DO $refuse$ BEGIN RAISE EXCEPTION %L; END $refuse$',
              format('db-roles: role %s owns %s objects in database %s: reassign them to the '
                     'owner (REASSIGN OWNED BY %I TO %I)', :'app_role', count(*),
                     current_database(), :'app_role', current_user))
FROM pg_class WHERE relowner = (SELECT oid FROM pg_roles WHERE rolname = :'app_role')
HAVING count(*) > 0 \gexec

SELECT format('CREATE ROLE %I', :'backup_role')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'backup_role') \gexec
SELECT format('ALTER ROLE %I LOGIN NOSUPERUSER BYPASSRLS NOCREATEDB NOCREATEROLE '
              'NOREPLICATION PASSWORD %L', :'backup_role', :'backup_password') \gexec
SELECT format('GRANT pg_read_all_data TO %I', :'backup_role')
WHERE NOT pg_has_role(:'backup_role', 'pg_read_all_data', 'MEMBER') \gexec
SELECT format('ALTER ROLE %I SET default_transaction_read_only = on', :'backup_role') \gexec
SELECT format('COMMENT ON ROLE %I IS %L', :'backup_role',
              'Havre''s backups (pg_dump): BYPASSRLS, reads everything, writes nothing.') \gexec
SQL
  echo "db-roles: $DATABASE_USER (application) and $BACKUP_DATABASE_USER (backups) are ready"
)
