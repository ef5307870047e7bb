"""List pagination: cursor by default, page numbers when the client asks for `page`.

Cursor pages cost the same at any depth (no OFFSET) and stay stable while rows are added —
the right default for feeds. Passing `page` (and `page_size`) switches to numbered pages with
a `count`, for UIs that show page numbers. That count is exact up to COUNT_CAP rows and a lower
bound beyond: an exact count of a million rows costs a scan of all of them on every request.
"""

import datetime as dt
import math
from decimal import Decimal, InvalidOperation
from urllib.parse import parse_qs, urlsplit

from django.core.paginator import EmptyPage, PageNotAnInteger
from django.core.paginator import Paginator as DjangoPaginator
from django.db import connection, models
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.functional import cached_property
from rest_framework.exceptions import NotFound
from rest_framework.pagination import BasePagination, CursorPagination, PageNumberPagination
from rest_framework.response import Response

from apps.core.api.parsers import unstorable_path
from apps.core.errors import InvalidCursor

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
MAX_CURSOR_LENGTH = 1_000
# Numbered pages count at most this many rows (and one more, to know there are more).
COUNT_CAP = 10_000
COUNT_DESCRIPTION = (
    f"The number of results when at most {COUNT_CAP:,}. Above, a lower bound: "
    f"{COUNT_CAP + 1:,} (more than {COUNT_CAP:,} match), or on a page beyond that, the rows up "
    "to the end of this page plus one when there is a next page. Pages past the count are "
    "still served; counting every match would cost a scan of all of them."
)


def _ordering_field(queryset, name: str) -> models.Field:
    annotation = queryset.query.annotations.get(name)
    if annotation is not None:
        return annotation.output_field
    return queryset.model._meta.get_field(name)


def cursor_value(queryset, name: str, value):
    """A position read from a cursor, as the Python value of the ordering field `name`, or
    InvalidCursor: a crafted cursor must never reach PostgreSQL as an out-of-range timestamp,
    number or string (a DataError, a 500) — nor as a Python OverflowError on the way."""
    field = _ordering_field(queryset, name)
    if field.is_relation:  # listing_id: the key it holds
        field = field.target_field
    if isinstance(value, bool) or value is None:
        raise InvalidCursor()
    if isinstance(field, models.DateTimeField):
        try:  # 9999-12-31T23:59:59-23:59 is past year 9999 in UTC: an OverflowError
            parsed = parse_datetime(value) if isinstance(value, str) else None
            if parsed is None or parsed.tzinfo is None:
                raise InvalidCursor()
            return parsed.astimezone(dt.UTC)
        except (ValueError, OverflowError) as exc:
            raise InvalidCursor() from exc
    if isinstance(field, models.DateField):
        try:
            parsed = parse_date(value) if isinstance(value, str) else None
        except ValueError as exc:
            raise InvalidCursor() from exc
        if parsed is None:
            raise InvalidCursor()
        return parsed
    if isinstance(field, models.IntegerField):  # AutoFields and big/small ints too
        low, high = connection.ops.integer_field_range(field.get_internal_type())
        digits = value.removeprefix("-") if isinstance(value, str) else ""
        if digits.isascii() and digits.isdigit() and len(digits) <= 19:  # DRF's are strings
            value = int(value)
        low, high = -math.inf if low is None else low, math.inf if high is None else high
        if not isinstance(value, int) or not low <= value <= high:
            raise InvalidCursor()
        return value
    if isinstance(field, models.DecimalField):
        try:
            number = Decimal(str(value)) if isinstance(value, str | int | float) else None
        except InvalidOperation:
            number = None
        bound = Decimal(10) ** (field.max_digits - field.decimal_places)
        if number is None or not number.is_finite() or abs(number) >= bound:
            raise InvalidCursor()
        # 1e-999999999 is small but beyond numeric's scale: keep the column's decimal places.
        return number.quantize(Decimal(1).scaleb(-field.decimal_places))
    if isinstance(field, models.FloatField):
        if not isinstance(value, int | float) or not math.isfinite(value):
            raise InvalidCursor()
        return float(value)
    if isinstance(field, models.CharField | models.TextField):
        if not isinstance(value, str) or unstorable_path(value) is not None:
            raise InvalidCursor()
        return value
    raise InvalidCursor()  # an ordering type this function does not know: refuse, never guess


class HavreCursorPagination(CursorPagination):
    """DRF's cursor pages, with every cursor checked: 400 `invalid_cursor`, never a 500."""

    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    # Newest first; the id breaks ties so that every row has one place in the order.
    ordering = ("-created_at", "-id")
    invalid_cursor_message = InvalidCursor.default_message

    def paginate_queryset(self, queryset, request, view=None):
        self._queryset = queryset  # decode_cursor checks the position against its field
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request):
        token = request.query_params.get(self.cursor_query_param)
        if token and len(token) > MAX_CURSOR_LENGTH:
            raise InvalidCursor()
        try:
            cursor = super().decode_cursor(request)
        except NotFound as exc:  # DRF's answer to bad base64, a bad offset or bad `r`
            raise InvalidCursor() from exc
        if cursor is not None and cursor.position is not None:
            # Checked only: DRF compares the position, a string, with the page's rows.
            cursor_value(self._queryset, self.ordering[0].lstrip("-"), cursor.position)
        return cursor

    def get_paginated_response(self, data):
        # The cursors on their own too: a client passes them back as `cursor` (a generated
        # client's parameter) without parsing the absolute `next` URL.
        next_link, previous_link = self.get_next_link(), self.get_previous_link()
        return Response(
            {
                "next": next_link,
                "next_cursor": self._cursor_in(next_link),
                "previous": previous_link,
                "previous_cursor": self._cursor_in(previous_link),
                "results": data,
            }
        )

    def _cursor_in(self, link: str | None) -> str | None:
        if link is None:
            return None
        return parse_qs(urlsplit(link).query).get(self.cursor_query_param, [None])[0]

    def get_paginated_response_schema(self, schema):
        page = super().get_paginated_response_schema(schema)
        cursor = {"type": "string", "nullable": True}
        properties = page["properties"]
        page["properties"] = {
            "next": properties["next"],
            "next_cursor": {
                **cursor,
                "description": "The `cursor` parameter of `next`: null when `next` is (the "
                "last page), or when `next` leads back to the first page, which needs none.",
            },
            "previous": properties["previous"],
            "previous_cursor": {
                **cursor,
                "description": "The `cursor` parameter of `previous`, likewise.",
            },
            "results": properties["results"],
        }
        return page


class CappedCountPaginator(DjangoPaginator):
    """Django's paginator with a count that stops at COUNT_CAP + 1 rows (`SELECT count(*) FROM
    (... LIMIT 10001)`): past it, the count is a lower bound, and any page is read (one query
    of page_size + 1 rows tells whether another follows) until one comes back empty."""

    @cached_property
    def count(self) -> int:
        if isinstance(self.object_list, models.QuerySet):
            # Unordered: any COUNT_CAP + 1 rows will do, the first ones a scan finds.
            return self.object_list.order_by()[: COUNT_CAP + 1].count()
        return min(len(self.object_list), COUNT_CAP + 1)

    def validate_number(self, number):
        if self.count <= COUNT_CAP:
            return super().validate_number(number)
        try:
            number = int(number)
        except (TypeError, ValueError) as exc:
            raise PageNotAnInteger(self.error_messages["invalid_page"]) from exc
        if number < 1:
            raise EmptyPage(self.error_messages["min_page"])
        return number

    def page(self, number):
        number = self.validate_number(number)
        if self.count <= COUNT_CAP:
            return super().page(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        if not rows:
            raise EmptyPage(self.error_messages["no_results"])
        # At least the rows up to here (and the one after, if any) exist: num_pages, hence
        # has_next() and `count`, follow.
        self.count = max(self.count, bottom + len(rows))
        return self._get_page(rows[: self.per_page], number, self)


class HavrePageNumberPagination(PageNumberPagination):
    page_size = DEFAULT_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE
    django_paginator_class = CappedCountPaginator

    def get_paginated_response_schema(self, schema):
        page = super().get_paginated_response_schema(schema)
        page["properties"]["count"] = {
            **page["properties"]["count"],
            "description": COUNT_DESCRIPTION,
        }
        return page


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
        for name, description in PARAMETER_DESCRIPTIONS.items():
            if name in params:
                params[name] = {**params[name], "description": description}
        return list(params.values())


PARAMETER_DESCRIPTIONS = {
    "cursor": "An opaque position: a cursor page's `next_cursor` or `previous_cursor` (the "
    "same as in its `next` and `previous` URLs). Omitted: the first page.",
    "page": f"A page number, from 1: switches to numbered pages (with `count`, exact up to "
    f"{COUNT_CAP:,}, a lower bound beyond).",
    "page_size": f"Results per page, 1 to {MAX_PAGE_SIZE} (default {DEFAULT_PAGE_SIZE}).",
}


def _exact(page_schema: dict) -> dict:
    """A page's schema with every key it has required and no other key allowed."""
    return {
        **page_schema,
        "required": list(page_schema["properties"]),
        "additionalProperties": False,
    }
