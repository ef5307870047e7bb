"""Changing one's e-mail address: POST /auth/email/change/ (password) e-mails a link to the new
address; POST /auth/email/change/confirm/ (the link's token, once, in time) makes the change and
tells the old address. PostgreSQL lets only that service (system:email), staff holding
accounts.change_user and maintenance change users.email (accounts.0016)."""

import re
import time

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.core.signing import TimestampSigner, b62_encode
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from apps.accounts import services
from apps.accounts.groups import MODERATORS, SUPPORT
from apps.accounts.models import User
from apps.core import context
from apps.core.errors import PermissionDenied
from apps.notifications import kinds
from apps.notifications.models import Notification
from apps.notifications.tasks import send_notification
from tests.accounts.recovery import LOGIN, RESET, deliver_password_resets, reset_link, run_queued
from tests.db import acting_as, execute, refused_column
from tests.factories import UserFactory
from tests.factories.accounts import DEFAULT_PASSWORD
from tests.helpers import client_for, error

pytestmark = pytest.mark.django_db
CHANGE = "/api/v1/auth/email/change/"
CONFIRM = "/api/v1/auth/email/change/confirm/"
OLD, NEW = "ana@example.com", "ana.new@example.org"
TOKEN = r"confirm-email\?token=(\S+)"


def ask_change(user, new_email=NEW, password=DEFAULT_PASSWORD):
    return client_for(user).post(
        CHANGE, {"current_password": password, "new_email": new_email}, format="json"
    )


def confirm(token: str):
    return APIClient().post(CONFIRM, {"token": token}, format="json")


def emails_to(address: str) -> list:
    return [m for m in mail.outbox if m.to == [address]]


def link_token(user, new_email=NEW) -> str:
    """Ask for the change and read the token of the e-mail the new address receives."""
    assert ask_change(user, new_email).status_code == 202
    run_queued(send_notification)
    [message] = emails_to(new_email)
    [token] = re.findall(TOKEN, message.body)
    return token


def email_of(user) -> str:
    return User.objects.values_list("email", flat=True).get(pk=user.pk)


def test_the_new_address_gets_a_link_and_nothing_changes_before_it_is_used():
    user = UserFactory(email=OLD, name="Ana")

    response = ask_change(user)

    assert response.status_code == 202, response.content
    assert response.json() == {"detail": "A confirmation link is on its way to the new address."}
    assert email_of(user) == OLD
    run_queued(send_notification)
    [message] = mail.outbox
    assert message.to == [NEW] and message.subject == "Confirm your new Havre e-mail address"
    assert f"You asked to sign in to Havre with {NEW} from now on." in message.body
    [(html, _mimetype)] = message.alternatives
    assert "Confirm this address</a>" in html
    [notification] = Notification.objects.filter(recipient=user, kind="email_change_confirm")
    assert notification.data == {"new_email": NEW}  # no token stored
    confirm_kind, changed_kind = kinds.get("email_change_confirm"), kinds.get("email_changed")
    assert confirm_kind.security and not confirm_kind.in_app and changed_kind.security


def test_the_link_moves_the_account_and_the_old_address_is_told():
    user = UserFactory(email=OLD, name="Ana")
    token = link_token(user)
    mail.outbox.clear()

    response = confirm(token)

    assert response.status_code == 204, response.content
    assert email_of(user) == NEW
    # The link was followed from the new mailbox: the new address counts as verified.
    user.refresh_from_db()
    assert user.email_verified_at is not None
    run_queued(send_notification)
    [told] = emails_to(OLD)
    assert told.subject == "Your Havre e-mail address was changed"
    assert f"your Havre account moved from {OLD} to {NEW}" in told.body
    assert APIClient().post(LOGIN, {"email": NEW, "password": DEFAULT_PASSWORD}).status_code == 201
    assert APIClient().post(LOGIN, {"email": OLD, "password": DEFAULT_PASSWORD}).status_code == 400


def test_a_link_works_once():
    user = UserFactory(email=OLD)
    token = link_token(user)
    assert confirm(token).status_code == 204

    assert list(error(confirm(token), 400, "invalid_email_change_link")) == ["token"]


def test_an_older_link_dies_when_another_change_was_confirmed():
    user = UserFactory(email=OLD)
    first = link_token(user, "first@example.com")
    second = link_token(user, "second@example.com")
    assert confirm(second).status_code == 204

    assert list(error(confirm(first), 400, "invalid_email_change_link")) == ["token"]
    assert email_of(user) == "second@example.com"


def test_an_expired_or_forged_link_is_refused(settings, monkeypatch):
    settings.EMAIL_CHANGE_TIMEOUT = 3600
    user = UserFactory(email=OLD)
    # A link made an hour and a second ago.
    monkeypatch.setattr(
        TimestampSigner, "timestamp", lambda self: b62_encode(int(time.time()) - 3601)
    )
    token = link_token(user)
    monkeypatch.undo()

    for bad in (token, token[:-2] + "xx", "not-a-token"):
        assert list(error(confirm(bad), 400, "invalid_email_change_link")) == ["token"]
    assert email_of(user) == OLD


def test_an_address_taken_meanwhile_is_refused_without_telling_whose():
    user = UserFactory(email=OLD)
    token = link_token(user)
    UserFactory(email=NEW.upper())

    fields = error(confirm(token), 400, "email_unavailable")

    assert fields == {
        "token": ["This address cannot be used: ask for the change with another one."]
    }
    assert email_of(user) == OLD


@pytest.mark.parametrize(
    "body, field",
    [
        ({"current_password": "guess", "new_email": NEW}, "current_password"),
        ({"current_password": DEFAULT_PASSWORD, "new_email": OLD.upper()}, "new_email"),
        ({"current_password": DEFAULT_PASSWORD, "new_email": "taken@example.com"}, "new_email"),
        ({"current_password": DEFAULT_PASSWORD, "new_email": "not an address"}, "new_email"),
        ({"current_password": DEFAULT_PASSWORD}, "new_email"),
        ({"current_password": DEFAULT_PASSWORD, "new_email": NEW, "email": NEW}, "email"),
    ],
)
def test_a_bad_request_is_a_400_naming_the_field_and_sends_nothing(body, field):
    user = UserFactory(email=OLD)
    UserFactory(email="taken@example.com")

    response = client_for(user).post(CHANGE, body, format="json")

    assert field in error(response, 400, "invalid")
    assert not Notification.objects.filter(kind="email_change_confirm").exists()


def test_an_anonymous_caller_gets_a_401():
    response = APIClient().post(CHANGE, {"current_password": "x", "new_email": NEW})

    assert response.status_code == 401


def test_patch_me_points_to_the_email_change():
    user = UserFactory(email=OLD)

    response = client_for(user).patch("/api/v1/users/me/", {"email": NEW}, format="json")

    [message] = error(response, 400, "invalid")["email"]
    assert "/api/v1/auth/email/change/" in message
    assert email_of(user) == OLD


def test_a_pending_password_reset_link_dies_with_the_change():
    user = UserFactory(email=OLD)
    APIClient().post(RESET, {"email": OLD}, format="json")
    deliver_password_resets()
    uid, reset_token = reset_link(emails_to(OLD)[0])
    assert confirm(link_token(user)).status_code == 204

    response = APIClient().post(
        "/api/v1/auth/password/reset/confirm/",
        {"uid": uid, "token": reset_token, "new_password": "a-brand-new-passphrase"},
        format="json",
    )

    assert list(error(response, 400, "invalid_reset_link")) == ["token"]


# --- PostgreSQL's guard on users.email ----------------------------------------------------------


def test_a_user_cannot_change_their_own_email_in_sql():
    user = UserFactory(email=OLD)

    with acting_as(user), refused_column("email"):
        execute("UPDATE users SET email = %s WHERE id = %s", [NEW, user.pk])

    assert email_of(user) == OLD


@pytest.mark.parametrize("actor", ["password", "auth"])
def test_the_other_narrow_actors_cannot_change_an_email(actor):
    user = UserFactory(email=OLD)

    with acting_as(user), context.as_system(actor), refused_column("email"):
        execute("UPDATE users SET email = %s WHERE id = %s", [NEW, user.pk])


def test_the_email_actor_changes_the_email_and_nothing_else():
    user = UserFactory(email=OLD)

    with acting_as(user), context.as_system("email"):
        with refused_column("is_staff"):
            execute("UPDATE users SET is_staff = true WHERE id = %s", [user.pk])
        with refused_column("password"):
            execute("UPDATE users SET password = 'md5$x$y' WHERE id = %s", [user.pk])
        execute("UPDATE users SET email = %s WHERE id = %s", [NEW, user.pk])

    assert email_of(user) == NEW


def test_support_changes_an_email_in_the_admin_a_moderator_cannot():
    user = UserFactory(email=OLD)
    moderator = UserFactory(staff=True)
    moderator.groups.add(Group.objects.get(name=MODERATORS))
    support = UserFactory(staff=True)
    support.groups.add(Group.objects.get(name=SUPPORT))

    with acting_as(moderator), refused_column("email"):
        execute("UPDATE users SET email = %s WHERE id = %s", [NEW, user.pk])
    client = Client()
    client.force_login(support)
    page = client.get(reverse("admin:accounts_user_change", args=[user.pk]))
    form = page.context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if name in form.fields and value is not None and name not in ("password", "preferences")
    }
    data.update(
        {
            "email": NEW,
            "preferences": "{}",
            "profile-TOTAL_FORMS": "1",
            "profile-INITIAL_FORMS": "0",
            "profile-MIN_NUM_FORMS": "0",
            "profile-MAX_NUM_FORMS": "1",
        }
    )
    data = {k: v for k, v in data.items() if not isinstance(v, list | tuple)}
    response = client.post(reverse("admin:accounts_user_change", args=[user.pk]), data)

    assert response.status_code == 302, response.content[:3000]
    assert email_of(user) == NEW
    run_queued(send_notification)
    [told] = emails_to(OLD)
    assert f"our staff moved your Havre account from {OLD} to {NEW}" in told.body


def test_staff_saving_a_user_without_changing_the_address_sends_nothing():
    user = UserFactory(email=OLD)
    support = UserFactory(staff=True, permissions=["accounts.change_user"])
    moderator = UserFactory(staff=True, permissions=["accounts.moderate_user"])

    services.user_email_changed_by_staff(user=user, old_email=OLD.upper(), actor=support)
    assert not Notification.objects.filter(kind="email_changed").exists()
    with pytest.raises(PermissionDenied):
        services.user_email_changed_by_staff(user=user, old_email="x@example.com", actor=moderator)


def test_the_service_refuses_anyone_but_the_holder():
    user, other = UserFactory(email=OLD), UserFactory()

    with pytest.raises(PermissionDenied):
        services.email_change_request(
            user=user, current_password=DEFAULT_PASSWORD, new_email=NEW, actor=other
        )
