"""This app's API routes (included under /api/v1/ by config/api.py)."""

from apps.core.api.routers import IdRouter
from apps.notifications.api.views import NotificationViewSet

router = IdRouter()
router.register("notifications", NotificationViewSet, basename="notification")

urlpatterns = router.urls
