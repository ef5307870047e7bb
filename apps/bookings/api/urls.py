"""This app's API routes (included under /api/v1/ by config/api.py)."""

from django.urls import path

from apps.bookings.api.views import (
    BookingViewSet,
    ListingBlockDetailView,
    ListingBlocksView,
    ListingCalendarExportRotateView,
    ListingCalendarExportView,
    ListingCalendarFeedDetailView,
    ListingCalendarFeedsView,
    listing_calendar_ics,
)
from apps.core.api.routers import IdRouter

router = IdRouter()
router.register("bookings", BookingViewSet, basename="booking")

urlpatterns = [
    *router.urls,
    path("listings/<id:pk>/blocks/", ListingBlocksView.as_view(), name="listing-blocks"),
    path(
        "listings/<id:pk>/blocks/<id:block_id>/",
        ListingBlockDetailView.as_view(),
        name="listing-block-detail",
    ),
    path(
        "listings/<id:pk>/calendar-export/",
        ListingCalendarExportView.as_view(),
        name="listing-calendar-export",
    ),
    path(
        "listings/<id:pk>/calendar-export/rotate/",
        ListingCalendarExportRotateView.as_view(),
        name="listing-calendar-export-rotate",
    ),
    path("listings/<id:pk>/calendar.ics", listing_calendar_ics, name="listing-calendar-ics"),
    path(
        "listings/<id:pk>/calendar-feeds/",
        ListingCalendarFeedsView.as_view(),
        name="listing-calendar-feeds",
    ),
    path(
        "listings/<id:pk>/calendar-feeds/<id:feed_id>/",
        ListingCalendarFeedDetailView.as_view(),
        name="listing-calendar-feed-detail",
    ),
]
