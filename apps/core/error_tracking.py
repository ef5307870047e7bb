"""Errors to Sentry (or any server speaking its protocol), only when SENTRY_DSN is set.

Nothing personal leaves the process: Sentry's own defaults (send_default_pii off: no user, no
IP, no cookies) plus `scrub`, which every event and transaction passes through last — it drops
credentials from headers, cookies, query strings, bodies and local variables, and replaces
e-mail addresses wherever they appear (a request body, an exception's message, a log line).
"""

from __future__ import annotations

import json
import re
from urllib.parse import parse_qsl, urlencode

from django.conf import settings

FILTERED = "[Filtered]"
EMAIL_REPLACEMENT = "[email]"
# Names (keys, headers, parameters, variables) whose values are secrets or identify someone.
SENSITIVE_NAME = re.compile(
    r"pass(word|wd|phrase)?|secret|token|cookie|session|csrf|api[-_]?key|private[-_]?key"
    r"|credential|signature|^auth|authorization|^(x[-_])?(forwarded[-_]for|real[-_]ip)$"
    r"|client[-_]ip|remote[-_]addr|ip[-_]address",
    re.IGNORECASE,
)
EMAIL = re.compile(r"[\w.+%-]+(@|%40)[\w-]+(\.[\w-]+)+")  # also URL-encoded
# A query parameter inside any text: a URL, a request's repr among a frame's variables.
QUERY_PARAMETER = re.compile(r"(?P<lead>[?&;])(?P<name>[^=&;\s'\"<>?#]+)=(?P<value>[^&;\s'\"<>#]*)")


def init_from_settings() -> bool:
    """Start the Sentry client when SENTRY_DSN is set (CoreConfig.ready); False when not."""
    if not settings.SENTRY_DSN:
        return False
    import sentry_sdk
    from sentry_sdk.integrations.django import DjangoIntegration

    sentry_sdk.init(
        dsn=settings.SENTRY_DSN,
        environment=settings.SENTRY_ENVIRONMENT,
        release=settings.SENTRY_RELEASE or None,
        traces_sample_rate=settings.SENTRY_TRACES_SAMPLE_RATE,
        # No send_default_pii: off by default (users, IPs, cookies stay out), and recent
        # sentry-sdk versions deprecate passing it in favour of data_collection.
        before_send=before_send,
        before_send_transaction=before_send,
        integrations=[DjangoIntegration()],
    )
    return True


def before_send(event: dict, hint: dict | None = None) -> dict:
    request = event.get("request")
    if isinstance(request, dict):
        request.pop("cookies", None)
        if isinstance(request.get("query_string"), str):
            request["query_string"] = _scrub_form(request["query_string"])
        if isinstance(request.get("data"), str):
            request["data"] = _scrub_body(request["data"])
    return scrub(event)


def scrub(value):
    """`value` with every sensitive name's value filtered and every e-mail address replaced,
    however deep."""
    if isinstance(value, dict):
        return {
            key: FILTERED
            if isinstance(key, str) and SENSITIVE_NAME.search(key) and value[key] not in (None, "")
            else scrub(value[key])
            for key in value
        }
    if isinstance(value, list | tuple):
        return [scrub(item) for item in value]
    if isinstance(value, str):
        return QUERY_PARAMETER.sub(_scrub_parameter, EMAIL.sub(EMAIL_REPLACEMENT, value))
    return value


def _scrub_parameter(match: re.Match) -> str:
    if not SENSITIVE_NAME.search(match["name"]):
        return match[0]
    return f"{match['lead']}{match['name']}={FILTERED}"


def _scrub_form(text: str) -> str:
    pairs = parse_qsl(text, keep_blank_values=True)
    return urlencode(
        [
            (name, FILTERED if SENSITIVE_NAME.search(name) else EMAIL.sub(EMAIL_REPLACEMENT, value))
            for name, value in pairs
        ]
    )


def _scrub_body(text: str) -> str:
    """A body Sentry kept as text: JSON or a form is scrubbed field by field; anything else
    keeps only what no e-mail pattern matches (scrub, on the way out)."""
    try:
        return json.dumps(scrub(json.loads(text)))
    except ValueError:
        pass
    if "=" in text and " " not in text:
        return _scrub_form(text)
    return text
