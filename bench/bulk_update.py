"""A bulk queryset.update() of 100,000 listings, three ways, each rolled back:

- all triggers on (audit, versions, and the listing_search projection);
- the projection only: what a correct search needs even without history;
- no trigger at all.

The figure is the audit + version triggers' cost (all / projection only); the projection's own
cost (projection only / none) is printed beside it. Prints one JSON line."""

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
HISTORY_TRIGGERS = (
    "listings_audit_insert", "listings_audit_update", "listings_audit_delete",
    "listings_versions_insert", "listings_versions_update",
)  # fmt: skip


class Rollback(Exception):
    pass


def timed_update(ids, *, triggers: str) -> float:
    try:
        with db_context(DbContext.for_command("bench")):
            with connection.cursor() as cursor:
                if triggers == "none":
                    cursor.execute("ALTER TABLE listings DISABLE TRIGGER USER")
                elif triggers == "projection":
                    for name in HISTORY_TRIGGERS:
                        cursor.execute(f"ALTER TABLE listings DISABLE TRIGGER {name}")
            started = time.perf_counter()
            # A price change fires all three: audit (changes), versions (next version) and the
            # search projection (the price is projected).
            Listing.all_objects.filter(id__in=ids).update(price_cents=F("price_cents") + 100)
            elapsed = time.perf_counter() - started
            raise Rollback
    except Rollback:
        return elapsed


def main() -> None:
    with as_owner():  # DISABLE TRIGGER is owner work
        with db_context(DbContext.for_command("bench")):
            ids = list(Listing.all_objects.order_by("id").values_list("id", flat=True)[:ROWS])
        timed_update(ids, triggers="none")  # warm-up: pages in cache
        seconds = {
            mode: min(timed_update(ids, triggers=mode) for _ in range(2))
            for mode in ("all", "projection", "none")
        }
    print(
        json.dumps(
            {
                "rows": len(ids),
                "with_triggers_s": round(seconds["all"], 2),
                "projection_only_s": round(seconds["projection"], 2),
                "without_triggers_s": round(seconds["none"], 2),
            }
        )
    )
    transaction.get_connection().close()


if __name__ == "__main__":
    main()
