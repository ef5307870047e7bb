#!/bin/sh
# Migrates on start when asked (the web service), then runs the command.
set -e
if [ "${RUN_MIGRATIONS:-0}" = "1" ]; then
  python manage.py migrate --noinput
fi
exec "$@"
