"""Times every SQL statement: logs the slow ones and feeds per-request statistics."""

import contextvars
import logging
import time
from dataclasses import dataclass

from django.conf import settings

logger = logging.getLogger("havre.db.slow")


@dataclass
class QueryStats:
    count: int = 0
    total_ms: float = 0.0


# Set by whoever wants figures for a unit of work (a request, a command); None = nobody.
current_query_stats: contextvars.ContextVar[QueryStats | None] = contextvars.ContextVar(
    "current_query_stats", default=None
)


class QueryObserver:
    """An execute wrapper (see Django's "database instrumentation")."""

    def __call__(self, execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            elapsed_ms = (time.perf_counter() - started) * 1000
            stats = current_query_stats.get()
            if stats is not None:
                stats.count += 1
                stats.total_ms += elapsed_ms
            if elapsed_ms >= settings.SLOW_QUERY_MS:
                # The SQL keeps its placeholders: parameters may hold personal data.
                logger.warning(
                    "slow query %.1f ms (threshold %d ms): %s",
                    elapsed_ms,
                    settings.SLOW_QUERY_MS,
                    sql,
                    extra={"duration_ms": round(elapsed_ms, 1), "sql": sql},
                )
