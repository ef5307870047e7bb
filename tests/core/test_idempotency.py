"""apps.core.idempotency on a view of its own (this module is the URLconf of its tests)."""

import datetime as dt
import itertools
import threading

import pytest
from django.db import connection
from django.urls import path
from django.utils import timezone
from rest_framework import permissions
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.test import APIClient
from rest_framework.views import APIView

from apps.core.context import DbContext, db_context
from apps.core.idempotency import idempotency_keys_purge_expired, idempotent
from apps.core.models import IdempotencyKey
from tests.factories import UserFactory
from tests.helpers import client_for, token_for

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


class Effects:
    """What the view did: each run takes the next number."""

    counter = itertools.count(1)
    runs: list[int] = []
    entered = threading.Event()
    release = threading.Event()
    hold = False


class ChargeView(APIView):
    permission_classes = [permissions.AllowAny]

    @idempotent
    def post(self, request, *args, **kwargs):
        run = next(Effects.counter)
        Effects.runs.append(run)
        if Effects.hold:
            Effects.entered.set()
            assert Effects.release.wait(timeout=10)
        if request.data.get("fail") == "raise":
            raise ValidationError({"amount": ["Refused."]})
        if request.data.get("fail") == "return":
            return Response({"refused": True}, status=402)
        return Response({"run": run, "amount": request.data.get("amount")}, status=201)


urlpatterns = [path("charge/", ChargeView.as_view()), path("refund/", ChargeView.as_view())]


@pytest.fixture(autouse=True)
def _fresh_effects():
    Effects.counter = itertools.count(1)
    Effects.runs = []
    Effects.hold = False
    Effects.entered.clear()
    Effects.release.clear()


def post(client, body, key="key-1", url="/charge/"):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(url, body, format="json", **headers)


def test_without_a_key_every_request_runs_and_nothing_is_stored():
    client = client_for(UserFactory())

    post(client, {"amount": 5}, key=None)
    post(client, {"amount": 5}, key=None)

    assert len(Effects.runs) == 2
    assert not IdempotencyKey.objects.exists()


def test_a_retry_replays_the_first_status_and_body_without_running_again():
    user = UserFactory()
    client = client_for(user)

    first = post(client, {"amount": 5, "note": "x"})
    retry = post(client, {"note": "x", "amount": 5})  # same body, other key order

    assert (first.status_code, retry.status_code) == (201, 201)
    assert first.json() == retry.json() == {"run": 1, "amount": 5}
    assert retry["Idempotent-Replayed"] == "true"
    assert Effects.runs == [1]
    record = IdempotencyKey.objects.get()
    assert (record.user_id, record.key, record.method, record.path) == (
        user.pk, "key-1", "POST", "/charge/",
    )  # fmt: skip
    assert (record.response_status, record.response_body) == (201, {"run": 1, "amount": 5})
    assert len(record.request_hash) == 64


@pytest.mark.parametrize(
    ("body", "url"),
    [({"amount": 6}, "/charge/"), ({"amount": 5}, "/refund/"), ({"amount": 5}, "/charge/?x=1")],
    ids=["other body", "other path", "other query string"],
)
def test_the_same_key_for_another_request_answers_422(body, url):
    client = client_for(UserFactory())
    post(client, {"amount": 5})

    response = post(client, body, url=url)

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "idempotency_key_reused"
    assert Effects.runs == [1]


def test_keys_belong_to_their_user():
    alice, bob = UserFactory(), UserFactory()
    post(client_for(alice), {"amount": 5})

    response = post(client_for(bob), {"amount": 5})

    assert response.status_code == 201 and response.json()["run"] == 2
    assert not response.has_header("Idempotent-Replayed")
    with db_context(DbContext().with_user(bob)):  # row-level security: bob sees his only
        assert list(IdempotencyKey.objects.values_list("user_id", flat=True)) == [bob.pk]


@pytest.mark.parametrize("how", ["raise", "return"])
def test_failures_are_not_stored_so_a_retry_runs_again(how):
    client = client_for(UserFactory())

    failed = post(client, {"amount": 5, "fail": how})
    assert failed.status_code in (400, 402)
    assert not IdempotencyKey.objects.exists()

    # The key is free again: even for a corrected request.
    fixed = post(client, {"amount": 5})
    assert fixed.status_code == 201 and Effects.runs == [1, 2]


def test_a_key_expires_after_24_hours():
    client = client_for(UserFactory())
    post(client, {"amount": 5})
    IdempotencyKey.objects.update(created_at=timezone.now() - dt.timedelta(hours=24, seconds=1))

    again = post(client, {"amount": 7})

    assert again.status_code == 201 and again.json() == {"run": 2, "amount": 7}
    assert IdempotencyKey.objects.get().response_body == {"run": 2, "amount": 7}


def test_purge_deletes_expired_keys_only():
    client = client_for(UserFactory())
    post(client, {"amount": 5}, key="old")
    post(client, {"amount": 5}, key="new")
    IdempotencyKey.objects.filter(key="old").update(
        created_at=timezone.now() - dt.timedelta(hours=25)
    )

    assert idempotency_keys_purge_expired() == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["new"]


@pytest.mark.parametrize(
    ("key", "status"),
    [("k" * 255, 201), ("k" * 256, 400), ("clé", 400), ("tab\tkey", 400)],
    ids=["255 chars", "256 chars", "non-ascii", "control char"],
)
def test_keys_are_short_printable_ascii(key, status):
    response = post(client_for(UserFactory()), {"amount": 5}, key=key)

    assert response.status_code == status
    if status == 400:
        assert "Idempotency-Key" in response.json()["error"]["fields"]


def test_anonymous_requests_ignore_the_header():
    post(client_for(), {"amount": 5})
    post(client_for(), {"amount": 5})

    assert Effects.runs == [1, 2]
    assert not IdempotencyKey.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("first_succeeds", [True, False], ids=["replayed", "runs itself"])
def test_a_concurrent_duplicate_waits_for_the_first_then_replays_or_runs(first_succeeds):
    with db_context(DbContext.system("tests")):
        token = token_for(UserFactory())
    Effects.hold = True
    results = {}

    def send(name, body):
        try:
            client = APIClient(HTTP_AUTHORIZATION=f"Token {token}")
            results[name] = post(client, body)
        finally:
            connection.close()

    body = {"amount": 5} if first_succeeds else {"amount": 5, "fail": "raise"}
    first = threading.Thread(target=send, args=("first", body))
    first.start()
    assert Effects.entered.wait(timeout=10)  # the first holds its key, uncommitted
    second = threading.Thread(target=send, args=("second", body))
    second.start()
    second.join(timeout=1)
    assert second.is_alive(), "the duplicate should wait for the first request's transaction"
    assert Effects.runs == [1]

    Effects.release.set()
    first.join(timeout=10)
    second.join(timeout=10)

    if first_succeeds:
        assert results["first"].status_code == results["second"].status_code == 201
        assert results["second"].json() == results["first"].json() == {"run": 1, "amount": 5}
        assert results["second"]["Idempotent-Replayed"] == "true"
        assert Effects.runs == [1]
    else:
        # The first rolled back, key included: the second claimed the key and ran.
        assert results["first"].status_code == results["second"].status_code == 400
        assert Effects.runs == [1, 2]
