"""This app's API routes (included under /api/v1/ by config/api.py)."""

from rest_framework.routers import SimpleRouter

from apps.bookings.api.views import BookingViewSet

router = SimpleRouter()
router.register("bookings", BookingViewSet, basename="booking")

urlpatterns = router.urls
