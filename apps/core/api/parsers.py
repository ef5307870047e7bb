"""Request bodies PostgreSQL could not store, refused by the parser before any view runs.

- JSON nested deeper than MAX_JSON_DEPTH: Python's json module (and DRF, and the serializers
  walking the result) recurse once per level; 10,000 levels is a RecursionError. The depth is
  measured first, in linear time and without recursion, on the raw text.
- Text PostgreSQL refuses: NUL (U+0000) in text or jsonb, and lone UTF-16 surrogates
  (`"\\udfff"` is valid JSON, but no UTF-8 encoding exists for it). Any string or object key
  of the body holding one is a 400 naming its path in the usual error shape, e.g.
  `{"preferences": {"theme": ["..."]}}`.

JSON is the API's only request format (REST_FRAMEWORK's DEFAULT_PARSER_CLASSES: form and
multipart bodies are a 415). The same text rule covers query strings, the admin's form bodies
and headers in apps.core.middleware.UnstorableInputMiddleware (one function,
`unstorable_path`).
"""

import json
import math
import re
from collections.abc import Iterator
from itertools import accumulate

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError, ValidationError

MAX_JSON_DEPTH = 64

# A JSON string literal (escapes included): the brackets inside strings are not nesting.
_JSON_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_NOT_A_BRACKET = re.compile(r"[^\[\]{}]+")
_DEPTH_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
UNSTORABLE_MESSAGE = _(
    "Text may not contain NUL (\\u0000) or unpaired surrogates (\\ud800-\\udfff)."
)


def json_depth(text: str) -> int:
    """The deepest nesting of arrays and objects in `text` (JSON), found by regular
    expressions and C-level iteration: linear in the length, no recursion."""
    brackets = _NOT_A_BRACKET.sub("", _JSON_STRING.sub("", text))
    return max(accumulate(map(_DEPTH_STEP.__getitem__, brackets)), default=0)


def _printable(text: str) -> str:
    """`text` with its unstorable characters written as escapes (an error message echoing a
    lone surrogate could not even be encoded)."""
    return _UNSTORABLE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


def _strings(data) -> Iterator[tuple[tuple[str, ...], str]]:
    """Every string and object key in `data`, with its path; iterative, so that no depth
    raises a RecursionError."""
    stack = [((), data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            yield path, value
        elif isinstance(value, dict):
            for key, item in value.items():
                key_path = (*path, _printable(str(key)))
                yield key_path, str(key)
                stack.append((key_path, item))
        elif isinstance(value, list | tuple):
            stack.extend(((*path, str(index)), item) for index, item in enumerate(value))


def unstorable_path(data) -> tuple[str, ...] | None:
    """The path of the first string or key in `data` that PostgreSQL cannot store, if any."""
    for path, text in _strings(data):
        if _UNSTORABLE.search(text):
            return path
    return None


def unstorable_error(path: tuple[str, ...]) -> dict:
    """The `fields` of the error: nested like the data, e.g. {"preferences": {"a": [msg]}}."""
    if not path:
        return {}
    fields: dict | list = [UNSTORABLE_MESSAGE]
    for part in reversed(path):
        fields = {part: fields}
    return fields


def reject_unstorable(data) -> None:
    path = unstorable_path(data)
    if path is not None:
        detail = unstorable_error(path) or [UNSTORABLE_MESSAGE]
        raise ValidationError(detail)


class JSONParser(parsers.JSONParser):
    """DRF's strict JSON parser (no NaN/Infinity) with a depth limit and the text rule."""

    def parse(self, stream, media_type=None, parser_context=None):
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            text = stream.read().decode(encoding)
        except (UnicodeDecodeError, LookupError) as exc:
            raise ParseError(
                _("JSON parse error - the body is not valid %(encoding)s.") % {"encoding": encoding}
            ) from exc
        if json_depth(text) > MAX_JSON_DEPTH:
            raise ParseError(
                _("JSON parse error - nested deeper than %(depth)d levels.")
                % {"depth": MAX_JSON_DEPTH}
            )
        try:
            data = json.loads(text, parse_constant=_refuse_constant, parse_float=_finite_float)
        except ValueError as exc:
            raise ParseError(_("JSON parse error - %(error)s") % {"error": exc}) from exc
        reject_unstorable(data)
        return data


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not valid JSON")


def _finite_float(text: str) -> float:
    # json reads 1e999999 as infinity, which neither jsonb nor numeric columns store.
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"{text[:20]} is out of range")
    return value


class UploadParser(parsers.MultiPartParser):
    """multipart/form-data, for the routes that take a file (listing photos), and only there.
    Its size is bounded before it is read (apps/core/uploads.py: 413); Django's upload handlers
    keep a file in memory up to FILE_UPLOAD_MAX_MEMORY_SIZE and on disk beyond. The form's text
    fields follow the JSON parser's text rule."""

    def parse(self, stream, media_type=None, parser_context=None):
        parsed = super().parse(stream, media_type, parser_context)
        reject_unstorable(dict(parsed.data.lists()))
        return parsed
