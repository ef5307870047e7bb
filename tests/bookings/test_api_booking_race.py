"""Clients racing through the API for the same nights: one booking, the others a clean 409."""

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.test import APIClient

from apps.bookings.models import Booking
from apps.core.context import DbContext, db_context
from tests.factories import ListingFactory, UserFactory
from tests.helpers import token_for

RACERS = 4


@pytest.mark.django_db(transaction=True)
def test_racing_bookings_of_the_same_nights_give_one_201_and_409s():
    with db_context(DbContext.system("tests")):
        listing = ListingFactory()
        tokens = [token_for(UserFactory()) for _ in range(RACERS)]
    start = timezone.localdate() + dt.timedelta(days=20)
    barrier = threading.Barrier(RACERS)
    statuses, codes = [], []

    def book(token: str, offset: int):
        try:
            client = APIClient(HTTP_AUTHORIZATION=f"Token {token}")
            data = {
                "listing": listing.pk,
                "check_in": (start + dt.timedelta(days=offset)).isoformat(),
                "check_out": (start + dt.timedelta(days=offset + 3)).isoformat(),
            }
            barrier.wait(timeout=10)
            response = client.post("/api/v1/bookings/", data, format="json")
            statuses.append(response.status_code)
            if response.status_code != 201:
                codes.append(response.json()["error"]["code"])
        finally:
            connection.close()

    threads = [threading.Thread(target=book, args=(t, i % 2)) for i, t in enumerate(tokens)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(statuses) == [201] + [409] * (RACERS - 1)
    assert codes == ["booking_conflict"] * (RACERS - 1)
    with db_context(DbContext.system("tests")):
        assert Booking.objects.filter(listing=listing).count() == 1
