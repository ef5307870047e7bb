"""The Python client a front-end team generates from the live /api/schema/ with
openapi-python-client (the version pinned in pyproject.toml), used as is: it generates without a
warning, every module of it imports, and it runs a guest's and a host's whole flow against a
live server — register, log in, search, read, book, confirm (host), message, review.

What broke it before: bodies offered as JSON, form and multipart at once (3 modules did not
import; the others sent each body three ways, lists doubled and None as "None"), every list's
page members titled alike (one clashing `CursorPage` class: list responses dropped), enum members
named `VALUE_0`, decimals as strings."""

import datetime as dt
import importlib
import json
import pkgutil
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest
from django.utils import timezone

from apps.accounts.email_verification import verification_link
from apps.accounts.models import User
from apps.core.context import DbContext, db_context
from tests.factories import BookingFactory, ListingFactory, UserFactory
from tests.factories.accounts import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)
PACKAGE = "havre_client"
# No post hooks: the generator would run ruff over the output, which changes no behaviour.
CONFIG = f"package_name_override: {PACKAGE}\npost_hooks: []\n"


def generator() -> str:
    return shutil.which("openapi-python-client") or str(
        Path(sys.executable).parent / "openapi-python-client"
    )


@pytest.fixture
def client_package(live_server, tmp_path):
    """The generated package, importable for the test's duration (then forgotten)."""
    with urllib.request.urlopen(f"{live_server.url}/api/schema/?format=json") as response:  # noqa: S310 (our live server)
        schema = json.load(response)
    (tmp_path / "schema.json").write_text(json.dumps(schema))
    (tmp_path / "config.yaml").write_text(CONFIG)
    result = subprocess.run(  # noqa: S603 (a pinned dev tool, fixed arguments)
        [
            generator(), "generate", "--path", "schema.json", "--config", "config.yaml",
            "--output-path", str(tmp_path / PACKAGE), "--meta", "none",
        ],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    # A schema the generator reads whole: a warning means a part of the API left out.
    assert "Warning" not in output and "WARNING" not in output, output
    sys.path.insert(0, str(tmp_path))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(tmp_path))
        for name in [name for name in sys.modules if name.split(".")[0] == PACKAGE]:
            del sys.modules[name]


def endpoint(group: str, name: str):
    """A generated operation's module, e.g. endpoint("bookings", "bookings_confirm")."""
    return importlib.import_module(f"{PACKAGE}.api.{group}.{name}")


def test_every_module_of_the_generated_client_imports(client_package):
    modules = [info.name for info in pkgutil.walk_packages(client_package.__path__, f"{PACKAGE}.")]
    failures = {}
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception as exc:  # noqa: BLE001 (every failure is reported, none hidden)
            failures[name] = repr(exc)

    assert failures == {}
    groups = {name.split(".")[2] for name in modules if name.startswith(f"{PACKAGE}.api.")}
    assert groups == {
        "auth", "users", "listings", "bookings", "reviews", "messages", "notifications",
        "wishlists", "reference",
    }  # fmt: skip
    assert not [name for name in modules if "v1" in name.split(".")[-1]]


def test_a_guest_and_a_host_run_the_whole_flow_through_the_generated_client(
    client_package, live_server
):
    models = importlib.import_module(f"{PACKAGE}.models")
    register, login = endpoint("auth", "auth_register"), endpoint("auth", "auth_login")
    verify_email = endpoint("auth", "auth_email_verify")
    search, read = endpoint("listings", "listings_list"), endpoint("listings", "listings_retrieve")
    book, confirm = (
        endpoint("bookings", "bookings_create"),
        endpoint("bookings", "bookings_confirm"),
    )
    send, review_stay = (
        endpoint("messages", "messages_create"),
        endpoint("reviews", "reviews_create"),
    )
    today = timezone.localdate()
    with db_context(DbContext.system("tests")):
        host = UserFactory(owner=True, email="host@example.com")
        listing = ListingFactory(owner=host, city="Lyon", price_cents=12_000, max_guests=4)
        ListingFactory(city="Lyon", price_cents=5_000)  # below min_price: not found
    anonymous = client_package.Client(base_url=live_server.url, raise_on_unexpected_status=True)
    clients = [anonymous]  # closed at the end: a kept-alive connection holds a server thread

    def logged_in(email: str):
        token = login.sync(
            client=anonymous,
            body=models.TokenRequest(email=email, password=DEFAULT_PASSWORD, name="tests"),
        )
        assert isinstance(token, models.TokenCreated), token
        # The generated client's default: `Authorization: Bearer <key>`.
        client = client_package.AuthenticatedClient(
            base_url=live_server.url, token=token.key, raise_on_unexpected_status=True
        )
        clients.append(client)
        return client

    # Register (202: check your mailbox), verify the address with the e-mailed link's uid and
    # token (made here as the send job makes them), then log in.
    accepted = register.sync(
        client=anonymous,
        body=models.Register(email="ana@example.com", password=DEFAULT_PASSWORD, name="Ana"),
    )
    assert isinstance(accepted, models.RegisterAccepted) and accepted.detail, accepted
    with db_context(DbContext.system("tests")):
        user = User.objects.get(email="ana@example.com")
    link = verification_link(user)
    verified = verify_email.sync_detailed(
        client=anonymous, body=models.EmailVerify(uid=link["uid"], token=link["token"])
    )
    assert verified.status_code == 204, verified
    guest = logged_in("ana@example.com")

    # Search: a cursor page with its cursor fields; the enum members have readable names.
    page = search.sync(
        client=guest,
        city="Lyon",
        min_price=10_000,
        ordering=models.ListingsListOrdering.PRICE_CENTS_DESC,
        page_size=5,
    )
    assert isinstance(page, models.ListingCardCursorPage), page
    assert [card.id for card in page.results] == [listing.pk]
    assert page.next_cursor is None and page.next_ is None  # `next` is a builtin
    card = page.results[0]
    assert isinstance(card.latitude, float) and isinstance(card.longitude, float), card
    numbered = search.sync(client=guest, city="Lyon", page=1)
    assert isinstance(numbered, models.ListingCardNumberedPage) and numbered.count == 2

    # Detail.
    detail = read.sync(client=guest, id=listing.pk)
    assert isinstance(detail, models.Listing) and detail.price_cents == 12_000, detail

    # Book; the same dates again are a 409 in the one error shape.
    stay = models.BookingCreate(
        listing=listing.pk,
        check_in=today + dt.timedelta(days=30),
        check_out=today + dt.timedelta(days=33),
        guests=2,
    )
    booking = book.sync(client=guest, body=stay)
    assert isinstance(booking, models.Booking), booking
    assert booking.status == models.BookingStatusEnum.PENDING
    assert booking.total_cents == 3 * 12_000
    clash = book.sync_detailed(client=guest, body=stay)
    assert clash.status_code == 409 and isinstance(clash.parsed, models.Error)
    assert clash.parsed.error.code == "booking_conflict"

    # The host confirms.
    host_client = logged_in("host@example.com")
    confirmed = confirm.sync(client=host_client, id=booking.id)
    assert confirmed.status == models.BookingStatusEnum.CONFIRMED, confirmed

    # The guest's inbox says so; read, it leaves the unread ones.
    inbox = endpoint("notifications", "notifications_list").sync(
        client=guest, unread=models.NotificationsListUnread.TRUE
    )
    assert [(n.kind, n.data["booking_id"]) for n in inbox.results] == [
        ("booking_confirmed", booking.id)
    ], inbox
    mark_read = endpoint("notifications", "notifications_read")
    assert mark_read.sync_detailed(client=guest, id=inbox.results[0].id).status_code == 204
    unread = endpoint("notifications", "notifications_unread_count").sync(client=guest)
    assert unread.count == 0, unread

    # A message: the list arrives whole (not doubled), None as null (not "None").
    attachments = ["https://img.example.com/a.jpg", "https://img.example.com/b.jpg"]
    message = send.sync(
        client=guest,
        body=models.MessageCreate(
            recipient=host.pk,
            subject="Arrival",
            content="We land at 18:00.",
            attachments=attachments,
            listing=None,
            booking=booking.id,
        ),
    )
    assert isinstance(message, models.Message), message
    assert (message.attachments, message.listing, message.booking) == (
        attachments,
        None,
        booking.id,
    )

    # A review of a stay that ended (arranged here: time does not pass in a test).
    with db_context(DbContext.system("tests")):
        past = BookingFactory(
            listing=listing,
            guest=User.objects.get(pk=user.pk),
            status="completed",
            check_in=today - dt.timedelta(days=5),
            check_out=today - dt.timedelta(days=2),
        )
    review = review_stay.sync(
        client=guest, body=models.ReviewCreate(booking=past.pk, rating=5, comment="Lovely.")
    )
    assert isinstance(review, models.Review) and review.rating == 5, review
    # Double-blind: the guest's review counts once the host has reviewed the guest too.
    assert read.sync(client=anonymous, id=listing.pk).review_count == 0
    by_host = review_stay.sync(
        client=host_client, body=models.ReviewCreate(booking=past.pk, rating=4)
    )
    assert isinstance(by_host, models.Review) and by_host.published_at, by_host
    rated = read.sync(client=anonymous, id=listing.pk)
    assert (rated.rating_avg, rated.review_count) == (5.0, 1)
    for client in clients:
        client.get_httpx_client().close()
