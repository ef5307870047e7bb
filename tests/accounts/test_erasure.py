"""DELETE /api/v1/users/me/ {password}: the account's erasure (docs/security.md, "Erasure and
retention"). Afterwards a data-only pg_dump of the whole database holds no trace of the
person's e-mail address, name, phone number or IP address — all of which it held before, in
users, profiles, audit_logs and the other party's notifications and stored responses — while
the other party still has the booking, its guest shown as "deleted user"."""

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts.models import ApiToken, Profile, User
from apps.bookings.models import Booking, BookingStatus
from apps.core.context import DbContext, db_context
from apps.core.models import AuditLog
from apps.listings.models import Listing
from apps.notifications.models import Notification
from apps.wishlists.models import Wishlist, WishlistItem
from tests.db import as_table_owner, execute, refused
from tests.factories import BookingFactory, ListingFactory, MessageFactory, UserFactory
from tests.factories.accounts import DEFAULT_PASSWORD
from tests.helpers import client_for, error, query_count, token_for

URL = "/api/v1/users/me/"
TODAY = timezone.localdate()

EMAIL = "Quilla.Zephyrine-4417@example.org"
NAME = "Quilla Zephyrine-Marchbanks"
PHONE = "+33 6 98 76 54 32"
IP = "203.0.113.219"


def bearer(key: str) -> APIClient:
    return APIClient(HTTP_AUTHORIZATION=f"Bearer {key}", REMOTE_ADDR=IP)


def pg_dump_data() -> str:
    """Every row of every table of the test database, as its owner sees it (pg_dump of the
    server's major version)."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version_num")
        major = int(cursor.fetchone()[0]) // 10000
    binary = Path(f"/usr/lib/postgresql/{major}/bin/pg_dump")
    program = str(binary) if binary.exists() else shutil.which("pg_dump")
    assert program, "pg_dump is needed for this test"
    db = connection.settings_dict
    result = subprocess.run(  # noqa: S603 (our arguments)
        [
            program,
            "--data-only",
            "--no-owner",
            "--host",
            db["HOST"] or "127.0.0.1",
            "--port",
            str(db["PORT"] or 5432),
            "--username",
            db["USER"],
            "--dbname",
            db["NAME"],
        ],
        capture_output=True,
        text=True,
        env={"PGPASSWORD": db["PASSWORD"] or "", "PATH": "/usr/bin:/bin"},
        check=True,
        timeout=120,
    )
    return result.stdout.lower()


def traces(dump: str) -> set[str]:
    return {value for value in (EMAIL, NAME, PHONE, IP) if value.lower() in dump}


@pytest.mark.django_db(transaction=True)
def test_after_erasure_a_dump_of_the_database_holds_no_trace_of_the_person():
    # Given a guest who left their data everywhere: profile, an audited change from their IP,
    # a booking request (the host's notification names them, the stored idempotent response
    # too), messages, and a past stay the host keeps.
    with db_context(DbContext.system("tests")):  # committed: pg_dump must see it
        guest = UserFactory(email=EMAIL, name=NAME)
        host = UserFactory(owner=True)
        listing = ListingFactory(owner=host)
        past = BookingFactory(
            listing=listing,
            guest=guest,
            check_in=TODAY - dt.timedelta(days=30),
            check_out=TODAY - dt.timedelta(days=27),
            status=BookingStatus.COMPLETED,
        )
        MessageFactory(sender=guest, recipient=host, booking=past, content="Merci pour tout")
        LogEntry.objects.create(  # a staff member once changed the account in the admin
            user=UserFactory(staff=True),
            content_type=ContentType.objects.get_for_model(User),
            object_id=str(guest.pk),
            object_repr=EMAIL,
            action_flag=CHANGE,
        )
        key = token_for(guest)
    with transaction.atomic(), as_table_owner():  # a failed e-mail job quoting the address
        [(job_id,)] = execute(
            "INSERT INTO procrastinate_jobs (queue_name, task_name, args, status) "
            "VALUES ('emails', 'send_notification', '{}', 'failed') RETURNING id"
        )
        execute(
            "INSERT INTO job_failures (job_id, attempts, error, failed_at) "
            "VALUES (%s, 3, %s, now())",
            [job_id, f"SMTPRecipientsRefused: {{'{EMAIL.upper()}': (550, b'unknown')}}"],
        )
    client = bearer(key)
    patched = client.patch(URL, {"phone": PHONE, "profile": {"bio": f"I am {NAME}"}})
    assert patched.status_code == 200, patched.content
    requested = client.post(
        "/api/v1/bookings/",
        {
            "listing": listing.pk,
            "check_in": (TODAY + dt.timedelta(days=40)).isoformat(),
            "check_out": (TODAY + dt.timedelta(days=43)).isoformat(),
            "guests": 1,
        },
        HTTP_IDEMPOTENCY_KEY="erasure-test-1",
    )
    assert requested.status_code == 201, requested.content
    # A wishlist named after themself, holding the listing.
    wishlist = client.post("/api/v1/wishlists/", {"name": f"{NAME}'s trips"}, format="json")
    assert wishlist.status_code == 201, wishlist.content
    wishlist_listings = f"/api/v1/wishlists/{wishlist.json()['id']}/listings/"
    assert client.post(wishlist_listings, {"listing": listing.pk}).status_code == 201
    with db_context(DbContext.system("tests")):
        [notice] = Notification.objects.filter(recipient=host, kind="booking_requested")
        assert NAME in notice.data.values()
        assert AuditLog.objects.filter(user_id=guest.pk, ip_address=IP).exists()
    with db_context(DbContext.system("tests")):
        other_session = client_for(guest)
    assert other_session.get(URL).status_code == 200
    before = pg_dump_data()
    assert traces(before) == {EMAIL, NAME, PHONE, IP}  # so that the end proves something

    # When they erase their account.
    response = client.delete(URL, {"password": DEFAULT_PASSWORD})

    # Then nothing of theirs is left anywhere in the database...
    assert response.status_code == 204, response.content
    assert traces(pg_dump_data()) == set()
    # ... the host still has the past stay (the guest shown as "deleted user"), the pending
    # request is cancelled, the listing's messages stay...
    seen = client_for(host).get(f"/api/v1/bookings/{past.pk}/")
    assert seen.status_code == 200, seen.content
    assert seen.json()["guest"] == {"id": guest.pk, "name": "deleted user"}
    in_french = client_for(host).get(f"/api/v1/bookings/{past.pk}/", HTTP_ACCEPT_LANGUAGE="fr")
    assert in_french.json()["guest"]["name"] == "utilisateur supprimé"
    with db_context(DbContext.system("tests")):
        assert Booking.objects.get(pk=requested.json()["id"]).status == BookingStatus.CANCELLED
        assert Notification.objects.get(pk=notice.pk).data["guest_name"] == "deleted user"
        assert not Notification.objects.filter(recipient=guest).exists()
        assert not ApiToken.objects.filter(user=guest).exists()
        assert not Wishlist.objects.filter(owner=guest).exists()
        assert not WishlistItem.objects.filter(owner=guest).exists()
        erased = User.objects.get(pk=guest.pk)
        assert (erased.email, erased.name, erased.is_active) == (
            f"deleted-{guest.pk}@invalid",
            "deleted user",
            False,
        )
        assert not erased.has_usable_password() and erased.erased_at is not None
        assert Profile.objects.get(user=guest).bio is None
        # ... and the audit log keeps who did what when, plus the erasure itself.
        assert AuditLog.objects.filter(user_id=guest.pk, action="UPDATE").exists()
        event = AuditLog.objects.filter(table_name="users", record_id=guest.pk).latest("id")
        assert event.changes == {"erased": {"old": False, "new": True}}
        assert (event.old_data, event.new_data, event.ip_address) == (None, None, None)
    # They cannot log in again, with any credential.
    login = APIClient().post(
        "/api/v1/auth/token/", {"email": EMAIL, "password": DEFAULT_PASSWORD}, format="json"
    )
    error(login, 400, "invalid_credentials")
    assert client.get(URL).status_code == 401
    assert other_session.get(URL).status_code in (401, 403)


@pytest.mark.django_db
@pytest.mark.parametrize("body", [{}, {"password": "not-my-password"}, {"password": ""}])
def test_a_missing_or_wrong_password_is_a_400_naming_it_and_erases_nothing(body):
    user = UserFactory(name="Still Here")

    response = client_for(user).delete(URL, body, format="json")

    assert list(error(response, 400, "invalid")) == ["password"]
    with db_context(DbContext.system("tests")):
        user.refresh_from_db()
    assert (user.name, user.is_active, user.erased_at) == ("Still Here", True, None)


@pytest.mark.django_db
@pytest.mark.parametrize("side", ["guest", "host"])
def test_an_upcoming_confirmed_stay_refuses_the_erasure_with_409_upcoming_stays(side):
    guest, host = UserFactory(), UserFactory(owner=True)
    BookingFactory(
        listing=ListingFactory(owner=host),
        guest=guest,
        check_in=TODAY - dt.timedelta(days=1),
        check_out=TODAY + dt.timedelta(days=2),
        status=BookingStatus.CONFIRMED,
    )
    user = guest if side == "guest" else host

    response = client_for(user).delete(URL, {"password": DEFAULT_PASSWORD}, format="json")

    error(response, 409, "upcoming_stays")
    with db_context(DbContext.system("tests")):
        user.refresh_from_db()
    assert user.is_active and user.erased_at is None


@pytest.mark.django_db
def test_a_stay_ending_today_does_not_refuse_it_and_the_hosts_listings_go_offline():
    host = UserFactory(owner=True)
    listing = ListingFactory(owner=host)
    BookingFactory(
        listing=listing,
        check_in=TODAY - dt.timedelta(days=3),
        check_out=TODAY,
        status=BookingStatus.CONFIRMED,
    )

    response = client_for(host).delete(URL, {"password": DEFAULT_PASSWORD}, format="json")

    assert response.status_code == 204, response.content
    with db_context(DbContext.system("tests")):
        assert Listing.all_objects.get(pk=listing.pk).deleted_at is not None
        assert User.objects.get(pk=host.pk).erased_at is not None


@pytest.mark.django_db
def test_showing_deleted_users_costs_no_query_per_row():
    host = UserFactory(owner=True)
    listing = ListingFactory(owner=host)

    def erased_guest():
        guest = UserFactory()
        BookingFactory(
            listing=listing,
            guest=guest,
            status=BookingStatus.COMPLETED,
            check_in=TODAY - dt.timedelta(days=9),
            check_out=TODAY - dt.timedelta(days=8),
        )
        MessageFactory(sender=guest, recipient=host)
        with db_context(DbContext.system("tests")):
            User.objects.filter(pk=guest.pk).update(is_active=False, erased_at=timezone.now())

    erased_guest()
    client = client_for(host)
    one = [query_count(client, url) for url in ("/api/v1/bookings/?role=host", "/api/v1/messages/")]
    erased_guest(), erased_guest()
    three = [
        query_count(client, url) for url in ("/api/v1/bookings/?role=host", "/api/v1/messages/")
    ]

    assert one == three
    names = [
        b["guest"]["name"] for b in client.get("/api/v1/bookings/?role=host").json()["results"]
    ]
    assert names == ["deleted user"] * 3


@pytest.mark.django_db
def test_an_erased_account_cannot_be_switched_back_on():
    user = UserFactory()
    with db_context(DbContext.system("tests")):
        User.objects.filter(pk=user.pk).update(is_active=False, erased_at=timezone.now())
        user.refresh_from_db()
        user.is_active = True

        with pytest.raises(ValidationError) as caught:
            user.full_clean(exclude=["password", "erased_at"])  # as a form without it would
        assert list(caught.value.message_dict) == ["is_active"]
        with refused("users_erased_is_inactive"):
            execute("UPDATE users SET is_active = true WHERE id = %s", [user.pk])
