"""Fifty clients racing through the API for overlapping nights of one listing — guests booking,
its host blocking — and racing stays too close for the preparation nights: PostgreSQL's
calendar lets exactly one through, the others get a clean 409, nothing else is written."""

import datetime as dt
import threading

import pytest
from django.db import connection
from rest_framework.test import APIClient

from apps.bookings.models import Booking, CalendarEntry
from apps.core import dates
from apps.core.context import DbContext, db_context
from tests.factories import ListingFactory, UserFactory
from tests.helpers import token_for

RACERS = 50
HOST_RACERS = 10  # of the fifty, the host's block attempts


def race(requests: list[tuple[str, str, dict]]) -> list[tuple[int, str | None]]:
    """Sends the (token, url, body) POSTs at once, each from its own thread and database
    connection; returns each one's (status, error code)."""
    barrier = threading.Barrier(len(requests))
    outcomes: list[tuple[int, str | None]] = []

    def send(token: str, url: str, body: dict):
        try:
            client = APIClient(HTTP_AUTHORIZATION=f"Token {token}")
            barrier.wait(timeout=30)
            response = client.post(url, body, format="json")
            code = None if response.status_code == 201 else response.json()["error"]["code"]
            outcomes.append((response.status_code, code))
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=request) for request in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(outcomes) == len(requests)
    return outcomes


def stay(start: dt.date, offset: int, nights: int) -> tuple[str, str]:
    return (
        (start + dt.timedelta(days=offset)).isoformat(),
        (start + dt.timedelta(days=offset + nights)).isoformat(),
    )


@pytest.mark.django_db(transaction=True)
def test_fifty_racing_bookings_and_blocks_of_overlapping_nights_leave_exactly_one():
    with db_context(DbContext.system("tests")):
        listing = ListingFactory()
        host_token = token_for(listing.owner)
        guest_tokens = [token_for(UserFactory()) for _ in range(RACERS - HOST_RACERS)]
    start = dates.today() + dt.timedelta(days=20)
    # Every attempt holds the night start + 2: any two of them overlap.
    requests = []
    for i, token in enumerate(guest_tokens):
        check_in, check_out = stay(start, i % 3, 3)
        body = {"listing": listing.pk, "check_in": check_in, "check_out": check_out}
        requests.append((token, "/api/v1/bookings/", body))
    for i in range(HOST_RACERS):
        first, end = stay(start, i % 3, 3)
        requests.append(
            (host_token, f"/api/v1/listings/{listing.pk}/blocks/", {"start": first, "end": end})
        )

    outcomes = race(requests)

    assert sorted(status for status, _code in outcomes) == [201] + [409] * (RACERS - 1)
    assert {code for status, code in outcomes if status == 409} <= {
        "booking_conflict",
        "dates_unavailable",
    }
    with db_context(DbContext.system("tests")):
        assert CalendarEntry.objects.filter(listing=listing).count() == 1
        entry = CalendarEntry.objects.get(listing=listing)
        # A booking won, or a block: either way the one row, and nothing half-written.
        assert Booking.objects.filter(listing=listing).count() == (entry.kind == "booking")


@pytest.mark.django_db(transaction=True)
def test_racing_stays_too_close_for_the_preparation_nights_leave_one():
    with db_context(DbContext.system("tests")):
        listing = ListingFactory(preparation_days=2)
        tokens = [token_for(UserFactory()) for _ in range(8)]
    start = dates.today() + dt.timedelta(days=20)
    # Stays that never share a night, but four arrive within two nights of the others leaving.
    requests = []
    for i, token in enumerate(tokens):
        check_in, check_out = stay(start, 0 if i % 2 else 4, 3)
        requests.append(
            (
                token,
                "/api/v1/bookings/",
                {"listing": listing.pk, "check_in": check_in, "check_out": check_out},
            )  # fmt: skip
        )

    outcomes = race(requests)

    assert sorted(status for status, _code in outcomes) == [201] + [409] * 7
    with db_context(DbContext.system("tests")):
        assert Booking.objects.filter(listing=listing).count() == 1
