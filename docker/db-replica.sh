#!/bin/sh
# The entry point of the compose `scale` profile's `db-replica`: a hot standby of `db`,
# streaming its WAL. On an empty volume it first copies the primary with pg_basebackup -R
# (which writes primary_conninfo and standby.signal), then runs the service's command (the
# postgres image's own entry point, which starts the server as the postgres user).
#
#   PRIMARY_HOST / PRIMARY_PORT                                  the primary (db:5432)
#   REPLICATION_DATABASE_USER / REPLICATION_DATABASE_PASSWORD   the primary's replication role
#                                                                (docker/db-replication.sh)
set -eu
: "${REPLICATION_DATABASE_USER:?the replication role (REPLICATION_DATABASE_USER) is required}"
: "${REPLICATION_DATABASE_PASSWORD:?set REPLICATION_DB_PASSWORD in .env for the scale profile}"
data="${PGDATA:-/var/lib/postgresql/data}"

# The image starts us as root; the copy belongs to the server's user.
as_server_user=""
if [ "$(id -u)" = 0 ]; then
  as_server_user="gosu postgres"
fi

if [ ! -s "$data/PG_VERSION" ]; then
  install -d -m 0700 "$data"
  if [ -n "$as_server_user" ]; then chown postgres:postgres "$data"; fi
  until pg_isready -q -h "${PRIMARY_HOST:-db}" -p "${PRIMARY_PORT:-5432}"; do sleep 1; done
  echo "db-replica: copying the primary (${PRIMARY_HOST:-db}:${PRIMARY_PORT:-5432})"
  # The password travels in the environment (never on a command line, where `ps` shows it);
  # -R keeps it in postgresql.auto.conf, readable by the postgres user alone.
  PGPASSWORD="$REPLICATION_DATABASE_PASSWORD" $as_server_user pg_basebackup \
    --host="${PRIMARY_HOST:-db}" --port="${PRIMARY_PORT:-5432}" \
    --username="$REPLICATION_DATABASE_USER" --pgdata="$data" \
    --wal-method=stream --checkpoint=fast --write-recovery-conf
fi
unset REPLICATION_DATABASE_PASSWORD
exec "$@"
