"""No N+1 on any list. Every list endpoint of /api/schema/ — discovered there; a meta-test
fails naming one that has no case below — runs as many SQL queries for 1 row as for N: a page
at page_size=1 and page_size=N over N rows, in cursor and in numbered mode; a plain list
(reference data) before and after N more rows."""

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.conf import settings
from django.utils import timezone
from rest_framework.test import APIClient

from apps.bookings.models import Booking, CalendarEntry, CalendarFeed
from apps.core.context import DbContext, db_context
from apps.listings.models import Listing, ListingPhoto, ListingPriceOverride
from apps.listings.pricing import stay_quote
from apps.messaging.models import Message
from apps.notifications import kinds
from apps.notifications.models import Notification
from apps.reviews.models import Review
from apps.wishlists.models import MAX_WISHLISTS_PER_USER
from tests.factories import AmenityFactory, CategoryFactory, ListingFactory, TagFactory, UserFactory
from tests.factories.listings import many_listings
from tests.factories.wishlists import WishlistFactory, saved
from tests.helpers import client_for, list_operations, query_count, token_for

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


@dataclass(frozen=True)
class Case:
    path: str  # the operation's path in the schema
    name: str
    arrange: Callable[[int], tuple[APIClient, str]]  # n rows → a client that sees them, the URL
    rows: int = 100
    paged: bool = True  # a page (cursor or numbered); else a plain list of every row

    def __str__(self) -> str:
        return f"{self.path} {self.name}".strip()


def with_query(url: str, query: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}{query}"


# --- arrangements: n rows one client sees ------------------------------------------------


def bookings(n: int, *, past: bool = False) -> tuple[Listing, object]:
    """n bookings of one guest at one listing: confirmed and ahead, or completed and past
    (their review windows closed, so their reviews are published)."""
    listing, guest = ListingFactory(), UserFactory()
    start = TODAY - dt.timedelta(days=3 * n + 3 + settings.REVIEW_WINDOW_DAYS) if past else TODAY
    quotes = [
        stay_quote(listing_id=listing.pk, check_in=start + dt.timedelta(days=3 * i),
                   check_out=start + dt.timedelta(days=3 * i + 2), guests=1)
        for i in range(n)
    ]  # fmt: skip
    Booking.objects.bulk_create(
        Booking(
            listing=listing, guest=guest, tenant_id=listing.tenant_id,
            check_in=start + dt.timedelta(days=3 * i),
            check_out=start + dt.timedelta(days=3 * i + 2), guests=1,
            status="completed" if past else "confirmed",
            total_cents=quote["total_cents"], currency=quote["currency"], quote=quote,
        )
        for i, quote in enumerate(quotes)
    )  # fmt: skip
    return listing, guest


def reviews(n: int) -> tuple[Listing, object]:
    listing, guest = bookings(n, past=True)
    Review.objects.bulk_create(
        Review(booking=b, listing=listing, tenant_id=listing.tenant_id, rating=4)
        for b in Booking.objects.filter(listing=listing)
    )
    return listing, guest


def bookings_of(role: str):
    def arrange(n):
        listing, guest = bookings(n)
        return client_for(
            guest if role == "guest" else listing.owner
        ), f"/api/v1/bookings/?role={role}"

    return arrange


def messages_in(box: str):
    def arrange(n):
        me, other = UserFactory(), UserFactory()
        sender, recipient = (me, other) if box == "sent" else (other, me)
        Message.objects.bulk_create(
            Message(sender=sender, recipient=recipient, tenant_id=me.tenant_id, subject="s",
                    content="c", is_archived=box == "archived")
            for _ in range(n)
        )  # fmt: skip
        return client_for(me), f"/api/v1/messages/?box={box}"

    return arrange


def reviews_of(scope: str):
    def arrange(n):
        listing, guest = reviews(n)
        query = f"listing={listing.pk}" if scope == "listing" else "x=1"
        return client_for(guest), f"/api/v1/reviews/?{query}"

    return arrange


def notifications_of(query: str):
    def arrange(n):
        user = UserFactory()
        Notification.objects.bulk_create(
            Notification(recipient=user, kind="booking_confirmed", event_key=f"q:{i}", data={})
            for i in range(n)
        )
        return client_for(user), f"/api/v1/notifications/?{query}"

    return arrange


def notification_kinds(n):
    """n more registered kinds (the registry is put back after the test)."""
    start = len(kinds.all_kinds())
    for i in range(start, start + n):
        kinds.register(kinds.NotificationKind(f"query_count_{i}", label="Query count"))
    return client_for(UserFactory()), "/api/v1/notifications/kinds/"


@pytest.fixture(autouse=True)
def _kinds_put_back():
    saved = dict(kinds._KINDS)
    yield
    kinds._KINDS.clear()
    kinds._KINDS.update(saved)


def search(extra: str):
    def arrange(n):
        owner, category = UserFactory(owner=True), CategoryFactory()
        listings = many_listings(owner, n, category=category, title="Charming flat in town")
        amenity, tag = listings[0].amenities.get(), listings[0].tags.get()
        query = extra.format(amenity=amenity.pk, tag=tag.pk, category=category.pk)
        return client_for(), f"/api/v1/listings/?{query}"

    return arrange


def search_signed_in(n):
    """The search as a user who saved half the listings: each card says `saved`."""
    owner, user = UserFactory(owner=True), UserFactory()
    listings = many_listings(owner, n)
    saved(WishlistFactory(owner=user), *listings[::2])
    return client_for(user), "/api/v1/listings/"


def wishlists(n):
    user = UserFactory()
    for wishlist in WishlistFactory.create_batch(n, owner=user):
        saved(wishlist, ListingFactory())
    return client_for(user), "/api/v1/wishlists/"


def wishlist_cards(n):
    wishlist = WishlistFactory()
    saved(wishlist, *many_listings(UserFactory(owner=True), n))
    return client_for(wishlist.owner), f"/api/v1/wishlists/{wishlist.pk}/listings/"


def mine(n):
    owner = UserFactory(owner=True)
    many_listings(owner, n, draft=True)
    return client_for(owner), "/api/v1/listings/mine/"


def versions(n):
    listing = ListingFactory()
    for price in range(10_000, 10_000 + n):
        Listing.objects.filter(pk=listing.pk).update(price_cents=price)
    return client_for(listing.owner), f"/api/v1/listings/{listing.pk}/versions/"


def price_overrides(n):
    listing = ListingFactory()
    ListingPriceOverride.objects.bulk_create(
        ListingPriceOverride(listing=listing, start_date=TODAY + dt.timedelta(days=i),
                             end_date=TODAY + dt.timedelta(days=i + 3), price_cents=5_000 + i)
        for i in range(n)
    )  # fmt: skip
    return client_for(), f"/api/v1/listings/{listing.pk}/prices/"


def calendar_blocks(n):
    listing = ListingFactory()
    with db_context(DbContext.system("tests")):
        CalendarEntry.objects.bulk_create(
            CalendarEntry(listing=listing, tenant_id=listing.tenant_id, kind="block",
                          start_date=TODAY + dt.timedelta(days=2 * i),
                          end_date=TODAY + dt.timedelta(days=2 * i + 1),
                          turnover_end=TODAY + dt.timedelta(days=2 * i + 1),
                          created_by=listing.owner)
            for i in range(n)
        )  # fmt: skip
    return client_for(listing.owner), f"/api/v1/listings/{listing.pk}/blocks/"


_feeds_listing = []


def calendar_feeds(n):
    """A listing's imported calendars: the first call makes the listing, the next adds to it."""
    if n == 1:
        _feeds_listing[:] = [ListingFactory()]
    listing = _feeds_listing[0]
    with db_context(DbContext.system("tests")):
        start = CalendarFeed.objects.filter(listing=listing).count()
        CalendarFeed.objects.bulk_create(
            CalendarFeed(listing=listing, tenant_id=listing.tenant_id,
                         url=f"https://example.com/{start + i}.ics")
            for i in range(n)
        )  # fmt: skip
    return client_for(listing.owner), f"/api/v1/listings/{listing.pk}/calendar-feeds/"


_photos_listing = []


def listing_photos(n):
    """A listing's photos (URL-only rows): the first call makes the listing, the next adds to
    it, up to the cap of 20."""
    if n == 1:
        _photos_listing[:] = [ListingFactory(photos=[])]
    listing = _photos_listing[0]
    with db_context(DbContext.system("tests")):
        start = ListingPhoto.objects.filter(listing=listing).count()
        ListingPhoto.objects.bulk_create(
            ListingPhoto(listing=listing, position=start + i,
                         url=f"https://img.example.com/{start + i}.jpg")
            for i in range(n)
        )  # fmt: skip
    return client_for(), f"/api/v1/listings/{listing.pk}/photos/"


def listing_reviews(n):
    listing, _ = reviews(n)
    return client_for(), f"/api/v1/listings/{listing.pk}/reviews/"


def tokens(n):
    user = UserFactory()
    keys = [token_for(user) for _ in range(n)]
    # The key's first use touches its row: query_count's warm-up request absorbs it.
    return APIClient(HTTP_AUTHORIZATION=f"Bearer {keys[0]}"), "/api/v1/auth/tokens/"


def categories(n):
    """A tree of n categories, five children a node."""
    tree = [CategoryFactory()]
    for i in range(n - 1):
        tree.append(CategoryFactory(parent=tree[i // 5]))
    return client_for(), "/api/v1/categories/"


def reference(factory, path: str):
    def arrange(n):
        factory.create_batch(n)
        return client_for(), path

    return arrange


CASES = [
    *(Case("/api/v1/bookings/", role, bookings_of(role)) for role in ("guest", "host")),
    *(Case("/api/v1/messages/", box, messages_in(box)) for box in ("inbox", "sent", "archived")),
    *(Case("/api/v1/reviews/", scope, reviews_of(scope)) for scope in ("listing", "own")),
    *(Case("/api/v1/notifications/", q, notifications_of(q)) for q in ("", "unread=true")),
    Case("/api/v1/notifications/kinds/", "", notification_kinds, paged=False),
    *(
        Case("/api/v1/listings/", extra or "no filter", search(extra))
        for extra in (
            "",
            "q=flat",
            "q=flat&ordering=price_cents",
            "amenities={amenity}&tags={tag}",
            "ordering=-rating",
            "city=Paris&min_price=100&guests=2&category={category}",
            "available_from=2031-01-01&available_to=2031-01-08&bbox=2,48,3,49",
        )
    ),
    Case("/api/v1/listings/", "signed in, some saved", search_signed_in),
    Case("/api/v1/listings/mine/", "", mine),
    Case("/api/v1/listings/{id}/versions/", "", versions),
    Case("/api/v1/listings/{id}/reviews/", "", listing_reviews),
    Case("/api/v1/listings/{id}/photos/", "", listing_photos, rows=19, paged=False),
    Case("/api/v1/listings/{id}/prices/", "", price_overrides),
    Case("/api/v1/listings/{id}/blocks/", "", calendar_blocks),
    # At most MAX_FEEDS_PER_LISTING: a plain list.
    Case("/api/v1/listings/{id}/calendar-feeds/", "", calendar_feeds, rows=9, paged=False),
    Case("/api/v1/auth/tokens/", "", tokens, rows=20),  # within API_TOKEN_MAX_PER_USER
    Case("/api/v1/wishlists/", "", wishlists, rows=MAX_WISHLISTS_PER_USER),
    Case("/api/v1/wishlists/{id}/listings/", "", wishlist_cards),
    Case("/api/v1/categories/", "", categories, paged=False),
    *(
        Case(path, "", reference(factory, path), paged=False)
        for path, factory in (("/api/v1/amenities/", AmenityFactory), ("/api/v1/tags/", TagFactory))
    ),
]


def test_every_list_endpoint_of_the_schema_has_a_case_of_its_kind():
    lists = list_operations(APIClient().get("/api/schema/?format=json").json())
    assert {path: "oneOf" in body for path, body in lists.items()} == {
        case.path: case.paged for case in CASES
    }


@pytest.mark.parametrize(
    ("case", "mode"),
    [(case, mode) for case in CASES for mode in (("cursor", "numbered") if case.paged else ("",))],
    ids=lambda value: str(value) or "whole",
)
def test_a_list_costs_the_same_queries_for_1_and_for_n_rows(case, mode):
    if case.paged:  # 1 row and N rows of the same N
        client, url = case.arrange(case.rows)
        if mode == "numbered":
            url = with_query(url, "page=1")
        one = query_count(client, with_query(url, "page_size=1"), 1)
        many = query_count(client, with_query(url, f"page_size={case.rows}"), case.rows)
    else:  # the whole list, before and after N more rows
        client, url = case.arrange(1)
        one, before = query_count(client, url), len(client.get(url).content)
        case.arrange(case.rows)
        many = query_count(client, url)
        assert len(client.get(url).content) > before  # the new rows are in the answer
    assert one == many
