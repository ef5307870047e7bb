#!/bin/sh
# The image's entry point: builds the database URLs from their parts (docker/database_urls.py:
# passwords percent-encoded, so that any character survives), then runs the command.
# It never migrates: the one-shot `migrate` service of docker-compose.yml does, once per
# `docker compose up`, before web and cron start.
set -e
urls="$(python "$(dirname "$0")/database_urls.py")"
eval "$urls"
exec "$@"
