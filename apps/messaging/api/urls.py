"""This app's API routes (included under /api/v1/ by config/api.py)."""

from rest_framework.routers import SimpleRouter

from apps.messaging.api.views import MessageViewSet

router = SimpleRouter()
router.register("messages", MessageViewSet, basename="message")

urlpatterns = router.urls
