#!/bin/sh
# The `pgbouncer` service of the compose `scale` profile: the auth file and the one database
# entry, written from the environment, then PgBouncer in the foreground with pgbouncer.ini.
#
#   DATABASE_USER / DATABASE_PASSWORD   the application's login, the only one let through
#   DATABASE_NAME                       the database, under the same name here (default havre)
#   PGBOUNCER_SERVER_HOST / _PORT       the primary (default db:5432)
#   PGBOUNCER_PORT                      where the app servers connect (default 6432)
#   PGBOUNCER_RUN_DIR, PGBOUNCER_CONFIG where the generated files go, and the settings file
#
# The password goes to a file only this user reads (umask 077), never on a command line.
set -eu
: "${DATABASE_USER:?the application role (DATABASE_USER) is required}"
: "${DATABASE_PASSWORD:?the application role's password (DATABASE_PASSWORD) is required}"
run_dir="${PGBOUNCER_RUN_DIR:-/run/pgbouncer}"
config="${PGBOUNCER_CONFIG:-/etc/havre/pgbouncer.ini}"
name="${DATABASE_NAME:-havre}"
umask 077

# The auth file's syntax: "user" "password", a double quote inside written twice.
quoted() { printf '"%s"' "$(printf '%s' "$1" | sed 's/"/""/g')"; }
printf '%s %s\n' "$(quoted "$DATABASE_USER")" "$(quoted "$DATABASE_PASSWORD")" \
  > "$run_dir/userlist.txt"

cat > "$run_dir/pgbouncer.ini" <<INI
[databases]
$name = host=${PGBOUNCER_SERVER_HOST:-db} port=${PGBOUNCER_SERVER_PORT:-5432} dbname=$name

[pgbouncer]
%include $config
auth_file = $run_dir/userlist.txt
listen_port = ${PGBOUNCER_PORT:-6432}
INI

exec pgbouncer "$run_dir/pgbouncer.ini"
