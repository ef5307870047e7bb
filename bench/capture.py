"""Records the SQL each benchmark scenario runs through the API (run under Django settings).

Usage (bench/__main__.py runs it): python -m bench.capture OUT.json
Writes {"scenarios": {name: [sql, ...]}, "urls": {name: url}, "token": "...", "tokens": [...],
"listing_ids": [...], "booking_listing_ids": [...]}.
"""

import datetime as dt
import json
import sys
from urllib.parse import urlencode

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from apps.accounts.models import User  # noqa: E402
from apps.accounts.services import token_create  # noqa: E402
from apps.core import dates  # noqa: E402
from apps.core.context import DbContext, db_context  # noqa: E402
from apps.listings.api.pagination import cursor_token  # noqa: E402

DEEP = 500_000
# The full-text search's shapes (figures q_<shape>_<order>): a word a listing in 14 has, a
# word 40 listings have at any scale (seed --scale's châteaux, searched without its accent),
# a typo nothing matches; each by relevance, by date and by price.
Q_SHAPES = {"common": "piscine", "rare": "chateau", "none": "piscne"}
Q_ORDERS = {"relevance": "relevance", "date": "-created_at", "price": "price_cents"}


def q_shape_urls() -> dict[str, str]:
    return {
        f"q_{shape}_{order}": f"/api/v1/listings/?{urlencode({'q': q, 'ordering': ordering})}"
        for shape, q in Q_SHAPES.items()
        for order, ordering in Q_ORDERS.items()
    }


def cursor_for_depth(depth: int) -> str | None:
    """The cursor the API hands out after `depth` rows of the default listing order."""
    with db_context(DbContext.system("bench")), connection.cursor() as cursor:
        cursor.execute(
            "SELECT created_at, listing_id FROM listing_search"
            " ORDER BY tenant_id, created_at DESC, listing_id DESC OFFSET %s LIMIT 1",
            [depth - 1],
        )
        row = cursor.fetchone()
    return None if row is None else cursor_token(row)


# The booking figure's clients book as many guests (a guest holds at most
# MAX_PENDING_REQUESTS_PER_GUEST pending requests: one guest would meet that cap at its fourth
# request and measure the refusal), at listings whose calendar rules admit every stay
# post_booking.lua asks for (1 to 7 nights, 30 to 330 days ahead): the figure is creations and
# overlaps, as before the rules existed.
BOOKING_GUESTS = 400
BOOKING_LISTINGS = 200


def main(out_path: str) -> None:
    with db_context(DbContext.system("bench")):
        guests = list(
            User.objects.filter(email__endswith="@scale.havre.test", role="guest")
            .exclude(bookings__status="pending")
            .order_by("id")[:BOOKING_GUESTS]
        )
        keys = [token_create(user=guest, name="bench")[1] for guest in guests]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id FROM listings WHERE status = 'published' AND is_active"
                " AND deleted_at IS NULL ORDER BY id LIMIT 2000"
            )
            listing_ids = [row[0] for row in cursor.fetchall()]
            cursor.execute(
                "SELECT id FROM listings WHERE status = 'published' AND is_active"
                " AND deleted_at IS NULL AND min_nights = 1 AND max_nights >= 7"
                " AND advance_notice_days <= 30 AND booking_window_days >= 330"
                " ORDER BY id LIMIT %s",
                [BOOKING_LISTINGS],
            )
            booking_listing_ids = [row[0] for row in cursor.fetchall()]
            cursor.execute("SELECT count(*) FROM listings")
            total = cursor.fetchone()[0]

    detail_id = listing_ids[len(listing_ids) // 2]
    # A week's quote two months ahead for three guests: nights, overrides, fees, discount.
    check_in = dates.today() + dt.timedelta(days=60)
    stay = {"check_in": check_in, "check_out": check_in + dt.timedelta(days=7), "guests": 3}
    urls = {
        "detail": f"/api/v1/listings/{detail_id}/",
        "quote": f"/api/v1/listings/{detail_id}/quote/?{urlencode(stay)}",
        "search_city": "/api/v1/listings/?city=Paris&min_price=8000&max_price=20000&guests=2",
        "search_q": "/api/v1/listings/?q=piscine",
        "search_bbox": "/api/v1/listings/?bbox=2.25,48.80,2.45,48.90",
        # Around a point, nearest first (the default with a point): central Paris, 5 km.
        "search_radius": "/api/v1/listings/?lat=48.8566&lng=2.3522&radius_km=5",
        # The same week: a fixed date would fall before today, where the search runs no query
        # (and, beyond the seeded 365-day booking windows, finds no listing).
        "search_dates": "/api/v1/listings/?city=Lyon&"
        + urlencode({"available_from": check_in, "available_to": stay["check_out"]}),
        "page_1": "/api/v1/listings/",
        "page_size_10": "/api/v1/listings/?page_size=10",
        "page_size_100": "/api/v1/listings/?page_size=100",
        **q_shape_urls(),
    }
    deep = cursor_for_depth(min(DEEP, max(total // 2, 1)))
    if deep:
        urls["cursor_deep"] = f"/api/v1/listings/?{urlencode({'cursor': deep})}"
    urls["offset_deep"] = f"/api/v1/listings/?page={min(DEEP, total // 2) // 20}"

    client = Client(HTTP_HOST="127.0.0.1")
    scenarios = {}
    for name, url in urls.items():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(
                f"{name}: {url} answered {response.status_code}: {response.content[:300]}"
            )
        scenarios[name] = [q["sql"] for q in queries.captured_queries]

    with open(out_path, "w") as handle:
        json.dump(
            {
                "scenarios": scenarios,
                "urls": urls,
                "token": keys[0],
                "tokens": keys,
                "listing_ids": listing_ids,
                "booking_listing_ids": booking_listing_ids,
                "listings": total,
            },
            handle,
        )


if __name__ == "__main__":
    main(sys.argv[1])
