from urllib.parse import urlencode

from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.cache import get_conditional_response
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from apps.bookings import refunds, selectors, services
from apps.bookings.api.serializers import (
    BookingCancelSerializer,
    BookingCreateSerializer,
    BookingSerializer,
    CalendarBlockCreateSerializer,
    CalendarBlockSerializer,
    CalendarExportSerializer,
    CalendarFeedCreateSerializer,
    CalendarFeedSerializer,
    RefundPreviewSerializer,
)
from apps.bookings.calendar_export import calendar_etag, calendar_ics, calendar_token
from apps.bookings.filters import BookingFilter
from apps.bookings.models import Booking, CalendarEntry, CalendarFeed
from apps.core.api.exceptions import error_body
from apps.core.api.serializers import ErrorSerializer
from apps.core.idempotency import idempotent_create
from apps.listings import selectors as listing_selectors
from apps.listings.api.pagination import ListingPagination
from apps.listings.models import Listing
from apps.listings.services import CHANGE as CHANGE_LISTING
from apps.listings.services import listing_check_actor

# 400, 401, 403, 404 and 429 are added to every operation by HavreAutoSchema.
CONFLICT = {409: ErrorSerializer}


class BookingViewSet(viewsets.GenericViewSet):
    """Bookings, seen by their guest and by the listing's host (row-level security: anyone
    else gets a 404). Authenticated users only."""

    queryset = Booking.objects.none()  # for the schema; selectors serve requests
    serializer_class = BookingSerializer
    filterset_class = BookingFilter  # for the schema; list() validates with it
    cursor_ordering = ("-created_at", "-id")

    def get_object(self) -> Booking:
        return get_object_or_404(selectors.booking_detail_queryset(), pk=self.kwargs["pk"])

    @extend_schema(
        summary="The caller's bookings",
        description="As guest (default) or, with `role=host`, the bookings of the caller's "
        "listings. `from`/`to` keep the stays overlapping [from, to): check_out > from and "
        "check_in < to. Newest first.",
        responses={200: BookingSerializer(many=True)},
    )
    def list(self, request):
        filterset = BookingFilter(request.query_params, queryset=Booking.objects.none())
        if not filterset.is_valid():
            raise ValidationError(filterset.errors)
        queryset = selectors.booking_list(user=request.user, **filterset.selector_kwargs())
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(BookingSerializer(page, many=True).data)

    @extend_schema(summary="A booking (its guest or host)", responses={200: BookingSerializer})
    def retrieve(self, request, pk=None):
        return Response(BookingSerializer(self.get_object()).data)

    @idempotent_create(
        summary="Book a listing",
        description="Creates a pending booking of a published listing (not one's own) for "
        "the caller — confirmed at once when the listing has `instant_book` —, priced as "
        "GET /listings/{id}/quote/ prices the stay (nights, extra "
        "guests, discount, cleaning fee), in the listing's currency; the booking keeps that "
        "quote and the cancellation policy in force. The stay keeps the listing's rules "
        "(400 naming the field: `min_nights`/`max_nights` on check_out, advance notice and "
        "booking window on check_in; GET /listings/{id}/quote/ lists the problems by code). "
        "Nights touching the listing's calendar — a pending or confirmed booking, a night "
        "the host blocked, or the preparation nights kept between stays — answer 409 "
        "`booking_conflict`; prices changed between the quote and the booking, 409 "
        "`quote_changed`; rules changed meanwhile, 409 `stay_rules_changed`; a caller who "
        "already has "
        "MAX_PENDING_REQUESTS_PER_GUEST (default 3) pending requests, 409 "
        "`too_many_pending_requests`. A pending request expires after "
        "BOOKING_REQUEST_TTL_HOURS (default 24; `expires_at`) unless the host answers. "
        "Send an `Idempotency-Key` header to make "
        "retries safe. The caller's e-mail address must be verified: else 403 "
        "`email_not_verified` (REQUIRE_VERIFIED_EMAIL).",
        request=BookingCreateSerializer,
        response=BookingSerializer,
    )
    def create(self, request):
        data = BookingCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        booking = services.booking_create(
            listing_id=data.validated_data["listing"],
            check_in=data.validated_data["check_in"],
            check_out=data.validated_data["check_out"],
            guests=data.validated_data["guests"],
            actor=request.user,
        )
        return Response(BookingSerializer(booking).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Confirm a pending booking (host)",
        description="403 for the guest; 409 `invalid_transition` unless pending.",
        request=None,
        responses={200: BookingSerializer, **CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        booking = services.booking_confirm(booking=self.get_object(), actor=request.user)
        return Response(BookingSerializer(booking).data)

    @extend_schema(
        summary="Decline a pending booking (host)",
        description="403 for the guest; 409 `invalid_transition` unless pending.",
        request=None,
        responses={200: BookingSerializer, **CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def decline(self, request, pk=None):
        booking = services.booking_decline(booking=self.get_object(), actor=request.user)
        return Response(BookingSerializer(booking).data)

    @extend_schema(
        summary="Cancel a booking (guest or host)",
        description="From pending or confirmed only (else 409 `invalid_transition`), with an "
        "optional reason; never from the stay's check-out on (409 `stay_over`). Stores the "
        "refund the booking's cancellation policy gives (`refund_cents`, `refund_rule`; "
        "GET .../cancel/preview/ shows it first), who cancelled (`cancelled_by`; a host's "
        "cancellation refunds in full and counts against the host) and when.",
        request=BookingCancelSerializer,
        responses={200: BookingSerializer, **CONFLICT},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        booking = self.get_object()
        data = BookingCancelSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        booking = services.booking_cancel(
            booking=booking, reason=data.validated_data["reason"], actor=request.user
        )
        return Response(BookingSerializer(booking).data)

    @extend_schema(
        summary="What cancelling now would refund (guest or host)",
        description="The refund booking_cancel would store if the caller cancelled now, by "
        "the booking's frozen cancellation policy (docs/design.md, \"Cancellations and "
        'refunds"); nothing changes. 409 `invalid_transition` unless pending or confirmed, '
        "409 `stay_over` from check-out on; 404 for whoever may not see the booking.",
        responses={200: RefundPreviewSerializer, **CONFLICT},
    )
    @action(detail=True, methods=["get"], url_path="cancel/preview")
    def cancel_preview(self, request, pk=None):
        at = refunds.now()
        booking, by, refund = selectors.booking_refund_preview(
            booking_id=self.kwargs["pk"], user=request.user, at=at
        )
        return Response(
            RefundPreviewSerializer(
                {"booking": booking, "refund": refund, "at": at, "cancelled_by": by}
            ).data
        )


class ListingBlocksView(GenericAPIView):
    """/listings/<id>/blocks/: the nights a host closed on their listing's calendar. Its
    owner, or staff holding listings.change_listing, read, add and delete them (403 for anyone
    else who sees the listing; 404 for whoever does not). Guests see the nights as
    unavailable (GET /listings/{id}/availability/), never the blocks."""

    filter_backends = []
    pagination_class = ListingPagination
    cursor_ordering = ("start_date", "id")
    serializer_class = CalendarBlockSerializer
    queryset = CalendarEntry.objects.none()  # for the schema; selectors serve requests

    def listing(self, pk):
        listing = get_object_or_404(listing_selectors.listing_visible_queryset(), pk=pk)
        listing_check_actor(listing=listing, actor=self.request.user, permission=CHANGE_LISTING)
        return listing

    @extend_schema(
        summary="Blocked nights of one's listing, by first night",
        responses={200: CalendarBlockSerializer(many=True)},
    )
    def get(self, request, pk):
        blocks = selectors.listing_blocks(listing=self.listing(pk))
        page = self.paginate_queryset(blocks)
        return self.get_paginated_response(CalendarBlockSerializer(page, many=True).data)

    @extend_schema(
        summary="Close nights of one's listing",
        description="The nights [start, end) can no longer be booked. Refused with 409 "
        "`dates_unavailable` when they touch a pending or confirmed booking (decline or "
        "cancel it first) or another block; a block may cover the preparation nights beside "
        "a stay.",
        request=CalendarBlockCreateSerializer,
        responses={201: CalendarBlockSerializer, **CONFLICT},
    )
    def post(self, request, pk):
        listing = self.listing(pk)
        data = CalendarBlockCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        block = services.calendar_block_create(
            listing=listing, actor=request.user, **data.validated_data
        )
        return Response(CalendarBlockSerializer(block).data, status=status.HTTP_201_CREATED)


class ListingBlockDetailView(GenericAPIView):
    """/listings/<id>/blocks/<block_id>/: lifts one block."""

    serializer_class = CalendarBlockSerializer
    queryset = CalendarEntry.objects.none()  # for the schema

    @extend_schema(
        summary="Open blocked nights again (the listing's owner, or staff)",
        responses={204: None},
    )
    def delete(self, request, pk, block_id):
        listing = get_object_or_404(listing_selectors.listing_visible_queryset(), pk=pk)
        block = get_object_or_404(selectors.listing_blocks(listing=listing), pk=block_id)
        block.listing = listing
        services.calendar_block_delete(block=block, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


def _calendar_export_data(request, *, listing, version: int, rotated_at) -> dict:
    path = reverse("listing-calendar-ics", kwargs={"pk": listing.pk})
    token = calendar_token(listing.pk, version)
    url = request.build_absolute_uri(path) + "?" + urlencode({"token": token})
    return {"url": url, "version": version, "rotated_at": rotated_at}


class _CalendarExportView(GenericAPIView):
    serializer_class = CalendarExportSerializer
    queryset = Listing.objects.none()  # for the schema

    def listing(self, pk):
        listing = get_object_or_404(listing_selectors.listing_visible_queryset(), pk=pk)
        listing_check_actor(listing=listing, actor=self.request.user, permission=CHANGE_LISTING)
        return listing


class ListingCalendarExportView(_CalendarExportView):
    """/listings/<id>/calendar-export/: the secret address of the listing's calendar, for its
    owner (or staff holding listings.change_listing) to give to other platforms."""

    @extend_schema(
        summary="The secret iCalendar address of one's listing",
        responses={200: CalendarExportSerializer},
    )
    def get(self, request, pk):
        listing = self.listing(pk)
        export = selectors.calendar_export(listing=listing)
        data = _calendar_export_data(
            request,
            listing=listing,
            version=export.version if export else 0,
            rotated_at=export.rotated_at if export and export.version else None,
        )
        return Response(CalendarExportSerializer(data).data)


class ListingCalendarExportRotateView(_CalendarExportView):
    """/listings/<id>/calendar-export/rotate/: a new secret address; the previous one answers
    404 from now on."""

    @extend_schema(
        summary="Replace the secret iCalendar address of one's listing",
        request=None,
        responses={200: CalendarExportSerializer},
    )
    def post(self, request, pk):
        listing = self.listing(pk)
        export = services.calendar_export_rotate(listing=listing, actor=request.user)
        data = _calendar_export_data(
            request, listing=listing, version=export.version, rotated_at=export.rotated_at
        )
        return Response(CalendarExportSerializer(data).data)


@csrf_exempt
def listing_calendar_ics(request, pk):
    """GET /listings/<id>/calendar.ics?token=…: the listing's calendar as iCalendar, for other
    platforms to poll (no session, no API token: the address is the secret). A wrong, old or
    missing token, like an unknown listing, is the API's 404: nothing tells them apart.
    ETag (a digest of the body) answers If-None-Match with 304. No Last-Modified: a booking
    cancelled or a block lifted leaves no row whose time could say when the calendar last
    changed, so any date given would be a guess.

    A plain Django view, not a DRF one: it answers text/calendar, which no client negotiates,
    and stays out of the JSON API's schema."""
    if request.method not in ("GET", "HEAD"):
        response = JsonResponse(
            error_body(405, _("Method not allowed."), code="method_not_allowed"), status=405
        )
        response["Allow"] = "GET, HEAD"
        return response
    token = request.GET.get("token", "")
    entries = selectors.calendar_export_entries(listing_id=pk, token=token)
    if entries is None:
        return JsonResponse(error_body(404, _("Not found.")), status=404)
    body = calendar_ics(listing_id=pk, entries=entries)
    etag = calendar_etag(body)
    response = get_conditional_response(request, etag=etag)
    if response is None:
        response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
        response["Content-Disposition"] = f'inline; filename="listing-{pk}.ics"'
    response["ETag"] = etag
    # Revalidated at every poll (the ETag makes it cheap); never kept by a shared cache, and
    # the address (its token) is not sent on as a Referer nor indexed.
    response["Cache-Control"] = "private, no-cache"
    response["Referrer-Policy"] = "no-referrer"
    response["X-Robots-Tag"] = "noindex"
    return response


class ListingCalendarFeedsView(_CalendarExportView):
    """/listings/<id>/calendar-feeds/: calendars of the listing on other platforms, imported
    as blocks (its owner, or staff holding listings.change_listing)."""

    serializer_class = CalendarFeedSerializer
    queryset = CalendarFeed.objects.none()  # for the schema
    pagination_class = None

    @extend_schema(
        summary="Calendars one's listing imports",
        responses={200: CalendarFeedSerializer(many=True)},
    )
    def get(self, request, pk):
        feeds = selectors.listing_calendar_feeds(listing=self.listing(pk))
        return Response(CalendarFeedSerializer(feeds, many=True).data)

    @extend_schema(
        summary="Import another platform's calendar of one's listing",
        description="Its events become blocks at the first sync (queued at once) and are kept "
        "in step at every sync: moved, added, lifted. Events overlapping a booking or another "
        "block are listed in `conflicts`, never imported silently.",
        request=CalendarFeedCreateSerializer,
        responses={201: CalendarFeedSerializer},
    )
    def post(self, request, pk):
        listing = self.listing(pk)
        data = CalendarFeedCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        feed = services.calendar_feed_create(
            listing=listing, actor=request.user, **data.validated_data
        )
        return Response(CalendarFeedSerializer(feed).data, status=status.HTTP_201_CREATED)


class ListingCalendarFeedDetailView(_CalendarExportView):
    """/listings/<id>/calendar-feeds/<feed_id>/: one imported calendar; deleting it lifts its
    blocks."""

    serializer_class = CalendarFeedSerializer
    queryset = CalendarFeed.objects.none()  # for the schema

    def feed(self, pk, feed_id):
        listing = self.listing(pk)
        feed = get_object_or_404(selectors.listing_calendar_feeds(listing=listing), pk=feed_id)
        feed.listing = listing
        return feed

    @extend_schema(summary="One imported calendar", responses={200: CalendarFeedSerializer})
    def get(self, request, pk, feed_id):
        return Response(CalendarFeedSerializer(self.feed(pk, feed_id)).data)

    @extend_schema(
        summary="Stop importing a calendar (its blocks are lifted)", responses={204: None}
    )
    def delete(self, request, pk, feed_id):
        services.calendar_feed_delete(feed=self.feed(pk, feed_id), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
