"""gunicorn settings; every value can be overridden from the environment.

Threaded workers (gthread): a request waiting on the database holds one thread, not a whole
process, so /health/ and the other threads keep answering. Every thread keeps one database
connection (CONN_MAX_AGE): an instance holds up to workers × threads connections, to count
against PostgreSQL's max_connections (docs/database.md, "Database faults").
"""

import logging
import multiprocessing
import os
import shutil
import tempfile
from pathlib import Path

from apps.core.logging import logging_config

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
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

# --- Logs: gunicorn's own lines in the application's LOG_FORMAT (apps/core/logging.py) -------
# Its error log goes to stderr with Django's; its access log (GUNICORN_ACCESSLOG: "-" for stdout,
# or a file) is off by default: the application logs every request itself, with more in it.
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "INFO").lower()
accesslog = None
logconfig_dict = logging_config(
    fmt=os.environ.get("LOG_FORMAT", "json"),
    level=os.environ.get("LOG_LEVEL", "INFO"),
    gunicorn=True,
    access_log=os.environ.get("GUNICORN_ACCESSLOG") or None,
)
logging.captureWarnings(True)  # the master's warnings as records too (apps/core/logging.py)

# --- Prometheus multiprocess mode (apps/core/monitoring.py) ---------------------------------
# Each worker writes its metrics to files in PROMETHEUS_MULTIPROC_DIR and /metrics adds them
# up: without it each worker counts alone and successive scrapes jump backwards. When the
# environment names no directory, the master makes a private one (and removes it at exit);
# either way, it is emptied before the first worker starts. The variable must be set before
# the workers import prometheus_client, which is why it is set here, in the master.
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    _private = tempfile.mkdtemp(prefix="havre-prometheus-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = os.environ["HAVRE_PRIVATE_PROMETHEUS_DIR"] = _private


def on_starting(server):
    directory = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    directory.mkdir(parents=True, exist_ok=True)
    # Files of an earlier run would add its counts to this one's.
    for stale in directory.glob("*.db"):
        stale.unlink()


def child_exit(server, worker):
    # A dead worker's counters stay (summed, so totals never go down); its live gauges go.
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server):
    private = os.environ.get("HAVRE_PRIVATE_PROMETHEUS_DIR")
    if private and private == os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        shutil.rmtree(private, ignore_errors=True)
