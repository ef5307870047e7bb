"""This app's API routes (included under /api/v1/ by config/api.py)."""

from django.urls import path

from apps.core.api.routers import IdRouter
from apps.listings.api import views

router = IdRouter()
router.register("listings", views.ListingViewSet, basename="listing")

urlpatterns = [
    path("categories/", views.CategoryTreeView.as_view(), name="categories"),
    path("amenities/", views.AmenityListView.as_view(), name="amenities"),
    path("tags/", views.TagListView.as_view(), name="tags"),
    path("listings/<id:pk>/prices/", views.ListingPricesView.as_view(), name="listing-prices"),
    path(
        "listings/<id:pk>/prices/<id:override_id>/",
        views.ListingPriceDetailView.as_view(),
        name="listing-price-detail",
    ),
    *router.urls,
]
