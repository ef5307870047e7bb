"""This app's API routes (included under /api/v1/ by config/api.py)."""

from django.urls import path

from apps.core.api.routers import IdRouter
from apps.reviews.api import views

router = IdRouter()
router.register("reviews", views.ReviewViewSet, basename="review")

urlpatterns = [
    # A listing's reviews, under the listing's path (apps/core/api/routers.py: <id:...>).
    path("listings/<id:pk>/reviews/", views.ListingReviewsView.as_view(), name="listing-reviews"),
    *router.urls,
]
