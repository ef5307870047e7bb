"""A bulk queryset.update() of 100,000 listings with the audit and version triggers, against
the same update with the triggers disabled. Each run is rolled back. Prints one JSON line."""

import json
import time

import django

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.db.models import F  # noqa: E402

from apps.core.context import DbContext, db_context  # noqa: E402
from apps.core.db.roles import as_owner  # noqa: E402
from apps.listings.models import Listing  # noqa: E402

ROWS = 100_000


class Rollback(Exception):
    pass


def timed_update(ids, *, triggers: bool) -> float:
    try:
        with db_context(DbContext.for_command("bench")):
            if not triggers:
                connection.cursor().execute("ALTER TABLE listings DISABLE TRIGGER USER")
            started = time.perf_counter()
            # A title change fires both triggers: audit (changes) and versions (next version).
            Listing.all_objects.filter(id__in=ids).update(
                price_cents=F("price_cents") + 100, title=F("title")
            )
            elapsed = time.perf_counter() - started
            raise Rollback
    except Rollback:
        return elapsed


def main() -> None:
    with as_owner():  # DISABLE TRIGGER is owner work
        with db_context(DbContext.for_command("bench")):
            ids = list(Listing.all_objects.order_by("id").values_list("id", flat=True)[:ROWS])
        timed_update(ids, triggers=False)  # warm-up: pages in cache
        with_triggers = min(timed_update(ids, triggers=True) for _ in range(2))
        without = min(timed_update(ids, triggers=False) for _ in range(2))
    print(
        json.dumps(
            {
                "rows": len(ids),
                "with_triggers_s": round(with_triggers, 2),
                "without_triggers_s": round(without, 2),
            }
        )
    )
    transaction.get_connection().close()


if __name__ == "__main__":
    main()
