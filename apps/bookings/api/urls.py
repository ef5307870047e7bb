"""This app's API routes (included under /api/v1/ by config/api.py)."""

from apps.bookings.api.views import BookingViewSet
from apps.core.api.routers import IdRouter

router = IdRouter()
router.register("bookings", BookingViewSet, basename="booking")

urlpatterns = router.urls
