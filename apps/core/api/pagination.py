"""List pagination: cursor by default, page numbers when the client asks for `page`.

Cursor pages cost the same at any depth (no OFFSET) and stay stable while rows are added —
the right default for feeds. Passing `page` (and `page_size`) switches to numbered pages with
a `count`, for UIs that show page numbers.
"""

from rest_framework.pagination import BasePagination, CursorPagination, PageNumberPagination

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


class HavreCursorPagination(CursorPagination):
    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    # Newest first; the id breaks ties so that every row has one place in the order.
    ordering = ("-created_at", "-id")


class HavrePageNumberPagination(PageNumberPagination):
    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE


class HavrePagination(BasePagination):
    """Delegates to cursor or page-number pagination, chosen per request."""

    cursor_class = HavreCursorPagination
    page_number_class = HavrePageNumberPagination

    def __init__(self):
        self._delegate = None

    def _choose(self, request, view):
        if "page" in request.query_params:
            self._delegate = self.page_number_class()
        else:
            self._delegate = self.cursor_class()
            ordering = getattr(view, "cursor_ordering", None)
            if ordering:
                self._delegate.ordering = ordering
        return self._delegate

    def paginate_queryset(self, queryset, request, view=None):
        delegate = self._choose(request, view)
        if isinstance(delegate, PageNumberPagination) and not queryset.ordered:
            # Numbered pages use the same stable order as the cursor.
            queryset = queryset.order_by(
                *(getattr(view, "cursor_ordering", None) or self.cursor_class.ordering)
            )
        return delegate.paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data):
        return self._delegate.get_paginated_response(data)

    def get_paginated_response_schema(self, schema):
        # Each page is exactly its keys (additionalProperties: false, all of them required):
        # a numbered page has `count`, which a cursor page may not have, so a response matches
        # exactly one member and a client tells them apart by `count`.
        cursor = _exact(self.cursor_class().get_paginated_response_schema(schema))
        numbered = _exact(self.page_number_class().get_paginated_response_schema(schema))
        cursor["title"] = "Cursor page"
        numbered["title"] = "Page-number page"
        return {
            "oneOf": [cursor, numbered],
            "description": "Cursor page (next, previous, results) by default; page-number "
            "page (count, next, previous, results) when `page` is given.",
        }

    def get_schema_operation_parameters(self, view):
        params = {}
        for paginator in (self.cursor_class(), self.page_number_class()):
            for param in paginator.get_schema_operation_parameters(view):
                params.setdefault(param["name"], param)
        return list(params.values())


def _exact(page_schema: dict) -> dict:
    """A page's schema with every key it has required and no other key allowed."""
    return {
        **page_schema,
        "required": list(page_schema["properties"]),
        "additionalProperties": False,
    }
