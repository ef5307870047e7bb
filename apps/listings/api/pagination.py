"""Keyset ("seek") cursor pages for the listings API.

DRF's CursorPagination keys its cursor on the first ordering field only and steps over ties
with OFFSET, capped at 1,000 rows: `ordering=price_cents` over thousands of listings at the
same price would scan ever more rows per page, then stop paging altogether. Here the cursor
carries the value of *every* ordering field of the page's boundary row (each of our orders
ends with the unique id), and a page is "the rows strictly after that tuple": no OFFSET, the
same cost at any depth, whatever the ties.

Ordering fields must be NOT NULL (a nullable column is ordered through a Coalesce annotation,
see selectors.listing_search) and render exactly in JSON (ints, datetimes and decimals as
ISO/str, double-precision floats).
"""

import base64
import binascii
import datetime as dt
import json
from decimal import Decimal

from django.db.models import Q, QuerySet
from rest_framework.utils.urls import remove_query_param, replace_query_param

from apps.core.api.pagination import (
    MAX_CURSOR_LENGTH,
    HavreCursorPagination,
    HavrePagination,
    cursor_value,
)
from apps.core.errors import InvalidCursor


def _reversed(ordering) -> tuple[str, ...]:
    return tuple(field[1:] if field.startswith("-") else f"-{field}" for field in ordering)


def _after(ordering, position) -> Q:
    """Rows strictly after `position` in `ordering`: (a, b, id) > (x, y, z), each field in its
    own direction, spelled as nested ORs, plus a plain bound on the first field that lets an
    index on it narrow the scan."""
    fields = [(field.lstrip("-"), "lt" if field.startswith("-") else "gt") for field in ordering]
    condition = None
    for (name, op), value in reversed(list(zip(fields, position, strict=True))):
        strictly = Q(**{f"{name}__{op}": value})
        condition = strictly if condition is None else strictly | (Q(**{name: value}) & condition)
    first, op = fields[0]
    return Q(**{f"{first}__{op}e": position[0]}) & condition


def _value(row, name: str):
    """An ordering field's value in a model instance or a values() row."""
    return row[name] if isinstance(row, dict) else getattr(row, name)


def _jsonable(value):
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if value is None:
        raise ValueError("Keyset ordering fields must not be NULL (coalesce them).")
    return value


def cursor_token(position, *, reverse: bool = False) -> str:
    """The `cursor` of the page after (or, reversed, before) the row whose ordering values are
    `position`."""
    raw = json.dumps(
        {"r": int(reverse), "p": [_jsonable(value) for value in position]}, separators=(",", ":")
    )
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


class KeysetCursorPagination(HavreCursorPagination):
    """Cursor pages without OFFSET. The cursor is opaque to clients (base64 JSON): `r` says
    which way to read, `p` holds the boundary row's ordering values."""

    def paginate_queryset(self, queryset: QuerySet, request, view=None):
        self.request = request
        self.page_size = self.get_page_size(request)
        self.base_url = request.build_absolute_uri()
        self.ordering = self.get_ordering(request, queryset, view)
        self.reverse, self.position = self._decode(request, queryset)

        ordering = _reversed(self.ordering) if self.reverse else self.ordering
        queryset = queryset.order_by(*ordering)
        if self.position is not None:
            queryset = queryset.filter(_after(ordering, self.position))

        rows = self._first_rows(queryset, ordering, view)
        self.page = rows[: self.page_size]
        more = len(rows) > self.page_size
        if self.reverse:
            self.page.reverse()
            self.has_next, self.has_previous = True, more
        else:
            self.has_next, self.has_previous = more, self.position is not None
        self.display_page_controls = self.has_next or self.has_previous
        return self.page

    def _first_rows(self, queryset: QuerySet, ordering, view) -> list:
        """The page's rows and one more, of `queryset` already ordered (backwards when
        reversed) and after the cursor's position. A view may read them its own way:
        `cursor_first_rows(queryset, size, reverse=, position=)` (the search nearest first,
        whose index order cannot carry the id that breaks ties)."""
        first_rows = getattr(view, "cursor_first_rows", None)
        if first_rows is not None:
            return first_rows(
                queryset, self.page_size + 1, reverse=self.reverse, position=self.position
            )
        return list(queryset[: self.page_size + 1])

    def get_next_link(self):
        if not self.has_next:
            return None
        if not self.page:  # read backwards past the first row: start again from the top
            return remove_query_param(self.base_url, self.cursor_query_param)
        return self._link(reverse=False, row=self.page[-1])

    def get_previous_link(self):
        if not self.has_previous:
            return None
        if not self.page:  # read forwards past the last row (rows vanished meanwhile)
            return self._encode(reverse=True, position=self.position)
        return self._link(reverse=True, row=self.page[0])

    def _link(self, *, reverse: bool, row) -> str:
        position = [_jsonable(_value(row, field.lstrip("-"))) for field in self.ordering]
        return self._encode(reverse=reverse, position=position)

    def _encode(self, *, reverse: bool, position) -> str:
        token = cursor_token(position, reverse=reverse)
        return replace_query_param(self.base_url, self.cursor_query_param, token)

    def _decode(self, request, queryset) -> tuple[bool, list | None]:
        token = request.query_params.get(self.cursor_query_param)
        if not token:
            return False, None
        if len(token) > MAX_CURSOR_LENGTH:
            raise InvalidCursor()
        try:
            data = json.loads(
                base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)),
                parse_constant=_refuse,
            )
            reverse, position = data["r"], data["p"]
        except (binascii.Error, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
            raise InvalidCursor() from exc
        if reverse not in (0, 1) or isinstance(reverse, bool) or not isinstance(position, list):
            raise InvalidCursor()
        if len(position) != len(self.ordering):
            raise InvalidCursor()
        values = [
            cursor_value(queryset, field.lstrip("-"), value)
            for field, value in zip(self.ordering, position, strict=True)
        ]
        return bool(reverse), values


def _refuse(name: str):
    raise ValueError(f"{name} in a cursor")


class ListingPagination(HavrePagination):
    """Our cursor-or-page-number pagination, with keyset cursors."""

    cursor_class = KeysetCursorPagination
