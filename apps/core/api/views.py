from django.http import JsonResponse

from apps.core.api.exceptions import error_body


def api_not_found(request, *args, **kwargs):
    """Unknown /api/ paths answer the API's JSON 404, never Django's HTML page."""
    return JsonResponse(error_body(404, "Not found."), status=404)
