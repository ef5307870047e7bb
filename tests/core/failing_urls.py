"""The site's URLs plus one view that fails: a 500 to log and to report (test_logging,
test_error_tracking)."""

from django.urls import path

from config.urls import handler400, handler403, handler404, handler500  # noqa: F401
from config.urls import urlpatterns as site

FAILURE_MESSAGE = "the view failed for guest@example.com"


class ViewFailed(RuntimeError):
    pass


def fail(request):
    password = "hunter2-local"  # noqa: F841, S105 (a local variable the tracker must not send)
    raise ViewFailed(FAILURE_MESSAGE)


urlpatterns = [path("test-only/fail/", fail, name="test-fail"), *site]
