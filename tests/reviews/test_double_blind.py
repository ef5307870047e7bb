"""Two-way, double-blind reviews (issue #17): the guest reviews the stay, the host the guest,
once each, from check-out to REVIEW_WINDOW_DAYS after it; a review is read by anyone but its
author only once both sides wrote or the window closed — through the API and in raw SQL as the
runtime role, since row-level security holds the rule. The clock is moved through the data
(the booking's check-out, the review's window), never by sleeping."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.management import call_command

from apps.core import dates
from apps.core.context import DbContext, db_context
from apps.listings.models import Listing
from apps.reviews import services
from apps.reviews.models import Review
from tests.db import acting_as, execute, refused, refused_by_policy, refused_column
from tests.factories import BookingFactory, UserFactory
from tests.helpers import client_for, error, ids

pytestmark = pytest.mark.django_db
URL = "/api/v1/reviews/"
TODAY = dates.today()


def stay(check_out_in_days=-2, status="completed", **kwargs):
    check_out = TODAY + dt.timedelta(days=check_out_in_days)
    return BookingFactory(
        status=status, check_in=check_out - dt.timedelta(days=3), check_out=check_out, **kwargs
    )


def post_review(user, booking, rating=4, comment="Fine"):
    response = client_for(user).post(
        URL, {"booking": booking.pk, "rating": rating, "comment": comment}, format="json"
    )
    assert response.status_code == 201, response.json()
    return response.json()


def seen_in_sql(user, booking) -> list[tuple[int, str]]:
    """What a raw SELECT as the runtime role, in `user`'s request context, returns."""
    with acting_as(user) if user else _anonymous(booking.tenant_id):
        return execute(
            "SELECT id, author_role FROM reviews WHERE booking_id = %s ORDER BY author_role",
            [booking.pk],
        )


def _anonymous(tenant_id):
    """An anonymous visitor of the booking's tenant, as the API's context would be."""
    return db_context(DbContext(tenant_id=tenant_id))


def close_window(booking):
    """The day after the window's last: moves the reviews' window one day earlier than today
    (a system actor may, as a dispute tool would), rather than waiting for the calendar."""
    Review.objects.filter(booking=booking).update(window_closes_on=TODAY - dt.timedelta(days=1))


def summary(listing):
    listing = Listing.all_objects.get(pk=listing.pk)
    return listing.review_count, listing.rating_avg


# --- writing -----------------------------------------------------------------------------


def test_the_host_reviews_the_guest_once_and_the_guest_the_stay_once():
    booking = stay()
    host, guest = booking.listing.owner, booking.guest

    by_host = post_review(host, booking, rating=3)
    again = client_for(host).post(URL, {"booking": booking.pk, "rating": 5}, format="json")
    by_guest = post_review(guest, booking, rating=5)

    assert (by_host["author_role"], by_guest["author_role"]) == ("host", "guest")
    assert by_host["published_at"] is None  # alone: blind
    assert by_host["window_closes_on"] == str(booking.check_out + dt.timedelta(days=14))
    error(again, 409, "review_exists")
    error(client_for(guest).post(URL, {"booking": booking.pk, "rating": 1}, format="json"), 409,
          "review_exists")  # fmt: skip
    rows = Review.objects.filter(booking=booking).order_by("author_role")
    assert [(r.author_role, r.author_id, r.subject_id) for r in rows] == [
        ("guest", guest.pk, host.pk), ("host", host.pk, guest.pk),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("check_out_in_days", "status", "expected"),
    [
        (0, "confirmed", 201),  # the check-out day
        (-14, "completed", 201),  # the window's last day
        (-15, "completed", 400),  # closed
        (1, "confirmed", 400),  # not over
        (-2, "cancelled", 400),
    ],
)
def test_the_host_reviews_within_the_window_only(check_out_in_days, status, expected):
    booking = stay(check_out_in_days, status=status)

    response = client_for(booking.listing.owner).post(
        URL, {"booking": booking.pk, "rating": 2}, format="json"
    )

    if expected == 201:
        assert response.status_code == 201, response.json()
    else:
        assert "booking" in error(response, 400, "invalid")
        assert not Review.objects.filter(booking=booking).exists()


def test_postgresql_refuses_a_review_outside_the_window_from_either_side():
    closed, ahead, cancelled = stay(-15), stay(3, status="confirmed"), stay(-2, "cancelled")
    insert = (
        "INSERT INTO reviews (booking_id, author_role, listing_id, tenant_id, rating)"
        " VALUES (%s, %s, %s, %s, 3)"
    )

    for booking in (closed, ahead, cancelled):
        for role, user in (("guest", booking.guest), ("host", booking.listing.owner)):
            with acting_as(user), refused("reviews_within_window"):
                execute(insert, [booking.pk, role, booking.listing_id, booking.tenant_id])
    assert not Review.objects.filter(booking__in=[closed, ahead, cancelled]).exists()


def test_postgresql_refuses_a_review_of_the_other_side_and_a_second_one():
    booking = stay()
    insert = (
        "INSERT INTO reviews (booking_id, author_role, listing_id, tenant_id, rating)"
        " VALUES (%s, %s, %s, %s, 1)"
    )
    args = [booking.listing_id, booking.tenant_id]

    # Each side writing as the other: the author is the booking's, not the caller.
    with acting_as(booking.listing.owner), refused_by_policy("reviews"):
        execute(insert, [booking.pk, "guest", *args])
    with acting_as(booking.guest), refused_by_policy("reviews"):
        execute(insert, [booking.pk, "host", *args])
    with acting_as(UserFactory()), refused_by_policy("reviews"):
        execute(insert, [booking.pk, "guest", *args])
    with acting_as(booking.guest):
        execute(insert, [booking.pk, "guest", *args])
    with acting_as(booking.guest), refused("reviews_booking_role_key"):
        execute(insert, [booking.pk, "guest", *args])

    assert list(Review.objects.filter(booking=booking).values_list("author_role", "rating")) == [
        ("guest", 1)
    ]


def test_an_author_cannot_publish_early_nor_move_their_review():
    booking = stay()
    review_id = post_review(booking.guest, booking)["id"]

    for column, value in [
        ("published_at", "now()"),
        ("window_closes_on", "current_date - 30"),
        ("author_role", "'host'"),
        ("author_id", "NULL"),
        ("subject_id", "NULL"),
        ("booking_id", str(stay(guest=booking.guest).pk)),
    ]:
        with acting_as(booking.guest), refused_column(column):
            statement = f"UPDATE reviews SET {column} = {value} WHERE id = %s"  # noqa: S608
            execute(statement, [review_id])

    assert Review.objects.get(pk=review_id).published_at is None


def test_a_review_is_final_once_published():
    booking = stay()
    mine = post_review(booking.guest, booking, rating=2)
    patch = client_for(booking.guest).patch(f"{URL}{mine['id']}/", {"rating": 3}, format="json")
    assert patch.status_code == 200  # still blind: its author may change their mind
    post_review(booking.listing.owner, booking)

    error(
        client_for(booking.guest).patch(f"{URL}{mine['id']}/", {"rating": 5}, format="json"), 409,
        "review_published",
    )  # fmt: skip
    with acting_as(booking.guest), refused_column("rating"):
        execute("UPDATE reviews SET rating = 5 WHERE id = %s", [mine["id"]])
    assert Review.objects.get(pk=mine["id"]).rating == 3


# --- reading: double-blind -----------------------------------------------------------------


def test_neither_side_reads_the_other_review_before_both_are_written():
    booking = stay()
    host, guest, stranger = booking.listing.owner, booking.guest, UserFactory()
    listing_url = f"{URL}?listing={booking.listing_id}"
    guests = post_review(guest, booking, rating=5)

    # Only its author reads it, through the API and in raw SQL.
    for user in (None, host, stranger):
        error(client_for(user).get(f"{URL}{guests['id']}/"), 404, "not_found")
        assert ids(client_for(user).get(listing_url)) == []
        assert ids(client_for(user).get(f"/api/v1/listings/{booking.listing_id}/reviews/")) == []
        assert seen_in_sql(user, booking) == []
    assert client_for(guest).get(f"{URL}{guests['id']}/").json()["published_at"] is None
    assert ids(client_for(guest).get(URL)) == [guests["id"]]
    assert ids(client_for(guest).get(listing_url)) == []  # the public list: the same for all
    assert seen_in_sql(guest, booking) == [(guests["id"], "guest")]

    hosts = post_review(host, booking, rating=2)

    # Both written: each side reads both; the public the guest's review of the stay.
    for user in (guest, host):
        assert seen_in_sql(user, booking) == [(guests["id"], "guest"), (hosts["id"], "host")]
        for review in (guests, hosts):
            body = client_for(user).get(f"{URL}{review['id']}/").json()
            assert body["published_at"] is not None
    for user in (None, stranger, host):
        assert ids(client_for(user).get(listing_url)) == [guests["id"]]
    for user in (None, stranger):
        assert seen_in_sql(user, booking) == [(guests["id"], "guest")]
        error(client_for(user).get(f"{URL}{hosts['id']}/"), 404, "not_found")


def test_the_host_review_alone_stays_blind_to_the_guest():
    booking = stay()
    hosts = post_review(booking.listing.owner, booking)

    error(client_for(booking.guest).get(f"{URL}{hosts['id']}/"), 404, "not_found")
    assert seen_in_sql(booking.guest, booking) == []


def test_everyone_reads_a_lone_review_once_the_window_closes():
    booking = stay(-14)  # the window's last day: still blind
    guests = post_review(booking.guest, booking, rating=4)
    hosts_booking = stay(-14)
    hosts = post_review(hosts_booking.listing.owner, hosts_booking)
    listing_url = f"{URL}?listing={booking.listing_id}"
    assert ids(client_for().get(listing_url)) == []

    close_window(booking)
    close_window(hosts_booking)

    for user in (None, UserFactory(), booking.listing.owner):
        assert ids(client_for(user).get(listing_url)) == [guests["id"]]
        assert client_for(user).get(f"{URL}{guests['id']}/").status_code == 200
    assert seen_in_sql(None, booking) == [(guests["id"], "guest")]
    assert seen_in_sql(booking.listing.owner, booking) == [(guests["id"], "guest")]
    assert client_for(hosts_booking.guest).get(f"{URL}{hosts['id']}/").status_code == 200
    assert seen_in_sql(hosts_booking.guest, hosts_booking) == [(hosts["id"], "host")]


# --- the listing's rating ------------------------------------------------------------------


def test_the_listing_rating_counts_guest_reviews_only_once_published():
    booking = stay()
    listing = booking.listing
    post_review(booking.guest, booking, rating=4)
    assert summary(listing) == (0, None)

    post_review(listing.owner, booking, rating=1)  # the host's review of the guest

    assert summary(listing) == (1, Decimal("4.00"))


def test_the_rating_counts_a_lone_review_once_its_window_is_closed_by_the_job():
    booking = stay(-14)
    post_review(booking.guest, booking, rating=2)
    close_window(booking)
    assert summary(booking.listing) == (0, None)  # visible, not yet counted: the job's turn

    assert services.reviews_publish_closed() == 1

    assert summary(booking.listing) == (1, Decimal("2.00"))
    assert services.reviews_publish_closed() == 0


def test_the_window_setting_is_the_databases():
    assert execute("SELECT reviews_window_days()") == [(settings.REVIEW_WINDOW_DAYS,)]


def test_publish_reviews_is_the_hourly_job_that_counts_lone_reviews():
    booking = stay(-14)
    post_review(booking.guest, booking, rating=3)
    close_window(booking)
    out = io.StringIO()

    call_command("publish_reviews", stdout=out)

    assert out.getvalue() == "publish_reviews: 1 reviews published\n"
    assert summary(booking.listing) == (1, Decimal("3.00"))
