"""API routes whose object ids are PostgreSQL bigints, matched before any view runs.

Every viewset is registered on an IdRouter: its detail routes (retrieve, PATCH, DELETE and
each `detail=True` action) take `<id:pk>`, so `abc`, `1e5`, `-1`, `0`, `%20` or a number
beyond bigint simply do not match the route. The request falls through to the API's catch-all
(a JSON 404 in our error shape) without the view, the ORM or PostgreSQL seeing the value.
"""

from django.urls import register_converter
from rest_framework.routers import SimpleRouter

MAX_ID = 2**63 - 1  # bigint, the type of every primary key
_MAX_ID_DIGITS = len(str(MAX_ID))


class IdConverter:
    """A positive bigint in plain ASCII digits (`[0-9]`, not `\\d`: int() accepts Arabic-Indic
    and other Unicode digits that no client means as an id)."""

    regex = "[0-9]+"

    def to_python(self, value: str) -> int:
        # A ValueError tells Django the route does not match (a 404, not a 500).
        if len(value) > _MAX_ID_DIGITS:
            raise ValueError("longer than any bigint")
        number = int(value)
        if not 1 <= number <= MAX_ID:
            raise ValueError("not a positive bigint")
        return number

    def to_url(self, value) -> str:
        return str(value)


register_converter(IdConverter, "id")


class IdRouter(SimpleRouter):
    """SimpleRouter with path converters, whose lookup is `<id:pk>` unless a viewset names
    another converter (`lookup_value_converter`)."""

    def __init__(self, *, trailing_slash: bool = True):
        super().__init__(trailing_slash=trailing_slash, use_regex_path=False)
        self._default_value_pattern = "id"
