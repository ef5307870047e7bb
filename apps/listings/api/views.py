from functools import partial

from django.shortcuts import get_object_or_404
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext_lazy as _
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.core.api.parsers import UploadParser
from apps.core.api.serializers import ErrorSerializer
from apps.listings import pricing, selectors, services
from apps.listings.api.pagination import ListingPagination
from apps.listings.api.serializers import (
    AmenitySerializer,
    AvailabilityQuerySerializer,
    AvailabilitySerializer,
    CategoryTreeSerializer,
    ListingCardSerializer,
    ListingSerializer,
    ListingVersionSerializer,
    ListingWriteSerializer,
    MineQuerySerializer,
    PhotoOrderSerializer,
    PhotoSerializer,
    PhotoUploadSerializer,
    PriceOverrideCreateSerializer,
    PriceOverrideSerializer,
    QuoteQuerySerializer,
    QuoteSerializer,
    TagSerializer,
    listing_card,
    listing_whole,
)
from apps.listings.filters import ListingSearchFilter
from apps.listings.models import Listing, ListingPhoto, ListingPriceOverride, ListingSearch

# Every query parameter the search reads: its filters and the pagination's.
SEARCH_PARAMETERS = frozenset({*ListingSearchFilter.base_filters, "cursor", "page", "page_size"})
UNKNOWN_PARAMETER = _("Unknown parameter.")
ERRORS = {400: ErrorSerializer, 401: ErrorSerializer, 403: ErrorSerializer, 404: ErrorSerializer}
# Reference data changes rarely (staff edit it in the admin): clients and proxies may keep it.
REFERENCE_MAX_AGE = 60


@extend_schema_view(
    list=extend_schema(
        summary="Search published listings",
        responses={200: ListingCardSerializer(many=True), 400: ErrorSerializer},
    ),
    retrieve=extend_schema(
        summary="A listing (drafts: their owner and staff only)",
        responses={200: ListingSerializer, 404: ErrorSerializer},
    ),
)
class ListingViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Listings. What a caller may see is row-level security's decision (another owner's
    draft is a 404, never a 403); what they may change, the service's (403): the listing's
    owner, or staff holding the action's permission (apps/listings/services.py)."""

    queryset = Listing.objects.none()  # for the schema; get_queryset() serves requests
    filter_backends = [DjangoFilterBackend]
    filterset_class = ListingSearchFilter
    pagination_class = ListingPagination

    def get_permissions(self):
        if self.action in ("list", "retrieve", "availability", "quote"):
            return [permissions.AllowAny()]
        return [permissions.IsAuthenticated()]

    def get_queryset(self):
        # Writes and actions load the model; the reads (list, retrieve, mine) serialize rows
        # straight from their selectors.
        if getattr(self, "swagger_fake_view", False):
            return Listing.objects.none()
        return selectors.listing_visible_queryset()

    def list(self, request):
        # The filterset validates the query; selectors.listing_search applies it. A parameter
        # the search does not know is a 400 naming it, never silently ignored (a misspelt
        # filter would otherwise return everything).
        unknown = sorted(set(request.query_params) - SEARCH_PARAMETERS)
        if unknown:
            raise ValidationError({name: [UNKNOWN_PARAMETER] for name in unknown})
        filterset = ListingSearchFilter(request.query_params, queryset=ListingSearch.objects.none())
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        self.cursor_ordering = selectors.ORDERINGS[filterset.chosen_ordering]
        near = filterset.near
        if filterset.chosen_ordering == selectors.DISTANCE:
            self.cursor_first_rows = partial(selectors.listing_search_nearest, near=near)
        page = self.paginate_queryset(
            selectors.listing_search(
                ordering=filterset.chosen_ordering, **filterset.search_kwargs()
            )
        )
        cards = selectors.listing_cards([row["listing_id"] for row in page], viewer=request.user)
        if near is None:
            return self.get_paginated_response([listing_card(row) for row in cards])
        distances = {row["listing_id"]: row["distance"] for row in page}
        return self.get_paginated_response(
            [listing_card(row, chord=distances[row["id"]]) for row in cards]
        )

    def retrieve(self, request, pk=None):
        return Response(self._detail(pk))

    def get_serializer_class(self):  # for the schema
        return ListingCardSerializer if self.action == "list" else ListingSerializer

    @extend_schema(
        summary="Create a draft listing (owners only)",
        request=ListingWriteSerializer,
        responses={201: ListingSerializer, **ERRORS},
    )
    def create(self, request):
        serializer = ListingWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        listing = services.listing_create(owner=request.user, data=serializer.validated_data)
        return Response(self._detail(listing.pk), status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a listing (its owner, or staff)",
        description="Partial update. Fields the server owns (status, owner, tenant, ratings, "
        "timestamps) or that do not exist are refused with a 400 naming them. amenities and "
        "tags, when given, replace the whole set. Title, description and price changes are "
        "recorded as versions.",
        request=ListingWriteSerializer,
        responses={200: ListingSerializer, **ERRORS},
    )
    def partial_update(self, request, pk=None):
        listing = self.get_object()
        serializer = ListingWriteSerializer(listing, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        services.listing_update(listing=listing, data=serializer.validated_data, actor=request.user)
        return Response(self._detail(listing.pk))

    @extend_schema(
        summary="Delete a listing (soft delete; its owner, or staff)",
        description="The listing leaves the search and answers 404 from then on; its owner "
        "still finds it in /listings/mine/?deleted=true.",
        responses={204: None, **ERRORS},
    )
    def destroy(self, request, pk=None):
        listing = self.get_object()
        services.listing_soft_delete(listing=listing, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Publish a listing (its owner, or staff)", request=None,
        description="From draft or archived. Publishing a published listing is a 409 "
        "invalid_transition. The owner's e-mail address must be verified: else 403 "
        "`email_not_verified` (REQUIRE_VERIFIED_EMAIL).",
        responses={200: ListingSerializer, 409: ErrorSerializer, **ERRORS},
    )  # fmt: skip
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        listing = self.get_object()
        services.listing_publish(listing=listing, actor=request.user)
        return Response(self._detail(listing.pk))

    @extend_schema(
        summary="Archive a listing (its owner, or staff)", request=None,
        description="From draft or published: it leaves the search, stays in /mine/ and may "
        "be published again. Archiving an archived listing is a 409 invalid_transition.",
        responses={200: ListingSerializer, 409: ErrorSerializer, **ERRORS},
    )  # fmt: skip
    @action(detail=True, methods=["post"])
    def archive(self, request, pk=None):
        listing = self.get_object()
        services.listing_archive(listing=listing, actor=request.user)
        return Response(self._detail(listing.pk))

    @extend_schema(
        summary="The caller's listings, any status, newest first",
        parameters=[
            OpenApiParameter(
                "deleted",
                OpenApiTypes.BOOL,
                description="true: soft-deleted listings too (default: without them).",
            )
        ],
        responses={200: ListingSerializer(many=True), 401: ErrorSerializer},
    )
    @action(detail=False, methods=["get"], filter_backends=[])
    def mine(self, request):
        query = MineQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        self.cursor_ordering = selectors.MINE_ORDERING
        listings = selectors.listing_mine(
            owner=request.user, include_deleted=query.validated_data["deleted"]
        )
        page = self.paginate_queryset(listings)
        return self.get_paginated_response([listing_whole(row) for row in page])

    @extend_schema(
        summary="Versions of a listing's title, description and price (owner, staff)",
        responses={200: ListingVersionSerializer(many=True), **ERRORS},
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def versions(self, request, pk=None):
        versions = selectors.listing_versions(listing=self.get_object(), actor=request.user)
        self.cursor_ordering = ("-version",)
        page = self.paginate_queryset(versions)
        return self.get_paginated_response(ListingVersionSerializer(page, many=True).data)

    @extend_schema(
        summary="The nights of a listing a new stay may not use, and its stay rules",
        description="Merged ranges of unavailable nights within [from, to) — booked, blocked "
        "by the host, or kept free for preparation between stays, never saying which or "
        "whose — and the listing's rules for a stay starting today: minimum and maximum "
        "nights, earliest and latest check-in. A stay is bookable when none of its nights "
        "[check_in, check_out) is unavailable and it keeps those rules "
        "(GET /listings/{id}/quote/ says so for given dates).",
        parameters=[
            OpenApiParameter(
                "from", OpenApiTypes.DATE, required=True, description="First night (ISO date)."
            ),
            OpenApiParameter(
                "to",
                OpenApiTypes.DATE,
                required=True,
                description="End, exclusive (ISO date): after from, at most 366 days later.",
            ),
        ],
        responses={200: AvailabilitySerializer, 400: ErrorSerializer, 404: ErrorSerializer},
    )
    @action(detail=True, methods=["get"])
    def availability(self, request, pk=None):
        listing = self.get_object()
        query = AvailabilityQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        start, end = query.validated_data["from"], query.validated_data["to"]
        rules = pricing.StayRules.of(listing)
        return Response(
            {
                "listing": listing.pk,
                "start": start,
                "end": end,
                "unavailable": selectors.listing_unavailable_ranges(
                    listing=listing, start=start, end=end
                ),
                "min_nights": rules.min_nights,
                "max_nights": rules.max_nights,
                "earliest_check_in": rules.earliest_check_in,
                "latest_check_in": rules.latest_check_in,
            }
        )

    @extend_schema(
        summary="The price of a stay, and whether it may be booked",
        description="Line items (each night at its price: the latest price override "
        "containing it, else the nightly price; extra guests above guests_included; the "
        "weekly (7+ nights) or monthly (28+) discount on those, rounded half up to the cent; "
        "the cleaning fee), the total, the currency and the cancellation policy a booking "
        "made now would keep. `bookable` is false, with `problems` saying why, when booking "
        "would be refused (codes: too_many_guests, check_in_past, advance_notice, "
        "check_in_too_far, stay_too_short, min_nights, stay_too_long, listing_not_bookable, "
        "own_listing, dates_unavailable: booked, blocked or preparation nights). A booking "
        "made next stores this very quote (`quote`).",
        parameters=[QuoteQuerySerializer],
        responses={200: QuoteSerializer, 400: ErrorSerializer, 404: ErrorSerializer},
    )
    @action(detail=True, methods=["get"], filter_backends=[])
    def quote(self, request, pk=None):
        listing = self.get_object()
        query = QuoteQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        return Response(
            pricing.listing_quote(listing=listing, actor=request.user, **query.validated_data)
        )

    def get_object(self):
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    @staticmethod
    def _detail(pk) -> dict:
        row = selectors.listing_detail(pk=pk)  # the route's <id:pk> is a positive bigint
        if row is None:
            raise NotFound()
        return listing_whole(row)


class ListingPricesView(GenericAPIView):
    """/listings/<id>/prices/: a listing's per-night price overrides. Whoever may see the
    listing reads them (as the quote shows them); its owner, or staff holding
    listings.change_listing, add and delete them (403 for anyone else who sees it; 404 for
    whoever does not)."""

    filter_backends = []
    pagination_class = ListingPagination
    cursor_ordering = ("start_date", "id")
    serializer_class = PriceOverrideSerializer
    queryset = ListingPriceOverride.objects.none()  # for the schema; selectors serve requests

    def get_permissions(self):
        if self.request.method == "GET":
            return [permissions.AllowAny()]
        return [permissions.IsAuthenticated()]

    def listing(self, pk) -> Listing:
        return get_object_or_404(selectors.listing_visible_queryset(), pk=pk)

    @extend_schema(
        summary="Price overrides of a listing, by first night",
        description="On each night the latest created override containing it sets the price.",
        responses={200: PriceOverrideSerializer(many=True), 404: ErrorSerializer},
    )
    def get(self, request, pk):
        overrides = selectors.listing_price_overrides(listing=self.listing(pk))
        page = self.paginate_queryset(overrides)
        return self.get_paginated_response(PriceOverrideSerializer(page, many=True).data)

    @extend_schema(
        summary="Set the nightly price of some nights (its owner, or staff)",
        description="The nights [start, end) cost price_cents each, over any earlier "
        "override of theirs. Bookings already made keep their price.",
        request=PriceOverrideCreateSerializer,
        responses={201: PriceOverrideSerializer, **ERRORS},
    )
    def post(self, request, pk):
        listing = self.listing(pk)
        data = PriceOverrideCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        override = services.price_override_create(
            listing=listing, actor=request.user, **data.validated_data
        )
        return Response(PriceOverrideSerializer(override).data, status=status.HTTP_201_CREATED)


class ListingPriceDetailView(GenericAPIView):
    """/listings/<id>/prices/<override_id>/: removes one override."""

    serializer_class = PriceOverrideSerializer
    queryset = ListingPriceOverride.objects.none()  # for the schema

    @extend_schema(
        summary="Delete a price override (its owner, or staff)",
        description="Its nights go back to the price beneath: an earlier override, or the "
        "nightly price.",
        responses={204: None, **ERRORS},
    )
    def delete(self, request, pk, override_id):
        listing = get_object_or_404(selectors.listing_visible_queryset(), pk=pk)
        override = get_object_or_404(
            selectors.listing_price_overrides(listing=listing), pk=override_id
        )
        override.listing = listing
        services.price_override_delete(override=override, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ListingPhotosView(GenericAPIView):
    """/listings/<id>/photos/: a listing's photos, cover first. Whoever may see the listing
    reads them; its owner, or staff holding listings.change_listing, upload (403 for anyone
    else who sees it; 404 for whoever does not)."""

    filter_backends = []
    pagination_class = None
    parser_classes = [UploadParser]
    serializer_class = PhotoSerializer
    queryset = ListingPhoto.objects.none()  # for the schema; selectors serve requests

    def get_permissions(self):
        if self.request.method == "GET":
            return [permissions.AllowAny()]
        return [permissions.IsAuthenticated()]

    @extend_schema(
        summary="Photos of a listing, cover first",
        responses={200: PhotoSerializer(many=True), 404: ErrorSerializer},
    )
    def get(self, request, pk):
        listing = get_object_or_404(selectors.listing_visible_queryset(), pk=pk)
        return Response(PhotoSerializer(selectors.listing_photos(listing=listing), many=True).data)

    @extend_schema(
        summary="Upload a photo (its owner, or staff)",
        description="multipart/form-data with one file, `image`: a JPEG, PNG or WebP image "
        "of at most 10 MB and 40 megapixels, checked by its content (another format, a "
        "damaged file, a decompression bomb or a file that is also something else is a 400 "
        "naming `image`; a larger body a 413). It is stored re-encoded without its metadata "
        "(EXIF, GPS) as the listing's last photo; at most 20 per listing. `thumbnails` is "
        "empty until the thumbnail job has run.",
        request={"multipart/form-data": PhotoUploadSerializer},
        responses={201: PhotoSerializer, 413: ErrorSerializer, **ERRORS},
    )
    def post(self, request, pk):
        listing = get_object_or_404(selectors.listing_visible_queryset(), pk=pk)
        data = PhotoUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        photo = services.listing_photo_add(
            listing=listing, image=data.validated_data["image"], actor=request.user
        )
        return Response(PhotoSerializer(photo).data, status=status.HTTP_201_CREATED)


class ListingPhotoOrderView(GenericAPIView):
    """/listings/<id>/photos/order/: the photos' order, in one write."""

    serializer_class = PhotoSerializer
    pagination_class = None  # answers the listing's whole list (at most 20)
    queryset = ListingPhoto.objects.none()  # for the schema

    @extend_schema(
        summary="Reorder a listing's photos (its owner, or staff)",
        description="`photos`: the id of each photo of the listing, once each, in the new "
        "order; the first becomes the cover.",
        request=PhotoOrderSerializer,
        responses={200: PhotoSerializer(many=True), **ERRORS},
    )
    def put(self, request, pk):
        listing = get_object_or_404(selectors.listing_visible_queryset(), pk=pk)
        data = PhotoOrderSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        photos = services.listing_photos_reorder(
            listing=listing, photo_ids=data.validated_data["photos"], actor=request.user
        )
        return Response(PhotoSerializer(photos, many=True).data)


def _photo(pk, photo_id) -> ListingPhoto:
    listing = get_object_or_404(selectors.listing_visible_queryset(), pk=pk)
    photo = get_object_or_404(selectors.listing_photos(listing=listing), pk=photo_id)
    photo.listing = listing
    return photo


class ListingPhotoDetailView(GenericAPIView):
    """/listings/<id>/photos/<photo_id>/: removes one photo."""

    serializer_class = PhotoSerializer
    queryset = ListingPhoto.objects.none()  # for the schema

    @extend_schema(
        summary="Delete a photo (its owner, or staff)",
        description="The photos after it move up; when it was the cover, the next one "
        "becomes the cover. Its files leave the storage.",
        responses={204: None, **ERRORS},
    )
    def delete(self, request, pk, photo_id):
        services.listing_photo_delete(photo=_photo(pk, photo_id), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ListingPhotoCoverView(GenericAPIView):
    """/listings/<id>/photos/<photo_id>/cover/: makes one photo the cover."""

    serializer_class = PhotoSerializer
    pagination_class = None  # answers the listing's whole list (at most 20)
    queryset = ListingPhoto.objects.none()  # for the schema

    @extend_schema(
        summary="Make a photo the cover (its owner, or staff)",
        description="It moves to position 0; the photos before it move down by one.",
        request=None,
        responses={200: PhotoSerializer(many=True), **ERRORS},
    )
    def post(self, request, pk, photo_id):
        photos = services.listing_photo_set_cover(photo=_photo(pk, photo_id), actor=request.user)
        return Response(PhotoSerializer(photos, many=True).data)


class ReferenceDataView(APIView):
    """Small public lists, whole (not paginated), cacheable for a minute."""

    permission_classes = [permissions.AllowAny]

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if response.status_code == 200:
            patch_cache_control(response, public=True, max_age=REFERENCE_MAX_AGE)
        return response


class CategoryTreeView(ReferenceDataView):
    @extend_schema(
        summary="The category tree: roots by name, each with its nested children",
        responses={200: CategoryTreeSerializer(many=True)},
    )
    def get(self, request):
        return Response(selectors.category_tree())


class AmenityListView(ReferenceDataView):
    @extend_schema(summary="Amenities", responses={200: AmenitySerializer(many=True)})
    def get(self, request):
        return Response(AmenitySerializer(selectors.amenity_list(), many=True).data)


class TagListView(ReferenceDataView):
    @extend_schema(summary="Tags", responses={200: TagSerializer(many=True)})
    def get(self, request):
        return Response(TagSerializer(selectors.tag_list(), many=True).data)
