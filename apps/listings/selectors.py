"""Reads of listings. Every list the API serves is built here."""

import datetime as dt
import math
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass

from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import (
    BooleanField,
    Exists,
    Expression,
    F,
    FloatField,
    Func,
    IntegerField,
    JSONField,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Coalesce

from apps.core import dates
from apps.core.i18n import current_language, localized
from apps.listings.models import (
    MAX_PHOTOS,
    SEARCH_CONFIG,
    Amenity,
    Category,
    Listing,
    ListingAmenity,
    ListingPhoto,
    ListingPriceOverride,
    ListingSearch,
    ListingStatus,
    ListingTag,
    ListingVersion,
    Tag,
)
from apps.listings.services import VIEW_VERSIONS, listing_check_actor

# Cursor orders over listing_search: each ends with the id, so every row has exactly one
# place (the keyset cursor of apps/listings/api/pagination.py compares the whole tuple), and
# each is served by an index of listing_search (migration 0009). Unrated listings sort last
# under -rating (rating_sort is COALESCE(rating_avg, 0): no NULLs). `relevance` (ts_rank of
# the `q` query) is the default when `q` is given and only allowed with it; `distance`
# (nearest first, from the point of `lat`, `lng` and `radius_km`) is the default with a point,
# without `q`, and only allowed with one.
ORDERINGS = {
    "-created_at": ("-created_at", "-listing_id"),
    "created_at": ("created_at", "listing_id"),
    "price_cents": ("price_cents", "listing_id"),
    "-price_cents": ("-price_cents", "-listing_id"),
    "-rating": ("-rating_sort", "-listing_id"),
    "relevance": ("-rank", "-listing_id"),
    "distance": ("distance", "listing_id"),
}
DEFAULT_ORDERING = "-created_at"
# Prices are compared in one currency: a price range without `currency` means euros.
DEFAULT_SEARCH_CURRENCY = "EUR"
RELEVANCE = "relevance"
DISTANCE = "distance"
# An owner's listings, newest first.
MINE_ORDERING = ("-created_at", "-id")


def relations(*, photo_count: int = MAX_PHOTOS) -> dict:
    """A listing's related names, in the active language (apps.core.i18n), and its first
    `photo_count` photos. Amenities, tags and photos come as {"amenities": [...], "tags":
    [...], "photos": [...]} from a function whose plan PostgreSQL keeps (migrations 0010,
    0015, 0024): a page of listings with its relations is one query, no prefetch round
    trips, no model instances."""
    language = current_language()
    return {
        "owner_name": F("owner__name"),
        "category_name": F(localized("category__name", language)),
        "category_slug": F("category__slug"),
        "relations": RawSQL(
            "listing_relations(listings.id, %s, %s)",
            [language, photo_count],
            output_field=JSONField(),
        ),
    }


# What a search result shows (the big text columns stay out) and what a whole listing shows;
# rows come as dicts with relations(), for apps/listings/api/serializers.py.
CARD_FIELDS = (
    "id", "title", "price_cents", "currency", "city", "beds", "baths", "max_guests",
    "latitude", "longitude", "rating_avg", "review_count", "created_at",
    "owner_id", "category_id",
)  # fmt: skip
DETAIL_FIELDS = (
    *CARD_FIELDS, "description", "area", "floor", "address", "status", "is_active", "slug",
    "meta_title", "meta_description", "updated_at", "deleted_at", "cleaning_fee_cents",
    "extra_guest_fee_cents", "guests_included", "weekly_discount_percent",
    "monthly_discount_percent", "cancellation_policy", "instant_book", "min_nights",
    "max_nights", "advance_notice_days", "preparation_days", "booking_window_days",
)  # fmt: skip


def listing_search(
    *, ordering: str | None = None, near: "Near | None" = None, **filters
) -> QuerySet:
    """The public search, as rows of listing_search (listing_id and the ordering's values,
    and `distance` around `near`), to paginate; listing_cards() then reads the page's
    listings. Without an ordering, the most relevant first when `q` is given, else the
    nearest first around `near`, else the newest first. With `q`, one query runs here first
    (listing_search_matches): see _text_search. Nearest first, pages are chosen by
    listing_search_nearest()."""
    ordering = ordering or default_ordering(q=filters.get("q"), near=near)
    q = filters.pop("q", None)
    if ordering == RELEVANCE and not q:
        raise ValueError("Ordering by relevance needs a `q` query.")
    if ordering == DISTANCE and near is None:
        raise ValueError("Ordering by distance needs a point.")
    queryset = apply_search_filters(_tenant_rows(), **filters)
    if near is not None:
        queryset = _within(queryset, near, nearest_first=ordering == DISTANCE)
    if q:
        queryset = _text_search(queryset, q, relevance=ordering == RELEVANCE)
    fields = ORDERINGS[ordering]
    values = {field.lstrip("-") for field in fields}
    if near is not None:
        queryset = queryset.annotate(distance=near.chord_from())
        values.add("distance")
    return queryset.order_by(*fields).values(*values)


def default_ordering(*, q=None, near=None) -> str:
    if q:
        return RELEVANCE
    return DEFAULT_ORDERING if near is None else DISTANCE


# The sphere of listing_search_point() (migration 0024), in metres.
EARTH_RADIUS_M = 6_371_008.8
MAX_RADIUS_KM = 100


@dataclass(frozen=True)
class Near:
    """A search around a point: latitude and longitude in degrees, a radius in kilometres
    along the Earth's surface (great circle).

    listing_search.point is each listing's (x, y, z) point in metres; the distance PostgreSQL
    compares is the chord between two points (cube's `<->`), which grows with the great-circle
    distance: the chord of the radius bounds it, and the great-circle distance shown on a card
    comes back from the chord here."""

    latitude: float
    longitude: float
    radius_km: float

    def centre(self) -> RawSQL:
        return RawSQL("listing_search_point(%s, %s)", [self.latitude, self.longitude])

    def chord_from(self) -> RawSQL:
        """The chord from the centre to the row's point (metres): the `distance` order."""
        return RawSQL(
            "point <-> listing_search_point(%s, %s)",
            [self.latitude, self.longitude],
            output_field=FloatField(),
        )

    @property
    def radius_chord(self) -> float:
        return chord_of(self.radius_km * 1000)

    def degree_box(self) -> tuple[tuple[float, float], tuple[float, float] | None]:
        """The latitude and longitude ranges that hold the circle (a little more), as bare
        column ranges the planner has histograms for; no longitude range when the circle
        reaches a pole or crosses the antimeridian (the exact distance still filters)."""
        angle = self.radius_km * 1000 / EARTH_RADIUS_M
        margin = 1e-9
        dlat = math.degrees(angle) + margin
        latitudes = (self.latitude - dlat, self.latitude + dlat)
        if abs(self.latitude) + dlat >= 90:
            return latitudes, None
        # The widest longitude of a spherical cap of that angle around the centre.
        spread = math.sin(angle) / math.cos(math.radians(self.latitude))
        dlng = math.degrees(math.asin(min(1.0, spread))) + margin
        low, high = self.longitude - dlng, self.longitude + dlng
        if low < -180 or high > 180:
            return latitudes, None
        return latitudes, (low, high)


def chord_of(distance_m: float) -> float:
    """The chord (metres) of a great-circle distance."""
    return 2 * EARTH_RADIUS_M * math.sin(distance_m / (2 * EARTH_RADIUS_M))


def distance_km(chord: float) -> float:
    """The great-circle distance (kilometres, to the metre) of a chord."""
    ratio = min(1.0, max(0.0, chord / (2 * EARTH_RADIUS_M)))
    return round(2 * EARTH_RADIUS_M * math.asin(ratio) / 1000, 3)


class _Inside(Func):
    """`point <@ cube_enlarge(centre, chord, 3)`: the row's point inside the cube around the
    centre, which listing_search_point_idx serves."""

    template = "point <@ cube_enlarge(%(expressions)s, 3)"
    output_field = BooleanField()


def _within(queryset: QuerySet, near: Near, *, nearest_first: bool) -> QuerySet:
    """The rows within the radius: the exact distance, after a pre-filter that an index
    serves. Nearest first, the box around the centre, read through the GiST index (nearest
    first too). Any other order walks its own index or reads the coordinates' ranges, as the
    bounding box does: PostgreSQL estimates `<@` at a fixed 0.1% of the rows, which would
    have it read a whole city through the GiST index and sort it (migration 0009)."""
    if nearest_first:
        queryset = queryset.filter(_Inside(near.centre(), Value(near.radius_chord)))
    else:
        (low_lat, high_lat), longitudes = near.degree_box()
        queryset = queryset.filter(latitude__range=(low_lat, high_lat))
        if longitudes is not None:
            queryset = queryset.filter(longitude__range=longitudes)
    return queryset.alias(_chord=near.chord_from()).filter(_chord__lte=near.radius_chord)


def listing_search_nearest(
    queryset: QuerySet, size: int, *, near: Near, reverse: bool = False, position=None
) -> list:
    """The first `size` rows of a nearest-first `queryset` (ordered by distance, then id,
    after the cursor's `position`), in one query at the same cost at any size of the table
    (nearest_page). Reversed (a previous page: farthest first, before `position`), the rows
    no farther than the position are read through the index and sorted: as many as the pages
    before it."""
    if reverse:
        return list(queryset.filter(_Inside(near.centre(), Value(position[0])))[:size])
    with bitmap_scans_off():
        return list(nearest_page(queryset, size, near=near))


def nearest_page(queryset: QuerySet, size: int, *, near: Near) -> QuerySet:
    """The query of listing_search_nearest().

    A GiST index gives rows nearest first, but cannot break ties by id (PostgreSQL 15 uses an
    index order only when it is the whole ORDER BY): so the `size`-th nearest row's distance
    is read first, nearest first through the index (a subquery), and the page is then sorted
    among the rows no farther than it (ties included), read through the index again within
    that smaller box."""
    nth = queryset.order_by("distance").values("distance")[size - 1 : size]
    bound = Coalesce(Subquery(nth), Value(near.radius_chord), output_field=FloatField())
    return queryset.filter(_Inside(near.centre(), bound), distance__lte=bound)[:size]


@contextmanager
def bitmap_scans_off():
    """Bitmap scans off for the queries inside, within the caller's transaction (the
    request's): SET LOCAL, then RESET.

    Nearest first reads the GiST index in distance order only if PostgreSQL does not prefer
    a bitmap scan of the whole radius and a sort, which it does whenever the other filters
    make its fixed estimate of `<@` (0.1% of the rows) look small: a whole city read and
    sorted at a million listings. Reading nearest first stops after the page's matches, so
    never reads more rows than the bitmap would."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        # No `finally`: after an error the transaction is aborted (a RESET would fail and
        # hide the error) and its rollback undoes the SET LOCAL.
        yield
        cursor.execute("RESET enable_bitmapscan")


# How many listings a full-text search ranks by relevance, and the match count up to which it
# chooses its page among all the matches' ids rather than by walking an order's index.
SEARCH_CANDIDATES = 200


def _tenant_rows() -> QuerySet:
    return ListingSearch.objects.filter(tenant_id=RawSQL("app_tenant_id()", []))


def _text_search(queryset: QuerySet, q: str, *, relevance: bool) -> QuerySet:
    """The rows of `queryset` matching `q`, at a cost that does not grow with the table.

    First the ids of up to SEARCH_CANDIDATES + 1 matches, always read through the GIN index
    (listing_search_matches), unless `q` is a single word that the column's statistics know to
    match more than 4 × SEARCH_CANDIDATES rows. At most SEARCH_CANDIDATES: the page is chosen
    among exactly those rows, read by primary key and sorted (a rare word or a typo never
    walks the date or price index hoping for matches that do not come). More: matches are
    frequent enough that walking the order's index finds a page after a few rows per match,
    as the planner estimates from the column's statistics.

    Relevance ranks a bounded set: the SEARCH_CANDIDATES newest matches (all of them when
    fewer match), by ts_rank, best first. Beyond that, older matches are not ranked at all:
    a page of 20 is never the whole match set ranked and sorted."""
    query = _tsquery(q)
    ids = _matching_ids(q)  # None: a word known to be common
    if ids == []:
        matches = queryset.none()  # no query at all
    elif ids is not None and len(ids) <= SEARCH_CANDIDATES:
        matches = queryset.filter(_AnyOf(F("listing_id"), Value(ids)))
    else:
        matches = queryset.filter(search_vector=query)
        if relevance:
            newest = matches.order_by("-created_at", "-listing_id").values("listing_id")
            # = ANY(ARRAY(...)): the candidates are read once, then by primary key (an IN
            # could become a hash join over the whole table).
            matches = ListingSearch.objects.filter(
                _AnyOf(F("listing_id"), ArraySubquery(newest[:SEARCH_CANDIDATES]))
            )
    if relevance:
        # ts_rank returns a `real`: cast to double precision so that the value the cursor
        # carries compares exactly.
        matches = matches.annotate(rank=Cast(SearchRank(F("search_vector"), query), FloatField()))
    return matches


class _AnyOf(Func):
    """`value = ANY(array)`: the rows whose key is in an array, read by primary key."""

    template = "%(expressions)s)"
    arg_joiner = " = ANY("
    output_field = BooleanField()


def _matching_ids(q: str) -> list[int] | None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT listing_search_matches(websearch_to_tsquery(%s::regconfig, %s), %s)",
            [SEARCH_CONFIG, q, SEARCH_CANDIDATES + 1],
        )
        return cursor.fetchone()[0]


def _tsquery(q: str) -> SearchQuery:
    return SearchQuery(q, config=SEARCH_CONFIG, search_type="websearch")


def apply_search_filters(
    queryset: QuerySet,
    *,
    city=None,
    category=None,
    min_price=None,
    max_price=None,
    currency=None,
    beds=None,
    baths=None,
    guests=None,
    amenities=(),
    tags=(),
    bbox=None,
    available_from: dt.date | None = None,
    available_to: dt.date | None = None,
) -> QuerySet:
    """Filters of the public search on a queryset of listing_search, but the full-text `q`
    (listing_search's _text_search). A price range compares listings priced in `currency`
    (DEFAULT_SEARCH_CURRENCY when not given) only: there is no conversion."""
    if city:
        queryset = queryset.filter(city=city)
    if category is not None:
        queryset = queryset.filter(
            category_id__in=Category.objects.with_descendants(category).values("id")
        )
    if currency is None and (min_price is not None or max_price is not None):
        currency = DEFAULT_SEARCH_CURRENCY  # never 12,000 USD read as 120 EUR
    if currency is not None:
        queryset = queryset.filter(currency=currency)
    if min_price is not None:
        queryset = queryset.filter(price_cents__gte=min_price)
    if max_price is not None:
        queryset = queryset.filter(price_cents__lte=max_price)
    if beds is not None:
        queryset = queryset.filter(beds__gte=beds)
    if baths is not None:
        queryset = queryset.filter(baths__gte=baths)
    if guests is not None:
        queryset = queryset.filter(max_guests__gte=guests)
    for amenity_id in amenities:  # all of them required
        queryset = queryset.filter(
            Exists(
                ListingAmenity.objects.filter(
                    listing_id=OuterRef("listing_id"), amenity_id=amenity_id
                )
            )
        )
    for tag_id in tags:
        queryset = queryset.filter(
            Exists(ListingTag.objects.filter(listing_id=OuterRef("listing_id"), tag_id=tag_id))
        )
    if bbox:
        min_lng, min_lat, max_lng, max_lat = bbox
        queryset = queryset.filter(
            longitude__range=(min_lng, max_lng), latitude__range=(min_lat, max_lat)
        )
    if available_from and available_to:
        queryset = _stay_rules_accept(queryset, available_from, available_to)
        # Other guests' bookings and hosts' blocks are invisible to the caller (RLS); the
        # calendar's unavailable ranges come from a SECURITY DEFINER function that reveals
        # only dates (preparation nights included). PostgreSQL checks the cheaper rules first:
        # the calendar is read only for the listings that take the stay.
        queryset = queryset.filter(
            _CalendarFree(F("listing_id"), Value(available_from), Value(available_to))
        )
    return queryset


class _CalendarFree(Func):
    """No unavailable range of the listing's calendar between two dates. The listing is an
    expression of the query (F("listing_id")), never a table name written out: a relevance
    search filters its candidates in a subquery (alias U0), where `listing_search.listing_id`
    named the outer query's row — a subquery correlated with every row of the table, run
    262,046 times (56 s on 300,000 listings) and checking another listing's calendar."""

    function = "listing_unavailable_ranges"
    template = "NOT EXISTS (SELECT 1 FROM %(function)s(%(expressions)s))"
    output_field = BooleanField()


def _stay_rules_accept(queryset: QuerySet, check_in: dt.date, check_out: dt.date) -> QuerySet:
    """The listings whose host's rules take a stay from check_in to check_out, as PostgreSQL's
    bookings guard holds a booking to them: nights within min_nights and max_nights, check-in
    at least advance_notice_days and at most booking_window_days after today (CURRENT_DATE,
    apps/core/dates.py).

    Bare columns of listing_search against values of the request: the planner reads their
    statistics, and a stay that almost no listing takes (longer than every maximum, beyond
    every window) is found through listing_search_max_nights_idx or
    listing_search_window_idx instead of walking the whole tenant (migration 0023)."""
    if check_in < dates.today():
        # No listing takes it (advance_notice_days >= 0): no query, rather than a plan
        # that PostgreSQL's estimates would make a scan of the table.
        return queryset.none()
    nights = (check_out - check_in).days
    days_ahead = RawSQL("%s::date - CURRENT_DATE", [check_in], output_field=IntegerField())
    return queryset.filter(
        min_nights__lte=nights,
        max_nights__gte=nights,
        advance_notice_days__lte=days_ahead,
        booking_window_days__gte=days_ahead,
    )


# Whether the signed-in caller saved a listing (the card's `saved`): the app that keeps what
# people save sits above listings (apps.wishlists), so it registers, in its AppConfig.ready(),
# how a listings row is known to be saved by a user — an expression over that row (an EXISTS),
# evaluated inside the card query itself: no query per card, nor per page. Nothing registered,
# or an anonymous caller: false.
_saved_by: list[Callable[[int], Expression]] = []


def register_saved_by(expression: Callable[[int], Expression]) -> None:
    """`expression(user_id)`: true on a listings row that user saved."""
    _saved_by[:] = [expression]


def saved_by(user) -> Expression:
    """The card's `saved` for `user` (None or anonymous: false)."""
    if not _saved_by or user is None or not user.is_authenticated:
        return Value(False, output_field=BooleanField())
    return _saved_by[0](user.pk)


def listing_public_queryset() -> QuerySet:
    """Listings anyone of the tenant may see (published, active, not deleted), whoever asks:
    row-level security shows their owner and staff more, which lists of other people's
    listings (a wishlist) must not."""
    return Listing.objects.filter(
        status=ListingStatus.PUBLISHED, is_active=True, deleted_at__isnull=True
    )


def listing_card_rows(queryset: QuerySet, *, viewer=None, **extra) -> QuerySet:
    """Search cards (CARD_FIELDS, relations() and `saved` for `viewer`, plus the `extra`
    expressions a caller orders by) of `queryset`, as dict rows: one query, whatever the
    number of rows."""
    # A card shows the cover only.
    return queryset.values(
        *CARD_FIELDS, **relations(photo_count=1), saved=saved_by(viewer), **extra
    )


def listing_cards(ids: list[int], *, viewer=None) -> list[dict]:
    """The search results for a page of listing ids, in that order: one query, read under
    row-level security."""
    rows = {
        row["id"]: row
        for row in listing_card_rows(Listing.objects.filter(id__in=ids), viewer=viewer)
    }
    return [rows[i] for i in ids if i in rows]


def listing_detail(*, pk: int) -> dict | None:
    """A whole listing with its relations, if the caller may see it (row-level security
    decides), as one row; None otherwise."""
    return listing_rows(Listing.objects.filter(pk=pk)).first()


def listing_rows(queryset: QuerySet) -> QuerySet:
    """Whole listings with their relations, as dict rows (one query)."""
    return queryset.values(*DETAIL_FIELDS, **relations())


def listing_visible_queryset() -> QuerySet:
    """Every listing the caller may see, without relations: what an action loads before it
    changes a listing or reads something else about it."""
    return Listing.objects.defer("search_vector")


def listing_mine(*, owner, include_deleted: bool = False) -> QuerySet:
    manager = Listing.all_objects if include_deleted else Listing.objects
    return listing_rows(manager.filter(owner=owner)).order_by(*MINE_ORDERING)


def listing_versions(*, listing: Listing, actor) -> QuerySet:
    """The listing's versions, for its owner or staff holding listings.view_listingversion."""
    listing_check_actor(listing=listing, actor=actor, permission=VIEW_VERSIONS)
    return (
        ListingVersion.objects.filter(listing=listing)
        .select_related("created_by")
        .only(
            "id", "listing_id", "version", "title", "description", "price_cents", "created_at",
            "created_by__id", "created_by__name",
        )
    )  # fmt: skip


def listing_price_overrides(*, listing: Listing) -> QuerySet:
    """The listing's price overrides (as whoever may see the listing: row-level security),
    by first night; the pricing of a stay reads them in listing_quote() instead."""
    return ListingPriceOverride.objects.filter(listing=listing).order_by("start_date", "id")


def listing_photos(*, listing: Listing) -> QuerySet:
    """The listing's photos (as whoever may see the listing: row-level security), cover
    first."""
    return ListingPhoto.objects.filter(listing=listing).order_by("position")


def listing_unavailable_ranges(*, listing: Listing, start: dt.date, end: dt.date) -> list[dict]:
    """The nights of [start, end) a new stay at `listing` may not use, as merged
    {start, end} ranges (end exclusive), clipped to [start, end): its bookings' nights with
    the preparation nights on either side, and its host's blocks. PostgreSQL's
    listing_unavailable_ranges() reads the calendar for the caller and says nothing of whose
    the nights are. One query."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT start_date, end_date FROM listing_unavailable_ranges(%s, %s, %s)",
            [listing.pk, start, end],
        )
        rows = cursor.fetchall()
    merged: list[dict] = []
    for first, last in rows:  # ordered by start
        first, last = max(first, start), min(last, end)
        if first >= last:
            continue
        if merged and first <= merged[-1]["end"]:
            merged[-1]["end"] = max(merged[-1]["end"], last)
        else:
            merged.append({"start": first, "end": last})
    return merged


def amenity_list() -> QuerySet:
    return Amenity.objects.order_by("category", localized("name")).only(
        "id", "name_fr", "name_en", "icon", "category"
    )


def tag_list() -> QuerySet:
    return Tag.objects.order_by(localized("name")).only("id", "name_fr", "name_en", "slug")


def category_tree() -> list[dict]:
    """All categories as a nested tree, from one query, named in the active language."""
    name = localized("name")
    nodes = {
        c["id"]: {**c, "children": []}
        for c in Category.objects.order_by(name).values("id", "slug", "parent_id", name=F(name))
    }
    roots = []
    for node in nodes.values():
        parent = nodes.get(node["parent_id"])
        (parent["children"] if parent else roots).append(node)
    return roots
