"""This app's API routes (included under /api/v1/ by config/api.py)."""

from django.urls import path
from rest_framework.routers import SimpleRouter

from apps.listings.api import views

router = SimpleRouter()
router.register("listings", views.ListingViewSet, basename="listing")

urlpatterns = [
    path("categories/", views.CategoryTreeView.as_view(), name="categories"),
    path("amenities/", views.AmenityListView.as_view(), name="amenities"),
    path("tags/", views.TagListView.as_view(), name="tags"),
    *router.urls,
]
