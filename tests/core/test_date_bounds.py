"""Every date the API takes is bounded: a 400 naming the field, never a 500 or a scan of
years; PostgreSQL refuses the dates that would corrupt stored rows, whoever writes them."""

import datetime as dt

import pytest
from django.utils import timezone

from apps.accounts.models import default_tenant
from apps.core.context import DbContext, db_context
from apps.core.dates import HORIZON_DAYS
from tests.db import execute, refused
from tests.factories import BookingFactory, ListingFactory, UserFactory
from tests.helpers import client_for

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
ABSURD = ["9999-12-31", "0001-01-01", "1899-12-31"]


def day(n: int) -> str:
    return (TODAY + dt.timedelta(days=n)).isoformat()


def refused_fields(response) -> dict:
    assert response.status_code == 400, response.content
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}
    return body["error"]["fields"]


# --- bookings: check_in at most BOOKING_MAX_ADVANCE_DAYS ahead -----------------------------


@pytest.mark.parametrize("check_in", ["9999-12-30", day(731), day(5000)])
def test_a_stay_starting_beyond_the_booking_horizon_is_a_400_naming_check_in(check_in):
    listing = ListingFactory()
    start = dt.date.fromisoformat(check_in)
    check_out = (start + dt.timedelta(days=1)).isoformat() if start.year < 9999 else "9999-12-31"

    response = client_for(UserFactory()).post(
        "/api/v1/bookings/",
        {"listing": listing.pk, "check_in": check_in, "check_out": check_out, "guests": 1},
        format="json",
    )

    assert "check_in" in refused_fields(response)


def test_the_booking_horizon_is_the_setting_and_its_last_day_is_bookable(settings):
    settings.BOOKING_MAX_ADVANCE_DAYS = 30
    listing = ListingFactory()
    client = client_for(UserFactory())

    def book(start: int):
        body = {"listing": listing.pk, "check_in": day(start), "check_out": day(start + 2)}
        return client.post("/api/v1/bookings/", body, format="json")

    assert "check_in" in refused_fields(book(31))
    assert book(30).status_code == 201


def test_a_setting_above_the_databases_ceiling_fails_the_system_check(settings):
    from apps.bookings.apps import check_max_advance_days

    settings.BOOKING_MAX_ADVANCE_DAYS = 3661
    assert [error.id for error in check_max_advance_days()] == ["bookings.E001"]
    settings.BOOKING_MAX_ADVANCE_DAYS = 730
    assert check_max_advance_days() == []


# --- users: a date of birth in the past, from 1900 -----------------------------------------


@pytest.mark.parametrize("born", ["9999-12-31", day(1), day(0), "1899-12-31", "0001-01-01"])
def test_a_date_of_birth_today_in_the_future_or_before_1900_is_a_400_naming_it(born):
    user = UserFactory()

    response = client_for(user).patch("/api/v1/users/me/", {"date_of_birth": born})

    assert list(refused_fields(response)) == ["date_of_birth"]


@pytest.mark.parametrize("born", ["1900-01-01", "1990-05-17", day(-1)])
def test_a_date_of_birth_in_the_past_is_kept(born):
    user = UserFactory()

    response = client_for(user).patch("/api/v1/users/me/", {"date_of_birth": born})

    assert response.status_code == 200, response.content
    assert response.json()["date_of_birth"] == born


# --- searches and calendars: 1900 to HORIZON_DAYS ahead -------------------------------


@pytest.mark.parametrize("bad", ABSURD)
def test_search_dates_out_of_range_are_a_400_naming_them(bad):
    response = client_for().get(f"/api/v1/listings/?available_from={bad}&available_to={bad}")

    assert "available_from" in refused_fields(response)


def test_a_search_up_to_the_query_horizon_is_answered():
    end = HORIZON_DAYS
    response = client_for().get(
        f"/api/v1/listings/?available_from={day(end - 7)}&available_to={day(end)}"
    )
    assert response.status_code == 200, response.content
    beyond = client_for().get(
        f"/api/v1/listings/?available_from={day(end - 7)}&available_to={day(end + 1)}"
    )
    assert "available_to" in refused_fields(beyond)


@pytest.mark.parametrize(
    ("query", "field"),
    {
        "from=9999-12-30&to=9999-12-31": "from",
        "from=2030-01-01&to=9999-12-31": "to",
        "from=0001-01-01&to=0001-01-02": "from",
    }.items(),
)
def test_availability_dates_out_of_range_are_a_400_naming_them(query, field):
    listing = ListingFactory()

    response = client_for().get(f"/api/v1/listings/{listing.pk}/availability/?{query}")

    assert field in refused_fields(response)


@pytest.mark.parametrize("bound", ["from", "to"])
@pytest.mark.parametrize("bad", ABSURD)
def test_booking_list_dates_out_of_range_are_a_400_naming_them(bound, bad):
    response = client_for(UserFactory()).get(f"/api/v1/bookings/?{bound}={bad}")

    assert bound in refused_fields(response)


# --- PostgreSQL has the last word -----------------------------------------------------------


def test_app_user_cannot_write_a_date_of_birth_today_or_later():
    user = UserFactory()

    with db_context(DbContext().with_user(user)):
        execute("UPDATE users SET date_of_birth = current_date - 1 WHERE id = %s", [user.pk])
        for born in ("current_date", "current_date + 1", "'9999-12-31'"):
            with refused("users_date_of_birth_in_past"):
                execute(f"UPDATE users SET date_of_birth = {born} WHERE id = %s", [user.pk])  # noqa: S608
        with refused("users_date_of_birth_since_1900"):
            execute("UPDATE users SET date_of_birth = '1899-12-31' WHERE id = %s", [user.pk])

    assert execute("SELECT date_of_birth FROM users WHERE id = %s", [user.pk]) == [
        (TODAY - dt.timedelta(days=1),)
    ]


def test_an_anonymous_sign_up_in_raw_sql_cannot_be_born_in_the_future():
    tenant = default_tenant()
    insert = (
        "INSERT INTO users (password, is_superuser, email, name, role, tenant_id, date_of_birth)"
        " VALUES ('', false, %s, 'Raw', 'guest', %s, %s) RETURNING id"
    )

    with db_context(DbContext(tenant_id=tenant.pk)):  # anonymous, in the request's tenant
        with refused("users_date_of_birth_in_past"):
            execute(insert, ["raw@example.com", tenant.pk, "9999-12-31"])
        assert execute(insert, ["raw@example.com", tenant.pk, "1990-01-01"])


def test_a_stay_cannot_be_moved_beyond_the_databases_horizon():
    """Only staff with bookings.change_booking and system actors may move a stay at all (the
    privileged-column guard); even they stay within the horizon."""
    booking = BookingFactory(status="pending")

    with db_context(DbContext.system("tests")):
        with refused("bookings_check_in_within_advance"):
            execute(
                "UPDATE bookings SET check_in = current_date + 3661, check_out = current_date"
                " + 3664 WHERE id = %s",
                [booking.pk],
            )
        with refused("bookings_check_in_since_2000"):
            execute(
                "UPDATE bookings SET check_in = '1999-12-30', check_out = '1999-12-31'"
                " WHERE id = %s",
                [booking.pk],
            )
        with refused("bookings_stay_at_most_a_year"):
            execute("UPDATE bookings SET check_out = check_in + 367 WHERE id = %s", [booking.pk])
        moved = execute(
            "UPDATE bookings SET check_in = current_date + 3660, check_out = current_date"
            " + 3663 WHERE id = %s RETURNING id",
            [booking.pk],
        )

    assert moved == [(booking.pk,)]  # the guest's row, visible and writable up to the bound


def test_a_guest_cannot_insert_a_stay_in_year_9999():
    listing = ListingFactory()
    guest = UserFactory()

    with db_context(DbContext().with_user(guest)), refused("bookings_check_in_within_advance"):
        execute(
            "INSERT INTO bookings (listing_id, guest_id, tenant_id, check_in, check_out,"
            " guests, status, total_cents, currency, cancellation_reason, created_at,"
            " updated_at) VALUES (%s, %s, %s, '9999-12-30', '9999-12-31', 1, 'pending', 100,"
            " 'EUR', '', now(), now())",
            [listing.pk, guest.pk, listing.tenant_id],
        )
