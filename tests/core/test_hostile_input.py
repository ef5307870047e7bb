"""Every route of the URLConf, called the way a stranger would: hostile path values × every
HTTP method × hostile bodies and query strings, as anonymous, a guest, an owner and staff
(API token, and a session for the admin). No answer may be a 5xx, and the test client re-raises
any exception a view lets through.

Routes are discovered from django.urls.get_resolver() (recursively, namespaces included) and
the field names the bodies and query strings use from every DRF serializer and django-filter
FilterSet the project defines: a new route, action or field is walked without anyone editing
this file. The meta-tests below prove the walk sees the routes we know, and a new one.
"""

import json
import logging
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import quote, urlencode

import pytest
from django.apps import apps
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, include, path
from django.urls.exceptions import Resolver404
from django.utils.regex_helper import normalize
from django_filters.filterset import BaseFilterSet
from rest_framework import serializers

from apps.bookings.models import BookingStatus, CalendarFeed
from apps.listings.models import ListingPriceOverride
from tests.factories import BookingFactory, MessageFactory, ReviewFactory, UserFactory
from tests.factories.accounts import DEFAULT_PASSWORD
from tests.factories.listings import AmenityFactory, CategoryFactory, ListingFactory, TagFactory
from tests.factories.wishlists import WishlistFactory, saved

pytestmark = pytest.mark.django_db

# --- discovery ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name"; an unnamed pattern goes by its path template
    template: str  # "/api/v1/listings/%(pk)s/publish/"
    params: tuple[str, ...]
    callback: object = field(compare=False, repr=False)

    def url(self, values: dict[str, str]) -> str:
        return self.template % values


def discover_routes(resolver: URLResolver | None = None) -> list[Route]:
    """Every endpoint below `resolver` (the project's URLConf by default), as Django itself
    reads them for reverse(): each pattern's regex joined to its parents', normalized."""
    routes = {}
    for route in _walk(resolver or get_resolver(), prefix="", namespace=""):
        routes.setdefault(route.template, route)
    return list(routes.values())


def _walk(resolver: URLResolver, *, prefix: str, namespace: str) -> Iterator[Route]:
    for entry in resolver.url_patterns:
        regex = prefix + entry.pattern.regex.pattern.removeprefix("^")
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _walk(entry, prefix=regex, namespace=inner)
            continue
        assert isinstance(entry, URLPattern), entry
        for template, params in normalize(regex):
            template = "/" + template
            name = f"{namespace}{entry.name}" if entry.name else template
            yield Route(name, template, tuple(params), entry.callback)


def _serializer_classes() -> Iterator[type]:
    stack = [serializers.BaseSerializer]
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls.__module__.startswith("apps."):
            yield cls


def _field_names() -> list[str]:
    """Every field name of the project's serializers and FilterSets, and the pagination's."""
    get_resolver().url_patterns  # noqa: B018 (imports every view, so every serializer)
    names = {"cursor", "page", "page_size", "format", "q", "search", "term", "o", "p"}
    for cls in _serializer_classes():
        names.update(cls().fields)
    stack = [BaseFilterSet]
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls.__module__.startswith("apps."):
            names.update(cls.base_filters)
    return sorted(names)


# --- hostile values -------------------------------------------------------------------------

HOSTILE_PATH_VALUES = [
    "abc", "null", "1e5", "Infinity", "%20", "-1", "0", "1.5", "%00", "١٢",
    "9223372036854775808", "9" * 400, "..%2F..%2Fetc", "a" * 2_000,
]  # fmt: skip
METHODS = ["GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"]
BODY_METHODS = ["POST", "PUT", "PATCH"]


@dataclass(frozen=True)
class Body:
    name: str
    data: bytes
    content_type: str = "application/json"


def _json(name: str, value) -> Body:
    return Body(name, json.dumps(value, ensure_ascii=True).encode())


def hostile_bodies(names: list[str]) -> list[Body]:
    every = lambda value: {name: value for name in names}  # noqa: E731
    deep = "[" * 10_000 + "]" * 10_000
    return [
        Body("empty", b""),
        _json("empty object", {}),
        _json("strings", every("x")),
        _json("lists", every([1, 1, "x"])),
        _json("objects", every({"a": [None]})),
        _json("nulls", every(None)),
        _json("booleans", every(True)),
        _json("negative", every(-1)),
        _json("bigint + 1", every(2**63)),
        _json("huge int", every(10**400)),
        _json("float max", every(1.7976931348623157e308)),
        _json("float tiny", every(5e-324)),
        _json("dates past 9999", every("9999-12-31T23:59:59-23:59")),
        Body("1e999999", ("{" + ",".join(f'"{n}": 1e999999' for n in names) + "}").encode()),
        Body("deep 10,000", deep.encode()),
        Body(
            "deep in fields",
            ("{" + ",".join(f'"{n}": {deep[9_950:-9_950]}' for n in names[:3]) + "}").encode(),
        ),  # fmt: skip
        Body("NUL", ("{" + ",".join(f'"{n}": "a\\u0000"' for n in names) + "}").encode()),
        Body("surrogate", ("{" + ",".join(f'"{n}": ["\\udfff"]' for n in names) + "}").encode()),
        Body("bad keys", b'{"\\u0000": 1, "\\ud800": {"\\udfff": 2}}'),
        _json("huge lists", every([1] * 2_000)),
        _json("huge strings", every("x" * 5_000)),
        _json("array", [every("x")]),
        _json("scalar", "x"),
        Body("not JSON", b"{'title': "),
        Body("not UTF-8", b'{"title": "\xff\xfe"}'),
        Body("form", urlencode(every("a\x00")).encode(), "application/x-www-form-urlencoded"),
        Body(
            "form lists",
            urlencode([(n, "1") for n in names] * 3).encode(),
            "application/x-www-form-urlencoded",
        ),  # fmt: skip
        Body("multipart junk", b"--x\r\nnot multipart", "multipart/form-data; boundary=x"),
        Body("text", b"hello", "text/plain"),
    ]


def hostile_queries(names: list[str]) -> list[str]:
    values = ["%00", "abc", "-1", "1e999999", "9" * 30, "Infinity", "x" * 300, "%ff%fe"]
    queries = ["&".join(f"{quote(name)}={value}" for name in names) for value in values]
    return [*queries, "&".join(f"{name}=1&{name}=2" for name in names), "%00=1&=&&&"]


# --- the world the walk runs in -------------------------------------------------------------


@dataclass
class Actor:
    name: str
    client: Client


@pytest.fixture
def quiet_logs(caplog):
    """Tens of thousands of 4xx answers: their log lines would cost more than the requests."""
    caplog.set_level(logging.WARNING, logger="havre.request")
    caplog.set_level(logging.ERROR, logger="django.request")
    caplog.set_level(logging.CRITICAL, logger="django.security")


@pytest.fixture
def world(quiet_logs):
    owner = UserFactory(owner=True)
    guest = UserFactory()
    staff = UserFactory(staff=True, is_superuser=True)
    listing = ListingFactory(owner=owner)
    pending = BookingFactory(listing=listing, guest=guest, status=BookingStatus.PENDING)
    ListingFactory(owner=owner, draft=True)
    ListingPriceOverride.objects.create(
        listing=listing, start_date=pending.check_in, end_date=pending.check_out, price_cents=9_000
    )
    CategoryFactory(), TagFactory(), AmenityFactory()
    ReviewFactory(booking__listing=listing, booking__guest=guest)
    MessageFactory(sender=guest, recipient=owner, booking=pending, listing=listing)
    saved(WishlistFactory(owner=guest), listing)
    # An imported calendar: its detail route has two ids, guessed from a real row only.
    CalendarFeed.objects.create(
        listing=listing, tenant_id=listing.tenant_id, url="https://example.com/listing.ics"
    )
    actors = [Actor("anonymous", Client())]
    for name, user in (("guest", guest), ("owner", owner), ("staff", staff)):
        token = Client().post(
            "/api/v1/auth/token/",
            {"email": user.email, "password": DEFAULT_PASSWORD},
            content_type="application/json",
        )
        assert token.status_code == 201, token.content
        client = Client(headers={"Authorization": f"Bearer {token.json()['key']}"})
        if user.is_staff:
            client.force_login(user)  # the admin reads the session, the API the token
        actors.append(Actor(name, client))
    return actors


def valid_values(route: Route) -> dict[str, str] | None:
    """Values for the route's parameters that resolve to this very route (an existing object's
    id where the view names a model), or None when no guess does."""
    model = _model_of(route.callback)
    first = model._default_manager.order_by("pk").first() if model is not None else None
    candidates = [str(first.pk)] if first is not None else []
    candidates += [config.label for config in apps.get_app_configs()]
    candidates += ["1", "json", ""]
    # The parameters not guessed yet hold an id meanwhile (the admin's photo of a listing:
    # `<path:object_id>/photos/<int:photo_id>/`).
    placeholder = next((c for c in candidates if c.isdigit()), "1")
    values = {}
    for param in route.params:
        for candidate in candidates:
            trial = {**dict.fromkeys(route.params, placeholder), **values}
            trial[param] = candidate
            if _resolves_to(route, route.url(trial)):
                values[param] = candidate
                break
        else:
            return None
    return values


def _model_of(callback):
    if hasattr(callback, "model_admin"):
        return callback.model_admin.model
    queryset = getattr(getattr(callback, "cls", None), "queryset", None)
    return getattr(queryset, "model", None)


def _resolves_to(route: Route, url: str) -> bool:
    try:
        match = get_resolver().resolve(url.split("?")[0])
    except Resolver404:
        return False
    return match.func is route.callback


# --- the walk -------------------------------------------------------------------------------
# The full product (routes × values × methods × bodies × actors) is ~200,000 requests. The walk
# covers it pairwise instead: every route gets every hostile value, method, body and query;
# each such combination is sent as one actor, rotating, among the actors that get past the
# route's door (401, 403, 405 and the admin's redirect to its login page are decided before
# a view reads its input — a cheap probe per route, method and actor finds them).


@dataclass
class Walk:
    requests: int = 0
    server_errors: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.perf_counter)

    def call(self, actor: Actor, method: str, url: str, body: Body | None = None):
        body = body or Body("none", b"")
        self.requests += 1
        try:
            response = actor.client.generic(method, url, body.data, content_type=body.content_type)
        except BaseException as exc:  # re-raised: only says which request it was
            exc.add_note(f"{method} {url[:200]} as {actor.name}, body {body.name!r}")
            raise
        if response.status_code >= 500:
            self.server_errors.append(
                f"{response.status_code} {method} {url[:200]} as {actor.name}, body {body.name!r}"
            )
        return response

    def past_the_door(self, actors: list[Actor], method: str, url: str) -> list[Actor]:
        """The actors whose plain request is not refused before the view reads its input."""
        passing = []
        for actor in actors:
            response = self.call(actor, method, url, Body("empty object", b"{}"))
            login = response.status_code == 302 and "/login/" in response.get("Location", "")
            if response.status_code not in (401, 403, 405) and not login:
                passing.append(actor)
        return passing

    def report(self) -> str:
        return f"{self.requests} requests in {time.perf_counter() - self.started:.1f} s"


def _parses_json(route: Route) -> bool:
    """DRF views parse JSON bodies; any other Django view only form bodies, and those only on
    POST (request.POST): a JSON body, or a PUT/PATCH body, is the empty body to them."""
    return hasattr(getattr(route.callback, "cls", None), "parser_classes")


def _bodies_for(route: Route, method: str, bodies: list[Body]) -> list[Body]:
    if _parses_json(route):
        return bodies
    if method != "POST":
        return bodies[:1]
    return [body for body in bodies if body.content_type != "application/json" or not body.data]


def _methods_for(route: Route, turn: int) -> list[str]:
    """Every method for DRF views (each may be another action). Other Django views tell POST
    from the rest at most: GET and POST always, the other methods in turn."""
    if _parses_json(route):
        return METHODS
    others = [method for method in METHODS if method not in ("GET", "POST")]
    return ["GET", "POST", others[turn % len(others)]]


def test_no_hostile_path_value_is_a_server_error(world):
    walk, turn = Walk(), 0
    for route in discover_routes():
        if not route.params:
            continue
        base = valid_values(route) or dict.fromkeys(route.params, "1")
        for param in route.params:
            for value in HOSTILE_PATH_VALUES:
                for method in _methods_for(route, turn):
                    turn += 1
                    actor = world[turn % len(world)]
                    walk.call(actor, method, route.url({**base, param: value}))
    print(walk.report())  # noqa: T201
    assert walk.server_errors == []


def reachable() -> Iterator[tuple[Route, str]]:
    """Each route with a URL that reaches its view (patterns no guess reaches, such as the
    admin's catch-all, are walked by the path test only)."""
    for route in discover_routes():
        if (values := valid_values(route)) is not None:
            yield route, route.url(values)


def test_no_hostile_body_is_a_server_error(world):
    walk, turn = Walk(), 0
    bodies = hostile_bodies(_field_names())
    for route, url in reachable():
        for method in BODY_METHODS:
            actors = walk.past_the_door(world, method, url)
            for body in _bodies_for(route, method, bodies) if actors else bodies[:2]:
                turn += 1
                walk.call((actors or world)[turn % len(actors or world)], method, url, body)
    for _route, url in reachable():  # last: the objects go
        for actor in world:
            walk.call(actor, "DELETE", url, Body("NUL", b'{"a": "\\u0000"}'))
    print(walk.report())  # noqa: T201
    assert walk.server_errors == []


def test_no_hostile_query_string_is_a_server_error(world):
    walk, turn = Walk(), 0
    queries = hostile_queries(_field_names())
    for _route, url in reachable():
        actors = walk.past_the_door(world, "GET", url) or world
        for query in queries:
            turn += 1
            walk.call(actors[turn % len(actors)], "GET", f"{url}?{query}")
    print(walk.report())  # noqa: T201
    assert walk.server_errors == []


def test_no_route_is_a_server_error_in_a_browser(world):
    """The browsable API and Swagger UI render HTML for a logged-in browser (session, no
    token): every route, plainly and with a refused format or a hostile query."""
    staff = next(actor for actor in world if actor.name == "staff").client
    browser = Actor("staff browser", Client(headers={"Accept": "text/html"}))
    browser.client.cookies = staff.cookies
    walk, html = Walk(), 0
    for _route, url in reachable():
        if url.startswith("/api/"):
            for query in ("", "?format=abc", "?cursor=abc&page=x", "?q=%00"):
                response = walk.call(browser, "GET", url + query)
                html += response.get("Content-Type", "").startswith("text/html")
    print(walk.report(), f"{html} HTML pages")  # noqa: T201
    assert walk.server_errors == []
    assert html > len(KNOWN_ROUTES)  # the HTML renderers did run


# --- meta-tests: the walk sees what it must -------------------------------------------------

KNOWN_ROUTES = {
    "health", "health-db", "metrics", "auth-register", "auth-email-verify",
    "auth-email-verify-resend", "auth-token", "users-me", "categories",
    "amenities", "tags", "listing-list", "listing-mine", "listing-detail", "listing-archive",
    "listing-availability", "listing-publish", "listing-reviews", "listing-versions",
    "booking-list", "booking-detail", "booking-cancel", "booking-confirm", "booking-decline",
    "review-list", "review-detail", "message-list", "message-unread-count", "message-detail",
    "message-archive", "message-read", "message-report-spam", "listing-quote", "listing-prices",
    "listing-price-detail", "wishlist-list", "wishlist-detail", "wishlist-listings",
    "wishlist-listing-detail", "listing-calendar-ics", "listing-calendar-export",
    "listing-calendar-export-rotate", "listing-calendar-feeds", "listing-calendar-feed-detail",
    "api-schema", "api-docs",
    "admin:index", "admin:login", "admin:logout", "admin:listings_listing_change",
    "admin:listings_listing_delete", "admin:accounts_user_change",
    "admin:auth_user_password_change", "admin:bookings_booking_changelist", "admin:autocomplete",
    "admin:view_on_site",
}  # fmt: skip


def test_the_walk_discovers_every_known_route():
    names = {route.name for route in discover_routes()}

    assert KNOWN_ROUTES - names == set()
    assert len(names) > len(KNOWN_ROUTES)  # and the rest of the admin, the catch-alls...


def test_the_walk_would_see_a_new_route():
    new = [path("new/<id:pk>/things/", lambda request, pk: None, name="brand-new")]
    urlconf = URLResolver(
        get_resolver().pattern, [*get_resolver().url_patterns, path("x/", include(new))]
    )

    routes = {route.name: route for route in discover_routes(urlconf)}

    assert routes["brand-new"].template == "/x/new/%(pk)s/things/"
    assert routes["brand-new"].params == ("pk",)


def test_the_walk_reaches_each_id_route_with_a_real_object(world):
    """The body and query walks only mean something if their URLs reach the route's view."""
    unreachable = [r.name for r in discover_routes() if r.params and valid_values(r) is None]

    # Only patterns whose parameter is free text (the admin's catch-all and redirect) or needs
    # two coordinated ids (view_on_site) may escape the guesses; the path walk still hits them.
    assert set(unreachable) <= {"/admin/%(url)s", "admin:view_on_site", "/api/v1/%(format)s"} | {
        r.name for r in discover_routes() if r.name.endswith("/%(object_id)s/")
    }


def test_the_admin_is_walked_with_a_session(world):
    staff = next(actor for actor in world if actor.name == "staff")

    response = staff.client.get(f"/{settings.ADMIN_URL}")

    assert response.status_code == 200
