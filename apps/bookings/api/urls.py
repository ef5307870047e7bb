"""This app's API routes (included under /api/v1/ by config/api.py)."""

from django.urls import path

from apps.bookings.api.views import BookingViewSet, ListingBlockDetailView, ListingBlocksView
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
]
