"""Reads of listings. Every list the API serves is built here."""

import datetime as dt
from decimal import Decimal

from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db.models import (
    BooleanField,
    DecimalField,
    Exists,
    F,
    FloatField,
    OuterRef,
    Prefetch,
    QuerySet,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast, Coalesce

from apps.listings.models import (
    SEARCH_CONFIG,
    Amenity,
    Category,
    Listing,
    ListingAmenity,
    ListingStatus,
    ListingTag,
    ListingVersion,
    Tag,
)

# Columns a search result shows: the big text columns (description, search vector) stay out.
CARD_FIELDS = (
    "id", "title", "price_cents", "currency", "city", "beds", "baths", "max_guests",
    "latitude", "longitude", "photos", "rating_avg", "review_count", "created_at", "status",
    "owner__id", "owner__name", "category__id", "category__name", "category__slug",
)  # fmt: skip

# Cursor orders: each ends with the id, so every row has exactly one place (the keyset cursor
# of apps/listings/api/pagination.py compares the whole tuple). Unrated listings sort last under
# -rating: their rating counts as 0, so the order has no NULLs. `relevance` (ts_rank of the
# `q` query) is the default when `q` is given and only allowed with it.
ORDERINGS = {
    "-created_at": ("-created_at", "-id"),
    "created_at": ("created_at", "id"),
    "price_cents": ("price_cents", "id"),
    "-price_cents": ("-price_cents", "-id"),
    "-rating": ("-rating_sort", "-id"),
    "relevance": ("-rank", "-id"),
}
DEFAULT_ORDERING = "-created_at"
RELEVANCE = "relevance"


def _with_relations(queryset: QuerySet) -> QuerySet:
    return queryset.select_related("owner", "category").prefetch_related(
        Prefetch("amenities", queryset=Amenity.objects.only("id", "name", "icon", "category")),
        Prefetch("tags", queryset=Tag.objects.only("id", "name", "slug")),
    )


def listing_public_queryset() -> QuerySet:
    """What the public list shows, to everybody (owners and staff included)."""
    return Listing.objects.filter(status=ListingStatus.PUBLISHED, is_active=True)


def listing_search(*, ordering: str | None = None, **filters) -> QuerySet:
    """The public search. Without an ordering, the most relevant first when `q` is given,
    else the newest first."""
    ordering = ordering or (RELEVANCE if filters.get("q") else DEFAULT_ORDERING)
    if ordering == RELEVANCE and not filters.get("q"):
        raise ValueError("Ordering by relevance needs a `q` query.")
    queryset = listing_public_queryset().only(*CARD_FIELDS)
    queryset = apply_search_filters(queryset, **filters)
    if ordering == RELEVANCE:
        # The match itself is found through listing_search's GIN index (apply_search_filters);
        # the rank is then computed for the matching rows only. ts_rank returns a `real`: cast
        # to double precision so that the value the cursor carries compares exactly.
        query = SearchQuery(filters["q"], config=SEARCH_CONFIG, search_type="websearch")
        queryset = queryset.annotate(
            rank=Cast(SearchRank(F("search_vector"), query), output_field=FloatField())
        )
    elif ordering == "-rating":
        queryset = queryset.annotate(
            rating_sort=Coalesce(
                "rating_avg",
                Value(Decimal(0)),
                output_field=DecimalField(max_digits=3, decimal_places=2),
            )
        )
    return _with_relations(queryset).order_by(*ORDERINGS[ordering])


def apply_search_filters(
    queryset: QuerySet,
    *,
    city=None,
    category=None,
    min_price=None,
    max_price=None,
    beds=None,
    baths=None,
    guests=None,
    amenities=(),
    tags=(),
    q=None,
    bbox=None,
    available_from: dt.date | None = None,
    available_to: dt.date | None = None,
) -> QuerySet:
    if city:
        queryset = queryset.filter(city=city)
    if category is not None:
        queryset = queryset.filter(
            category__in=Category.objects.with_descendants(category).values("id")
        )
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
            Exists(ListingAmenity.objects.filter(listing=OuterRef("pk"), amenity_id=amenity_id))
        )
    for tag_id in tags:
        queryset = queryset.filter(
            Exists(ListingTag.objects.filter(listing=OuterRef("pk"), tag_id=tag_id))
        )
    # Full text and the bounding box go through listing_search, whose indexes row-level
    # security does not hide (see listings migration 0006).
    if q:
        queryset = queryset.filter(
            id__in=RawSQL(
                "SELECT listing_id FROM listing_search WHERE tenant_id = app_tenant_id()"
                " AND search_vector @@ websearch_to_tsquery(%s::regconfig, %s)",
                [SEARCH_CONFIG, q],
            )
        )
    if bbox:
        min_lng, min_lat, max_lng, max_lat = bbox
        queryset = queryset.filter(
            id__in=RawSQL(
                "SELECT listing_id FROM listing_search WHERE tenant_id = app_tenant_id()"
                " AND location <@ box(point(%s, %s), point(%s, %s))",
                [min_lng, min_lat, max_lng, max_lat],
            )
        )
    if available_from and available_to:
        # Other guests' bookings are invisible to the caller (RLS); the booked date ranges
        # come from a SECURITY DEFINER function that reveals only dates.
        queryset = queryset.alias(
            booked=RawSQL(
                "EXISTS (SELECT 1 FROM listing_booked_ranges(listings.id, %s, %s))",
                [available_from, available_to],
                output_field=BooleanField(),
            )
        ).filter(booked=False)
    return queryset


def listing_detail_queryset() -> QuerySet:
    """Every listing the caller may see (row-level security decides), with its relations."""
    return _with_relations(Listing.objects.defer("search_vector"))


def listing_visible_queryset() -> QuerySet:
    """Every listing the caller may see, without relations: what an action loads before it
    changes a listing or reads something else about it."""
    return Listing.objects.defer("search_vector")


def listing_mine(*, owner, include_deleted: bool = False) -> QuerySet:
    manager = Listing.all_objects if include_deleted else Listing.objects
    return _with_relations(manager.filter(owner=owner).defer("search_vector"))


def listing_versions(*, listing: Listing) -> QuerySet:
    return (
        ListingVersion.objects.filter(listing=listing)
        .select_related("created_by")
        .only(
            "id", "listing_id", "version", "title", "description", "price_cents", "created_at",
            "created_by__id", "created_by__name",
        )
    )  # fmt: skip


def listing_booked_ranges(*, listing: Listing, start: dt.date, end: dt.date) -> list[dict]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT check_in, check_out FROM listing_booked_ranges(%s, %s, %s)",
            [listing.pk, start, end],
        )
        return [{"check_in": row[0], "check_out": row[1]} for row in cursor.fetchall()]


def amenity_list() -> QuerySet:
    return Amenity.objects.order_by("category", "name").only("id", "name", "icon", "category")


def tag_list() -> QuerySet:
    return Tag.objects.order_by("name").only("id", "name", "slug")


def category_tree() -> list[dict]:
    """All categories as a nested tree, from one query."""
    nodes = {
        c["id"]: {**c, "children": []}
        for c in Category.objects.order_by("name").values("id", "name", "slug", "parent_id")
    }
    roots = []
    for node in nodes.values():
        parent = nodes.get(node["parent_id"])
        (parent["children"] if parent else roots).append(node)
    return roots
