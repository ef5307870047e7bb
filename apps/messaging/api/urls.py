"""This app's API routes (included under /api/v1/ by config/api.py)."""

from apps.core.api.routers import IdRouter
from apps.messaging.api.views import MessageViewSet

router = IdRouter()
router.register("messages", MessageViewSet, basename="message")

urlpatterns = router.urls
