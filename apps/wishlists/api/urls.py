"""This app's API routes (included under /api/v1/ by config/api.py)."""

from django.urls import path

from apps.core.api.routers import IdRouter
from apps.wishlists.api import views

router = IdRouter()
router.register("wishlists", views.WishlistViewSet, basename="wishlist")

urlpatterns = [
    *router.urls,
    path(
        "wishlists/<id:pk>/listings/",
        views.WishlistListingsView.as_view(),
        name="wishlist-listings",
    ),
    path(
        "wishlists/<id:pk>/listings/<id:listing_id>/",
        views.WishlistListingDetailView.as_view(),
        name="wishlist-listing-detail",
    ),
]
