"""The notifications admin: read-only, for staff holding notifications.view_notification (row-
level security shows them every row, notifications_staff_read); others see nothing."""

import pytest
from django.test import Client
from django.urls import reverse

from apps.notifications.models import Notification
from apps.notifications.services import notify
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:notifications_notification_changelist")


def admin_client(*permissions, **flags):
    client = Client()
    client.force_login(UserFactory(staff=True, permissions=list(permissions), **flags))
    return client


@pytest.fixture
def notifications():
    ana, bea = UserFactory(email="ana@example.com"), UserFactory(email="bea@example.com")
    ids = [
        notify(recipient_id=ana.pk, kind="booking_confirmed", event_key="a:1", data={"x": 1}),
        notify(recipient_id=bea.pk, kind="message_received", event_key="b:1", data={}),
    ]
    Notification.objects.filter(pk=ids[0]).update(read_at="2031-01-01T00:00:00Z")
    return ids


def shown(page) -> list[int]:
    assert page.status_code == 200
    return sorted(n.pk for n in page.context["cl"].result_list)


def test_staff_with_the_view_permission_see_every_notification_read_only(notifications):
    client = admin_client("notifications.view_notification")

    page = client.get(CHANGELIST)

    assert shown(page) == sorted(notifications)
    html = page.content.decode()
    assert "ana@example.com" in html and "booking_confirmed" in html
    assert page.context["has_add_permission"] is False
    detail = client.get(reverse("admin:notifications_notification_change", args=[notifications[0]]))
    assert detail.status_code == 200 and detail.context["has_change_permission"] is False
    # Nothing writes: no add page, a POST to the detail changes nothing, no delete page.
    assert client.get(reverse("admin:notifications_notification_add")).status_code == 403
    client.post(
        reverse("admin:notifications_notification_change", args=[notifications[0]]),
        {"kind": "forged"},
    )
    assert Notification.objects.get(pk=notifications[0]).kind == "booking_confirmed"
    delete = reverse("admin:notifications_notification_delete", args=[notifications[0]])
    assert client.get(delete).status_code == 403


def test_filters_and_search(notifications):
    client = admin_client("notifications.view_notification")

    assert shown(client.get(CHANGELIST, {"read": "yes"})) == [notifications[0]]
    assert shown(client.get(CHANGELIST, {"read": "no"})) == [notifications[1]]
    assert shown(client.get(CHANGELIST, {"sent": "yes"})) == []
    assert shown(client.get(CHANGELIST, {"kind": "message_received"})) == [notifications[1]]
    assert shown(client.get(CHANGELIST, {"q": "bea@example.com"})) == [notifications[1]]


def test_staff_without_the_permission_are_refused_and_superusers_see_all(notifications):
    assert admin_client().get(CHANGELIST).status_code == 403
    assert shown(admin_client(is_superuser=True).get(CHANGELIST)) == sorted(notifications)
