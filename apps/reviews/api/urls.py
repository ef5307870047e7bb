"""This app's API routes (included under /api/v1/ by config/api.py)."""

from apps.core.api.routers import IdRouter
from apps.reviews.api.views import ReviewViewSet

router = IdRouter()
router.register("reviews", ReviewViewSet, basename="review")

urlpatterns = router.urls
