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
    path("listings/<id:pk>/photos/", views.ListingPhotosView.as_view(), name="listing-photos"),
    path(
        "listings/<id:pk>/photos/order/",
        views.ListingPhotoOrderView.as_view(),
        name="listing-photo-order",
    ),
    path(
        "listings/<id:pk>/photos/<id:photo_id>/",
        views.ListingPhotoDetailView.as_view(),
        name="listing-photo-detail",
    ),
    path(
        "listings/<id:pk>/photos/<id:photo_id>/cover/",
        views.ListingPhotoCoverView.as_view(),
        name="listing-photo-cover",
    ),
    *router.urls,
]
