"""Security e-mails nobody can turn off: a new sign-in (device, time, address), a password
changed (by its holder or by staff); and Support's "Send password reset e-mail" action."""

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from apps.accounts import services
from apps.accounts.groups import MODERATORS, SUPPORT
from apps.accounts.tasks import send_password_reset
from apps.core.errors import PermissionDenied
from apps.notifications.emails import build_email
from apps.notifications.models import Notification
from apps.notifications.tasks import send_notification
from tests.accounts.recovery import CHANGE, LOGIN, deliver_password_resets, queued_jobs, reset_link
from tests.factories import UserFactory
from tests.factories.accounts import DEFAULT_PASSWORD
from tests.helpers import client_for

pytestmark = pytest.mark.django_db
NEW = "a-brand-new-passphrase"


def notification(user, kind: str) -> Notification:
    return Notification.objects.select_related("recipient").get(recipient=user, kind=kind)


def text_lines(email) -> list[str]:
    return [line for line in email.body.splitlines() if line and line != "--"]


def test_a_login_tells_the_user_the_device_the_time_and_the_address():
    user = UserFactory(email="ana@example.com", name="Ana")

    response = APIClient(REMOTE_ADDR="203.0.113.7").post(
        LOGIN, {"email": "ana@example.com", "password": DEFAULT_PASSWORD, "name": "Ana's phone"}
    )

    assert response.status_code == 201, response.content
    signed_in = notification(user, "new_sign_in")
    assert signed_in.event_key == f"token:{response.json()['id']}:created"
    assert signed_in.data["device"] == "Ana's phone" and signed_in.data["ip"] == "203.0.113.7"
    email = build_email(signed_in)
    assert email.subject == "New sign-in to your Havre account"
    lines = text_lines(email)
    assert lines[1].startswith("Your Havre account was signed in to on ")
    assert lines[1].endswith(', from "Ana\'s phone".') and " UTC" in lines[1]
    assert lines[2] == "Network address: 203.0.113.7"
    [(html, _mimetype)] = email.alternatives
    assert "<strong>Ana&#x27;s phone</strong>" in html


def test_a_failed_login_tells_nothing():
    user = UserFactory(email="ana@example.com")

    APIClient().post(LOGIN, {"email": "ana@example.com", "password": "wrong"})

    assert not Notification.objects.filter(recipient=user).exists()


def test_changing_the_password_sends_a_password_changed_email():
    user = UserFactory(name="Ana")

    response = client_for(user).post(
        CHANGE, {"current_password": DEFAULT_PASSWORD, "new_password": NEW}, format="json"
    )

    assert response.status_code == 204, response.content
    changed = notification(user, "password_changed")
    assert changed.data["by_staff"] is False and changed.data["disabled"] is False
    email = build_email(changed)
    assert email.subject == "Your Havre password was changed"
    assert text_lines(email)[1].startswith("The password of your Havre account was changed on ")
    assert "your other devices were signed out." in text_lines(email)[1]


def test_a_wrong_current_password_sends_nothing():
    user = UserFactory()

    client_for(user).post(CHANGE, {"current_password": "guess", "new_password": NEW})

    assert not Notification.objects.filter(recipient=user, kind="password_changed").exists()


def test_staff_setting_a_password_in_the_admin_tells_the_user_it_was_staff():
    support = UserFactory(staff=True)
    support.groups.add(Group.objects.get(name=SUPPORT))
    user = UserFactory()
    client = Client()
    client.force_login(support)

    response = client.post(
        reverse("admin:auth_user_password_change", args=[user.pk]),
        {"set_usable_password": "true", "password1": NEW, "password2": NEW},
    )

    assert response.status_code == 302, response.content[:2000]
    changed = notification(user, "password_changed")
    assert changed.data["by_staff"] is True
    assert "Our staff set a new password for your Havre account on " in build_email(changed).body


def test_a_user_disabling_password_login_is_told_as_well():
    support = UserFactory(staff=True, permissions=["accounts.change_user"])
    user = UserFactory()

    services.user_set_password(user=user, password=None, actor=support)

    changed = notification(user, "password_changed")
    assert changed.data == {**changed.data, "by_staff": True, "disabled": True}
    assert "Our staff turned off signing in with a password" in build_email(changed).body


# --- Support's action ------------------------------------------------------------------------


def run_action(client, ids):
    return client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "send_password_reset", "_selected_action": [str(i) for i in ids]},
        follow=True,
    )


def staff_client(group: str) -> Client:
    staff = UserFactory(staff=True)
    staff.groups.add(Group.objects.get(name=group))
    client = Client()
    client.force_login(staff)
    return client


def test_support_sends_reset_links_to_active_users_with_a_password():
    users = [UserFactory(name="Ana"), UserFactory(), UserFactory(is_active=False)]

    response = run_action(staff_client(SUPPORT), [u.pk for u in users])

    assert "Sent a password reset e-mail to 2 of 3 selected." in response.content.decode()
    jobs = queued_jobs(send_password_reset)
    assert sorted(args["user_id"] for _id, args in jobs) == sorted(u.pk for u in users[:2])
    assert all(args["by_staff"] for _id, args in jobs)
    deliver_password_resets()
    assert sorted(m.to[0] for m in mail.outbox) == sorted(u.email for u in users[:2])
    [to_ana] = [m for m in mail.outbox if m.to == [users[0].email]]
    assert "Our support team sent you this link" in to_ana.body
    uid, token = reset_link(to_ana)
    confirmed = APIClient().post(
        "/api/v1/auth/password/reset/confirm/",
        {"uid": uid, "token": token, "new_password": NEW},
        format="json",
    )
    assert confirmed.status_code == 204


def test_a_moderator_has_no_such_action_and_the_service_refuses_them():
    user = UserFactory()
    client = staff_client(MODERATORS)

    page = client.get(reverse("admin:accounts_user_changelist"))
    assert b'value="send_password_reset"' not in page.content
    run_action(client, [user.pk])
    assert queued_jobs(send_password_reset) == []

    moderator = UserFactory(staff=True, permissions=["accounts.moderate_user"])
    with pytest.raises(PermissionDenied):
        services.users_send_password_reset(users=type(user).objects.all(), actor=moderator)
    assert queued_jobs(send_password_reset) == []
    assert queued_jobs(send_notification) == []


def test_security_emails_go_out_even_when_the_preferences_turn_them_off():
    security = ("new_sign_in", "password_changed", "password_reset")
    user = UserFactory(
        email="ana@example.com",
        preferences={"notifications": {kind: {"email": False} for kind in security}},
    )

    APIClient().post(LOGIN, {"email": "ana@example.com", "password": DEFAULT_PASSWORD})
    client_for(user).post(
        CHANGE, {"current_password": DEFAULT_PASSWORD, "new_password": NEW}, format="json"
    )
    APIClient().post("/api/v1/auth/password/reset/", {"email": "ana@example.com"})
    deliver_password_resets()

    assert sorted(m.subject for m in mail.outbox) == [
        "New sign-in to your Havre account",
        "Reset your Havre password",
        "Your Havre password was changed",
    ]
