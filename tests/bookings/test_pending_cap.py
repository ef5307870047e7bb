"""A guest has at most MAX_PENDING_REQUESTS_PER_GUEST (3) pending requests at once (issue 16):
PostgreSQL's trigger bookings_limit_pending_per_guest refuses the next one, racing requests
included; the API answers 409 `too_many_pending_requests`. An answered, expired or cancelled
request frees its place."""

import datetime as dt
import threading

import pytest
from django.core import checks
from django.db import connection
from django.utils import timezone

from apps.bookings import services
from apps.bookings.apps import check_max_pending_requests
from apps.bookings.errors import TooManyPendingRequests
from apps.bookings.models import Booking, request_ttl
from apps.core.context import DbContext, db_context
from apps.jobs.queue import job_context
from tests.db import acting_as, execute, refused
from tests.factories import BookingFactory, ListingFactory, UserFactory
from tests.helpers import client_for, error

CAP = "bookings_max_pending_per_guest"


def request(listing, guest):
    check_in = timezone.localdate() + dt.timedelta(days=30)
    return services.booking_create(
        listing_id=listing.pk,
        check_in=check_in,
        check_out=check_in + dt.timedelta(days=2),
        guests=1,
        actor=guest,
    )


def pending_of(guest) -> int:
    return Booking.objects.filter(guest=guest, status="pending").count()


@pytest.mark.django_db
def test_the_fourth_pending_request_is_refused_until_one_is_answered_or_expires():
    guest = UserFactory()
    first, *_ = [request(ListingFactory(), guest) for _ in range(3)]
    fourth_listing = ListingFactory()

    with pytest.raises(TooManyPendingRequests):
        request(fourth_listing, guest)
    assert pending_of(guest) == 3

    services.booking_decline(booking=first, actor=first.listing.owner)
    request(fourth_listing, guest)
    assert pending_of(guest) == 3

    with pytest.raises(TooManyPendingRequests):
        request(ListingFactory(), guest)
    second = Booking.objects.filter(guest=guest, status="pending").first()
    with db_context(job_context("expire_booking_request")):
        services.booking_expire(booking_id=second.pk, now=timezone.now() + request_ttl())
    request(ListingFactory(), guest)
    assert pending_of(guest) == 3


@pytest.mark.django_db
def test_the_cap_is_the_guests_own():
    alice, bob = UserFactory(), UserFactory()
    listings = [ListingFactory() for _ in range(3)]
    for listing in listings:
        request(listing, alice)

    # Bob's requests do not count against Alice's, nor confirmed stays against anyone's.
    BookingFactory(guest=bob, status="confirmed")
    for _ in range(3):
        request(ListingFactory(), bob)
    assert (pending_of(alice), pending_of(bob)) == (3, 3)


@pytest.mark.django_db
def test_the_api_answers_409_too_many_pending_requests():
    guest = UserFactory()
    for _ in range(3):
        request(ListingFactory(), guest)
    listing = ListingFactory()
    check_in = timezone.localdate() + dt.timedelta(days=40)

    response = client_for(guest).post(
        "/api/v1/bookings/",
        {"listing": listing.pk, "check_in": str(check_in),
         "check_out": str(check_in + dt.timedelta(days=2))},
        format="json",
    )  # fmt: skip

    error(response, 409, "too_many_pending_requests")
    assert not Booking.objects.filter(listing=listing).exists()


@pytest.mark.django_db
def test_postgresql_refuses_the_fourth_in_raw_sql_as_the_guest():
    guest = UserFactory()
    for _ in range(3):
        BookingFactory(guest=guest, status="pending")
    listing = ListingFactory()
    check_in = timezone.localdate() + dt.timedelta(days=30)
    check_out = check_in + dt.timedelta(days=2)
    [(quote,)] = execute("SELECT listing_quote(%s, %s, %s, 1)", [listing.pk, check_in, check_out])

    with acting_as(guest), refused(CAP):
        execute(
            "INSERT INTO bookings (listing_id, guest_id, tenant_id, check_in, check_out,"
            " guests, status, total_cents, currency, cancellation_policy, quote)"
            " SELECT %s, %s, %s, %s, %s, 1, 'pending', (q ->> 'total_cents')::bigint,"
            " q ->> 'currency', q ->> 'cancellation_policy', q FROM (SELECT %s::jsonb q) s",
            [listing.pk, guest.pk, listing.tenant_id, check_in, check_out, quote],
        )
    assert pending_of(guest) == 3


@pytest.mark.django_db
def test_staff_cannot_bring_a_fourth_request_back_to_pending_either():
    guest = UserFactory()
    declined = BookingFactory(guest=guest, status="declined")
    for _ in range(3):
        BookingFactory(guest=guest, status="pending")
    staff = UserFactory(is_staff=True, is_superuser=True)

    with db_context(DbContext().with_user(staff)), refused(CAP):
        execute("UPDATE bookings SET status = 'pending' WHERE id = %s", [declined.pk])
    assert Booking.objects.get(pk=declined.pk).status == "declined"


@pytest.mark.django_db
def test_the_setting_must_be_the_databases_limit(settings):
    assert check_max_pending_requests(databases=["default"]) == []

    settings.MAX_PENDING_REQUESTS_PER_GUEST = 5

    [problem] = check_max_pending_requests(databases=["default"])
    assert (problem.id, problem.level) == ("bookings.E002", checks.ERROR)


@pytest.mark.django_db(transaction=True)
def test_six_racing_requests_of_one_guest_leave_exactly_three_pending():
    """Six threads, each on its own connection in the guest's request context, request six
    listings at once: the per-guest lock lets three through and refuses three."""
    with db_context(DbContext.system("tests")):
        guest = UserFactory()
        listings = [ListingFactory() for _ in range(6)]
    start = threading.Barrier(6)
    outcomes = []

    def attempt(listing):
        try:
            with db_context(DbContext().with_user(guest)):
                execute("SET LOCAL lock_timeout = '20s'")  # a safety net only
                start.wait(15)
                request(listing, guest)
            outcomes.append("pending")
        except TooManyPendingRequests:
            outcomes.append("too_many_pending_requests")
        except Exception as exc:  # reported by the assertion
            outcomes.append(repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(listing,)) for listing in listings]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert sorted(outcomes) == ["pending"] * 3 + ["too_many_pending_requests"] * 3
    with db_context(DbContext.system("tests")):
        assert pending_of(guest) == 3
