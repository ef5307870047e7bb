"""The notification inbox API: the caller's own in-app notifications, newest first, in cursor
or numbered pages, unread=true; read, read-all and unread-count; someone else's id is a 404;
the kinds list."""

import pytest
from django.db.models.functions import Now

from apps.notifications.models import Notification
from apps.notifications.services import notify
from tests.factories import UserFactory
from tests.helpers import client_for, error, ids, query_count, three_rows_in_both_page_modes

pytestmark = pytest.mark.django_db


def notified(user, n: int, kind: str = "booking_confirmed") -> list[int]:
    """n notifications of `user`, oldest first; their ids."""
    return [
        notify(recipient_id=user.pk, kind=kind, event_key=f"{kind}:{user.pk}:{i}", data={"i": i})
        for i in range(n)
    ]


def test_the_inbox_lists_the_callers_in_app_notifications_newest_first():
    user, other = UserFactory(), UserFactory()
    mine = notified(user, 3)
    notified(other, 2)
    notified(user, 1, kind="test_email")  # e-mail only: not in the inbox

    response = client_for(user).get("/api/v1/notifications/")

    assert ids(response) == mine[::-1]
    [newest] = response.json()["results"][:1]
    assert set(newest) == {"id", "kind", "data", "created_at", "read_at"}
    assert (newest["kind"], newest["data"], newest["read_at"]) == (
        "booking_confirmed",
        {"i": 2},
        None,
    )


def test_the_inbox_pages_by_cursor_and_by_number():
    user = UserFactory()
    mine = notified(user, 3)

    three_rows_in_both_page_modes(client_for(user), "/api/v1/notifications/", mine[::-1])


def test_unread_true_lists_the_unread_only_and_a_bad_value_is_a_400():
    user = UserFactory()
    first, second, third = notified(user, 3)
    client = client_for(user)
    assert client.post(f"/api/v1/notifications/{second}/read/").status_code == 204

    assert ids(client.get("/api/v1/notifications/?unread=true")) == [third, first]
    assert ids(client.get("/api/v1/notifications/?unread=false")) == [third, second, first]
    fields = error(client.get("/api/v1/notifications/?unread=maybe"), 400, "invalid")
    assert set(fields) == {"unread"}


def test_read_sets_read_at_once_and_keeps_it():
    user = UserFactory()
    [notification_id] = notified(user, 1)
    client = client_for(user)

    assert client.post(f"/api/v1/notifications/{notification_id}/read/").status_code == 204
    first_read = Notification.objects.get(pk=notification_id).read_at
    assert first_read is not None
    assert client.post(f"/api/v1/notifications/{notification_id}/read/").status_code == 204
    assert Notification.objects.get(pk=notification_id).read_at == first_read


def test_someone_elses_notification_is_not_found_and_stays_unread():
    owner, intruder = UserFactory(), UserFactory()
    [theirs] = notified(owner, 1)
    [email_only] = notified(intruder, 1, kind="test_email")
    client = client_for(intruder)

    error(client.post(f"/api/v1/notifications/{theirs}/read/"), 404, "not_found")
    error(client.post(f"/api/v1/notifications/{email_only}/read/"), 404, "not_found")
    error(client.post("/api/v1/notifications/999999999/read/"), 404, "not_found")
    assert Notification.objects.get(pk=theirs).read_at is None


def test_read_all_and_the_unread_count_are_the_callers_own():
    user, other = UserFactory(), UserFactory()
    notified(user, 3)
    notified(other, 2)
    client = client_for(user)

    assert client.get("/api/v1/notifications/unread-count/").json() == {"count": 3}
    assert client.post("/api/v1/notifications/read-all/").status_code == 204
    assert client.get("/api/v1/notifications/unread-count/").json() == {"count": 0}
    assert client_for(other).get("/api/v1/notifications/unread-count/").json() == {"count": 2}
    assert not Notification.objects.filter(recipient=user, read_at__isnull=True).exists()


def test_read_all_leaves_read_rows_as_they_were():
    user = UserFactory()
    first, _second = notified(user, 2)
    Notification.objects.filter(pk=first).update(read_at=Now())
    before = Notification.objects.get(pk=first).read_at

    client_for(user).post("/api/v1/notifications/read-all/")

    assert Notification.objects.get(pk=first).read_at == before


def test_the_inbox_is_for_signed_in_users():
    client = client_for()
    error(client.get("/api/v1/notifications/"), 401, "not_authenticated")
    error(client.post("/api/v1/notifications/read-all/"), 401, "not_authenticated")
    error(client.get("/api/v1/notifications/unread-count/"), 401, "not_authenticated")


def test_the_kinds_list_names_labels_and_what_can_be_turned_off():
    client = client_for(UserFactory())

    kinds = {kind["name"]: kind for kind in client.get("/api/v1/notifications/kinds/").json()}

    assert {
        "booking_requested", "booking_confirmed", "booking_declined", "booking_cancelled",
        "review_invitation", "stay_completed", "message_received", "test_email",
    } <= set(kinds)  # fmt: skip
    assert kinds["message_received"] == {
        "name": "message_received",
        "label": "New messages",
        "in_app": True,
        "security": False,
        "email_can_be_turned_off": True,
    }
    assert kinds["test_email"]["email_can_be_turned_off"] is False
    french = client.get("/api/v1/notifications/kinds/", HTTP_ACCEPT_LANGUAGE="fr").json()
    assert {k["name"]: k["label"] for k in french}["message_received"] == "Nouveaux messages"


@pytest.mark.parametrize("query", ["", "unread=true&", "page=1&", "unread=true&page=1&"])
def test_the_list_costs_the_same_queries_for_one_and_for_fifty(query, django_assert_num_queries):
    user = UserFactory()
    notified(user, 50)
    client = client_for(user)
    url = f"/api/v1/notifications/?{query}page_size="

    one = query_count(client, f"{url}1", 1)
    with django_assert_num_queries(one) as captured:
        assert len(client.get(f"{url}50").json()["results"]) == 50
    reads = [q["sql"] for q in captured.captured_queries if 'FROM "notifications"' in q["sql"]]
    assert len(reads) == (2 if "page=1" in query else 1)  # (the capped count and) the page
