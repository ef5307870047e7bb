"""Log records as one JSON object per line (LOG_FORMAT=json) or as plain text (LOG_FORMAT=plain),
for Django, our loggers and gunicorn alike: `logging_config` builds the dictConfig of both
(config/settings/base.py LOGGING, config/gunicorn.conf.py logconfig_dict).

Imported by gunicorn's master before Django is set up: nothing here may import Django.
"""

from __future__ import annotations

import contextvars
import logging
import logging.config
import time
from collections.abc import Mapping

from pythonjsonlogger.core import RESERVED_ATTRS
from pythonjsonlogger.json import JsonFormatter as _BaseJsonFormatter

FORMATS = ("json", "plain")

# The request being answered on this thread, set by RequestMetricsMiddleware: every record
# logged meanwhile (a slow query, a 500's traceback) carries its id.
current_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "current_request_id", default=None
)

# Extras that are objects, not data: Django's request (django.request, django.security.*),
# runserver's socket (django.server). The request line says what matters about a request.
_NOT_DATA = ("request", "server_time")

# gunicorn's access-log atoms (gunicorn.glogging.Logger.atoms) worth a field of their own.
_ACCESS_FIELDS = {
    "h": "remote_addr",
    "m": "method",
    "U": "path",
    "q": "query",
    "s": "status",
    "B": "bytes",
    "M": "duration_ms",
    "a": "user_agent",
    "{x-request-id}o": "request_id",
}


class RequestIdFilter(logging.Filter):
    """Adds `request_id` (None outside a request) to every record that has none."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "request_id", None) is None:
            record.request_id = current_request_id.get()
        return True


class SkipHandledClientErrors(logging.Filter):
    """On django.request: a 4xx is an answer, already on the request line; only 5xx (and their
    tracebacks) are worth a record of their own."""

    def filter(self, record: logging.LogRecord) -> bool:
        return getattr(record, "status_code", 500) >= 500


class UtcFormatter(logging.Formatter):
    """The plain line's time in UTC, whatever TIME_ZONE says: Django sets the process's TZ to
    it, which would move asctime to the back-office's zone. (JSON lines are UTC already.)"""

    converter = time.gmtime


class JsonFormatter(_BaseJsonFormatter):
    """{"time", "level", "logger", "message", "pid", ...the record's extras, "exc_info"}."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("fmt", "%(levelname)s %(name)s %(message)s %(process)d")
        kwargs.setdefault(
            "rename_fields", {"levelname": "level", "name": "logger", "process": "pid"}
        )
        kwargs.setdefault("timestamp", "time")
        kwargs.setdefault("reserved_attrs", [*RESERVED_ATTRS, "taskName", *_NOT_DATA])
        super().__init__(*args, **kwargs)

    def add_fields(self, log_data, record, message_dict):
        super().add_fields(log_data, record, message_dict)
        fields = log_data.copy()  # the time first, for a reader scanning the lines
        log_data.clear()
        log_data["time"] = fields.pop("time")
        log_data.update(fields)
        if record.name == "gunicorn.access" and isinstance(record.args, Mapping):
            for atom, field in _ACCESS_FIELDS.items():
                value = record.args[atom]
                log_data[field] = None if value in ("-", None) else value
            if isinstance(log_data["status"], str) and log_data["status"].isdigit():
                log_data["status"] = int(log_data["status"])


def configure(config: dict) -> None:
    """Django's LOGGING_CONFIG: Python's warnings become records too (logger py.warnings),
    rather than bare text on stderr among the JSON lines."""
    logging.captureWarnings(True)
    logging.config.dictConfig(config)


def logging_config(
    *, fmt: str, level: str, gunicorn: bool = False, access_log: str | None = None
) -> dict:
    """The dictConfig for Django (`gunicorn=False`) or for gunicorn's own loggers
    (`gunicorn=True`: its error log on stderr, its access log to `access_log` — "-" for stdout,
    or a file — when given)."""
    if fmt not in FORMATS:
        raise ValueError(f"LOG_FORMAT must be one of {', '.join(FORMATS)}, not {fmt!r}")
    config = {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "json": {"()": JsonFormatter},
            "plain": {
                "()": UtcFormatter,
                "format": "%(asctime)s %(levelname)s %(name)s %(message)s",
            },
        },
        "filters": {
            "request_id": {"()": RequestIdFilter},
            "handled_client_errors": {"()": SkipHandledClientErrors},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": fmt,
                "filters": ["request_id"],
                "stream": "ext://sys.stderr",
            },
        },
        "root": {"handlers": ["console"], "level": level},
    }
    if gunicorn:
        config["handlers"]["access"] = (
            {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": fmt}
            if access_log in (None, "-")
            else {"class": "logging.FileHandler", "filename": access_log, "formatter": fmt}
        )
        config["loggers"] = {
            # No level: gunicorn's `loglevel` setting keeps deciding.
            "gunicorn.error": {"handlers": ["console"], "propagate": False},
            "gunicorn.access": {
                "handlers": ["access"] if access_log else [],
                "level": "INFO" if access_log else "CRITICAL",
                "propagate": False,
            },
        }
        return config
    config["loggers"] = {
        # Django's own handlers (console when DEBUG, mail_admins, runserver's) go: everything
        # reaches the root's, in one format.
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        "django.server": {"handlers": [], "level": "INFO", "propagate": True},
        "django.request": {"filters": ["handled_client_errors"], "propagate": True},
        "django.db.backends": {"level": "INFO", "propagate": True},
        "havre": {"level": level, "propagate": True},
        # The job queue's library announces its task registration at INFO in every process.
        "procrastinate.blueprints": {"level": "WARNING", "propagate": True},
    }
    return config
