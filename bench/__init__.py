"""Havre's benchmark: every figure beside its raw baseline, measured in the same run.

    python -m bench [--listings 1000000] [--small 10000] [--duration 8] [--connections 16]
                    [--database havre_bench] [--small-database havre_bench_small]
                    [--ports 8180-8189] [--only 'q_*,search_city']

Builds (or reuses) a scaled database, starts gunicorn with the production settings on
loopback next to a raw-psycopg WSGI endpoint that replays the API's exact SQL, drives both
with wrk, and writes bench/results/<timestamp>.json and .md (and prints the README block).
Absolute numbers on a shared 2-core machine mean little: read the ratios. Databases and ports
also come from BENCH_DATABASE, BENCH_SMALL_DATABASE and BENCH_PORTS, so that two checkouts can
bench side by side; --only measures the matching scenarios alone (e.g. the full-text shapes
q_<common|rare|none>_<relevance|date|price> at both sizes), without bookings, backup or bulk
update.
"""

# The modules, by concern:
#   cli          arguments (`python -m bench`, `make bench BENCH_ARGS=...`), then run and report
#   run          one run, from databases to figures
#   environment  paths, database URLs, the child processes' environment, manage.py/psql wrappers
#   databases    build or reuse the scaled databases; the seeder's COPY baseline; server settings
#   servers      the API and raw-replay gunicorns: command lines, resolved worker config, lifecycle
#   load         wrk, its output read, draining between measurements, bookings under load
#   backup       dbbackup/dbrestore against pg_dump/pg_restore
#   figures      measurements → figures (value, baseline, ratio, target, met)
#   report       the README block (setup paragraph, table) and the results files
# Run under Django settings, in their own processes: capture, raw_app, copy_baseline, bulk_update.
