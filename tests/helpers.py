"""Small helpers shared by the API tests."""

from rest_framework.test import APIClient

# What every request's log line tells (apps/core/monitoring.py; docs/database.md, "17. Metrics,
# logs and errors").
REQUEST_LOG_FIELDS = {
    "request_id",
    "client_ip",
    "user_id",
    "view",
    "method",
    "path",
    "status",
    "duration_ms",
    "db_queries",
    "db_ms",
}


def client_for(user=None) -> APIClient:
    """An API client logged in as `user` (session auth, so PostgreSQL sees the user), or
    anonymous. Never force_authenticate: it bypasses our authentication classes."""
    client = APIClient()
    if user is not None:
        client.force_login(user)
    return client


def unused_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound by the kernel's choice, then
    released): connecting to it is refused at once, as a Redis that is down; or a port to hand
    to a server that cannot bind port 0 itself (gunicorn). Another process could take it in
    between: rare, and the server then fails to start, loudly."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def redis_down(settings) -> None:
    """Point the cache (throttles, login limiter, cached look-ups) at a closed port for the
    rest of the test; pytest-django's `settings` puts it back afterwards."""
    default = settings.CACHES["default"]
    location = f"redis://127.0.0.1:{unused_port()}/0"
    settings.CACHES = {**settings.CACHES, "default": {**default, "LOCATION": location}}


def token_for(user, name: str = "tests") -> str:
    """A new API key of `user`, issued as a login would (apps.accounts.services.token_create)."""
    from apps.accounts.services import token_create

    return token_create(user=user, name=name)[1]


def token_client_for(user, keyword: str = "Bearer") -> APIClient:
    """An API client authenticated by a new API key of `user` (our token authentication)."""
    return APIClient(HTTP_AUTHORIZATION=f"{keyword} {token_for(user)}")


def error(response, status: int, code: str) -> dict:
    """`response` is our one error shape, `{"error": {"code", "message", "fields"}}`, with this
    status and code and a message; returns its fields (field name → messages)."""
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    assert "Traceback" not in response.content.decode(errors="replace")
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message", "fields"}, body
    assert body["error"]["code"] == code and body["error"]["message"], body
    return body["error"]["fields"]


def ids(response) -> list[int]:
    """The ids of a 200 page's results, in order."""
    assert response.status_code == 200, response.content[:500]
    return [item["id"] for item in response.json()["results"]]


def query_count(client, url: str, expected_results: int | None = None) -> int:
    """How many SQL queries a GET of `url` runs, once the client is warm (its first request
    looks the default tenant up once); checks the answer is a 200 with `expected_results`
    rows (in a page's results or a plain list) when given."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content[:500]
    body = response.json()
    results = body["results"] if isinstance(body, dict) else body
    if expected_results is not None:
        assert len(results) == expected_results, (url, len(results))
    return len(queries)


def schema_node(schema: dict, node: dict) -> dict:
    """`node` of an OpenAPI document with its `$ref`s followed."""
    while "$ref" in node:
        node = schema["components"]["schemas"][node["$ref"].rsplit("/", 1)[-1]]
    return node


def list_operations(schema: dict) -> dict[str, dict]:
    """Every list endpoint of an OpenAPI document: path → its 200 answer's schema, `$ref`s
    followed: a page (a `oneOf` of the cursor page and the page-number page) or an array."""
    found = {}
    for path, operations in schema["paths"].items():
        get = operations.get("get")
        if not get or "200" not in get["responses"]:
            continue
        body = schema_node(schema, get["responses"]["200"]["content"]["application/json"]["schema"])
        if "oneOf" in body or body.get("type") == "array":
            found[path] = body
    return found


def three_rows_in_both_page_modes(client, url: str, newest_first: list[int]) -> dict:
    """The three rows of `url` (ids `newest_first`) read two by two: a cursor page and its
    next, then numbered page 2 of 2 (with its count), then a page past the end (404). Returns
    the cursor's second page."""
    with_query = f"{url}{'&' if '?' in url else '?'}"
    cursor = client.get(f"{with_query}page_size=2").json()
    rest = client.get(cursor["next"]).json()
    numbered = client.get(f"{with_query}page=2&page_size=2").json()

    assert set(cursor) == {"next", "next_cursor", "previous", "previous_cursor", "results"}
    assert [row["id"] for row in cursor["results"] + rest["results"]] == newest_first
    assert numbered["count"] == 3 and [row["id"] for row in numbered["results"]] == newest_first[2:]
    error(client.get(f"{with_query}page=3&page_size=2"), 404, "not_found")
    return rest


def admin_form_data(page) -> dict:
    """An admin change page's form as the browser sends it back unchanged: each field's shown
    value, and each inline's management form with its rows (a read-only row sends only its id
    and its parent's key, as the page's hidden inputs do)."""
    form = page.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is not None:
            data[name] = ",".join(value) if isinstance(value, list) else value
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        count = str(formset.initial_form_count())
        data.update(
            {f"{formset.prefix}-TOTAL_FORMS": count, f"{formset.prefix}-INITIAL_FORMS": count}
        )
        for row in formset.initial_forms:
            data[row.add_prefix(formset.model._meta.pk.name)] = row.instance.pk
            data[row.add_prefix(formset.fk.name)] = formset.instance.pk
    return data


def add_inline_row(data: dict, prefix: str, **fields) -> None:
    """A new row in the inline `prefix` of admin_form_data's `data`, as "Add another" does."""
    index = int(data[f"{prefix}-TOTAL_FORMS"])
    data.update({f"{prefix}-{index}-{name}": value for name, value in fields.items()})
    data[f"{prefix}-TOTAL_FORMS"] = str(index + 1)
