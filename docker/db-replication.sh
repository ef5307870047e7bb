#!/bin/sh
# The primary's side of streaming replication (the compose `scale` profile's `db-replica`):
# a login role that may replicate and nothing else, and the pg_hba.conf line letting it in
# from the stack's network, with its password (SCRAM). Idempotent. Run
#   - by the postgres image, from /docker-entrypoint-initdb.d, when the volume is first
#     initialised (the server then restarts and reads pg_hba.conf);
#   - on a volume made before: `docker compose exec db sh /docker-entrypoint-initdb.d/20-havre-replication.sh`
#     (the configuration is then reloaded).
#
#   REPLICATION_DATABASE_USER / REPLICATION_DATABASE_PASSWORD   no password: nothing is done
#   (the stack without the `scale` profile needs no replication).
(
  set -eu
  if [ -z "${REPLICATION_DATABASE_PASSWORD:-}" ]; then
    echo "db-replication: REPLICATION_DB_PASSWORD is not set, no replication role"
    exit 0
  fi
  : "${REPLICATION_DATABASE_USER:?the replication role (REPLICATION_DATABASE_USER) is required}"
  export PGUSER="${PGUSER:-${POSTGRES_USER:-postgres}}"
  export PGDATABASE="${PGDATABASE:-${POSTGRES_DB:-$PGUSER}}"

  psql --no-psqlrc --quiet -v ON_ERROR_STOP=1 <<'SQL'
\getenv role REPLICATION_DATABASE_USER
\getenv password REPLICATION_DATABASE_PASSWORD
SELECT format('CREATE ROLE %I', :'role')
WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \gexec
SELECT format('ALTER ROLE %I LOGIN REPLICATION NOSUPERUSER NOBYPASSRLS NOCREATEDB '
              'NOCREATEROLE PASSWORD %L', :'role', :'password') \gexec
SELECT format('COMMENT ON ROLE %I IS %L', :'role',
              'Havre''s streaming replica (pg_basebackup, WAL): replicates, reads no table.') \gexec
SQL

  # Replication connections match only lines naming the `replication` database; the image's
  # own `host all all all scram-sha-256` does not let them in.
  hba="${PGDATA:-/var/lib/postgresql/data}/pg_hba.conf"
  line="host replication $REPLICATION_DATABASE_USER all scram-sha-256"
  if ! grep -qxF "$line" "$hba"; then
    printf '%s\n' "$line" >> "$hba"
    psql --no-psqlrc --quiet -c 'SELECT pg_reload_conf()' >/dev/null
  fi
  echo "db-replication: $REPLICATION_DATABASE_USER may replicate"
)
