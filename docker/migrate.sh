#!/bin/sh
# The one-shot `migrate` service of docker-compose.yml: web and cron start once it has exited
# with 0 (condition: service_completed_successfully), so replicas never race to migrate.
#   1. the login roles, created or updated from the environment (docker/db-roles.sh), as the
#      owner;
#   2. migrations, as the owner (MIGRATION_DATABASE_URL);
#   3. with SEED_DEMO=1, the demo data (manage.py seed: idempotent; generated passwords are
#      printed once, in this service's log).
set -e
cd "$(dirname "$0")/.."
PGHOST="${DATABASE_HOST:-db}" PGPORT="${DATABASE_PORT:-5432}" PGDATABASE="${DATABASE_NAME:-havre}" \
  PGUSER="$MIGRATION_DATABASE_USER" PGPASSWORD="${MIGRATION_DATABASE_PASSWORD:-}" \
  sh docker/db-roles.sh
python manage.py migrate --noinput
if [ "${SEED_DEMO:-0}" = "1" ]; then
  python manage.py seed
fi
