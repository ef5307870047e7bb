"""gunicorn settings; every value can be overridden from the environment.

Threaded workers (gthread): a request waiting on the database holds one thread, not a whole
process, so /health/ and the other threads keep answering. Every thread keeps one database
connection (CONN_MAX_AGE): an instance holds up to workers × threads connections, to count
against PostgreSQL's max_connections (docs/database.md, "Database faults").
"""

import multiprocessing
import os

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
# One process per core plus one: Python code holds the GIL, threads overlap database waits.
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
# gthread, answering gunicorn's own refusals (414, 431, 400) in the API's JSON error shape.
worker_class = os.environ.get(
    "GUNICORN_WORKER_CLASS", "config.gunicorn_worker.JsonErrorThreadWorker"
)
# Under gthread this bounds a stuck process (its main loop), not a request: the database
# timeouts bound those (apps/core/db/timeouts.py).
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "2000"))
max_requests_jitter = 200
accesslog = os.environ.get("GUNICORN_ACCESSLOG", None)
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")


def child_exit(server, worker):
    # Prometheus multiprocess mode: forget the metrics of a worker that is gone.
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
