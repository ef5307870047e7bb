"""This app's API routes (included under /api/v1/ by config/api.py)."""

from rest_framework.routers import SimpleRouter

from apps.reviews.api.views import ReviewViewSet

router = SimpleRouter()
router.register("reviews", ReviewViewSet, basename="review")

urlpatterns = router.urls
