"""The site's URLs plus one view that fails: a 500 to log and to report (test_logging,
test_error_tracking)."""

import json

from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from config.urls import handler400, handler403, handler404, handler500  # noqa: F401
from config.urls import urlpatterns as site

FAILURE_MESSAGE = "the view failed for guest@example.com"


class ViewFailed(RuntimeError):
    pass


@csrf_exempt  # a POST with cookies and a body, as an API client sends
def fail(request):
    # A local variable the error tracker must not send (its frame's variables are reported).
    password = json.loads(request.body or "{}").get("password")  # noqa: F841
    raise ViewFailed(FAILURE_MESSAGE)


urlpatterns = [path("test-only/fail/", fail, name="test-fail"), *site]
