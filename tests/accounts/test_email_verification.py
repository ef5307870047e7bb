"""Registration that shows no account, e-mail verification and its resend (issue 15): the API,
the services, the token, the rule that publishing and booking need a verified address, the
admin's resend action and the development command."""

import datetime as dt
import io
import json
import statistics
import time

import pytest
from django.contrib.auth.models import Group
from django.contrib.auth.tokens import default_token_generator
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts import services
from apps.accounts.email_verification import (
    email_verification_token,
    uid_of,
    user_id_of,
    verification_link,
)
from apps.accounts.groups import MODERATORS, SUPPORT
from apps.accounts.models import User
from apps.core.context import DbContext, db_context
from apps.core.errors import PermissionDenied
from apps.listings.models import ListingStatus
from apps.notifications.emails import build_email
from apps.notifications.models import Notification
from tests.factories import ListingFactory, UserFactory
from tests.factories.accounts import DEFAULT_PASSWORD, TenantFactory
from tests.helpers import client_for, error

pytestmark = pytest.mark.django_db
REGISTER = "/api/v1/auth/register/"
VERIFY = "/api/v1/auth/email/verify/"
RESEND = "/api/v1/auth/email/verify/resend/"


def sign_up_body(email: str) -> dict:
    return {"email": email, "password": "a-long-passphrase", "name": "Ana"}


def notifications(kind: str, **filters) -> list[Notification]:
    return list(Notification.objects.filter(kind=kind, **filters).order_by("id"))


def verify(client, user, token=None):
    body = {"uid": uid_of(user), "token": token or email_verification_token.make_token(user)}
    return client.post(VERIFY, body, format="json")


# --- registration shows no account ----------------------------------------------------------


def test_a_new_address_gets_an_unverified_account_and_a_verification_email():
    response = APIClient().post(REGISTER, sign_up_body("ana@example.com"), format="json")

    assert response.status_code == 202, response.content
    assert set(response.json()) == {"detail"} and "mailbox" in response.json()["detail"]
    user = User.objects.get(email="ana@example.com")
    assert user.email_verified_at is None and user.check_password("a-long-passphrase")
    [sent] = notifications("email_verification", recipient=user)
    # Nothing secret is stored: the link is made when the e-mail is built.
    assert sent.data == {}


def test_a_taken_address_changes_nothing_and_tells_its_owner():
    owner = UserFactory(email="ana@example.com", name="Ana Original")
    before = User.objects.values().get(pk=owner.pk)

    response = APIClient().post(
        REGISTER, {**sign_up_body("ANA@example.com"), "role": "owner"}, format="json"
    )

    assert response.status_code == 202, response.content
    assert User.objects.filter(email__iexact="ana@example.com").count() == 1
    assert User.objects.values().get(pk=owner.pk) == before  # no password, name or role change
    [attempt] = notifications("sign_up_attempt", recipient=owner)
    assert set(attempt.data) == {"attempted_at"}
    assert notifications("email_verification") == []


def test_a_stranger_repeating_the_sign_up_sends_the_owner_one_email_an_hour():
    owner = UserFactory()
    now = timezone.now().replace(minute=0, second=0)

    def attempt(at):
        services.user_sign_up(
            email=owner.email, password="a-long-passphrase", name="X", role="guest",
            tenant_id=owner.tenant_id, now=at,
        )  # fmt: skip

    for minutes in (1, 20, 59):
        attempt(now + dt.timedelta(minutes=minutes))
    attempt(now + dt.timedelta(minutes=61))

    assert len(notifications("sign_up_attempt", recipient=owner)) == 2


def answer_of(response) -> tuple:
    """What a client can compare between two answers: status, body and headers but the
    request's own id."""
    headers = sorted((k, v) for k, v in response.headers.items() if k.lower() != "x-request-id")
    return response.status_code, response.content, tuple(headers)


def test_new_and_taken_addresses_get_the_same_answer_in_about_the_same_time(settings):
    # The production hasher: the password hash is what both paths must pay for alike.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.PBKDF2PasswordHasher"]
    UserFactory(email="taken@example.com")
    client = APIClient()
    rounds = 7

    def timed(email):
        started = time.perf_counter()
        response = client.post(REGISTER, sign_up_body(email), format="json")
        return time.perf_counter() - started, response

    client.post(REGISTER, sign_up_body("warm-up@example.com"), format="json")
    new, taken = [], []
    for n in range(rounds):  # alternated: a shared machine's load falls on both alike
        new.append(timed(f"new-{n}@example.com"))
        taken.append(timed("taken@example.com"))

    answers = {answer_of(response) for _, response in new + taken}
    assert len(answers) == 1, answers
    assert answers.pop()[0] == 202
    new_median = statistics.median(seconds for seconds, _ in new)
    taken_median = statistics.median(seconds for seconds, _ in taken)
    # Both are one PBKDF2 hash plus a few writes: measured 0.29 s and 0.33 s (ratio 1.13),
    # 0.60 s and 0.52 s (0.88) on the shared 2-core machine. Without the hash on the taken path
    # it was 0.75 s against 0.02 s (0.03): the tolerance has room for a loaded machine only.
    ratio = taken_median / new_median
    print(f"register medians: new {new_median:.3f} s, taken {taken_median:.3f} s ({ratio:.2f})")  # noqa: T201
    assert 0.5 < ratio < 1.5, (new_median, taken_median)


def test_invalid_input_is_still_a_400_naming_the_field():
    fields = error(
        APIClient().post(REGISTER, {**sign_up_body("x@example.com"), "password": "123"}),
        400,
        "invalid",
    )

    assert "password" in fields
    assert not User.objects.filter(email="x@example.com").exists()


def test_the_sign_up_language_is_kept_for_the_first_emails():
    APIClient().post(
        REGISTER, sign_up_body("lea@example.com"), format="json", HTTP_ACCEPT_LANGUAGE="fr"
    )

    user = User.objects.get(email="lea@example.com")
    assert user.preferences == {"language": "fr"}
    [sent] = notifications("email_verification", recipient=user)
    assert build_email(sent).subject == "Vérifiez votre adresse e-mail pour Havre"


# --- verification -----------------------------------------------------------------------------


def test_the_emailed_link_verifies_the_address_once():
    APIClient().post(REGISTER, sign_up_body("ana@example.com"), format="json")
    user = User.objects.get(email="ana@example.com")
    [sent] = notifications("email_verification", recipient=user)
    email = build_email(sent)
    link = email.body.split("http://localhost:8000/verify-email?")[1].split()[0]
    params = dict(part.split("=", 1) for part in link.split("&"))

    first = APIClient().post(VERIFY, params, format="json")
    again = APIClient().post(VERIFY, params, format="json")

    assert first.status_code == 204, first.content
    user.refresh_from_db()
    assert user.email_verified_at is not None
    assert error(again, 400, "invalid_token") == {"token": [again.json()["error"]["message"]]}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"uid": "!!", "token": "abc-def"}, "uid"),
        ({"uid": "MA", "token": "abc-def"}, "uid"),  # "0"
        ({"uid": "OTk5OTk5OTk5OTk5OTk5OTk5OTk5", "token": "abc-def"}, "uid"),  # > bigint
        ({"uid": "OTk5OTk5", "token": "abc-def"}, "token"),  # no user 999999
        ({"token": "abc-def"}, "uid"),
        ({"uid": "MQ", "token": "x" * 129}, "token"),
    ],
)
def test_a_malformed_link_is_a_400_naming_its_field(body, field):
    response = APIClient().post(VERIFY, body, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json()["error"]["fields"]


def test_wrong_tokens_are_refused_and_change_nothing():
    user = UserFactory(unverified=True)
    other = UserFactory(unverified=True)
    client = APIClient()

    for token in (
        "abc-def",
        "zzzzzzzzzzzzzz-0",
        email_verification_token.make_token(other),  # another user's
        default_token_generator.make_token(user),  # a password-reset token: another key
    ):
        error(verify(client, user, token), 400, "invalid_token")

    user.refresh_from_db()
    assert user.email_verified_at is None


def test_a_link_expires_after_email_verification_timeout(settings, monkeypatch):
    settings.EMAIL_VERIFICATION_TIMEOUT = dt.timedelta(hours=1)
    user = UserFactory(unverified=True)
    token = email_verification_token.make_token(user)
    later = email_verification_token._now() + dt.timedelta(hours=1, minutes=1)
    monkeypatch.setattr(email_verification_token, "_now", lambda: later)

    error(verify(APIClient(), user, token), 400, "invalid_token")


def test_a_link_for_a_former_address_no_longer_works():
    user = UserFactory(unverified=True)
    token = email_verification_token.make_token(user)
    User.objects.filter(pk=user.pk).update(email="new-address@example.com")

    error(verify(APIClient(), user, token), 400, "invalid_token")


def test_the_uid_is_the_users_id():
    user = UserFactory()

    assert user_id_of(uid_of(user)) == user.pk
    assert user_id_of("") is None and user_id_of("-1") is None


# --- resend -----------------------------------------------------------------------------------


def test_resend_answers_alike_and_emails_only_an_unverified_account():
    unverified = UserFactory(unverified=True)
    verified = UserFactory()
    inactive = UserFactory(unverified=True, is_active=False)
    client = APIClient()

    answers = {
        email: client.post(RESEND, {"email": email}, format="json")
        for email in (unverified.email, verified.email, inactive.email, "nobody@example.com")
    }

    assert {answer_of(response) for response in answers.values()} == {
        answer_of(answers[unverified.email])
    }
    assert answers[unverified.email].status_code == 202
    assert [n.recipient_id for n in notifications("email_verification")] == [unverified.pk]


def test_resend_sends_at_most_one_email_per_window():
    user = UserFactory(unverified=True)
    now = timezone.now().replace(minute=0, second=0)

    for minutes in (0, 1, 4, 5):
        at = now + dt.timedelta(minutes=minutes)
        services.email_verification_resend(email=user.email, now=at)

    assert len(notifications("email_verification", recipient=user)) == 2


def test_resend_refuses_a_malformed_address():
    fields = error(APIClient().post(RESEND, {"email": "not-an-address"}), 400, "invalid")

    assert list(fields) == ["email"]


# --- what needs a verified address --------------------------------------------------------------


def book(user, listing):
    check_in = timezone.localdate() + dt.timedelta(days=10)
    return client_for(user).post(
        "/api/v1/bookings/",
        {
            "listing": listing.pk,
            "check_in": check_in.isoformat(),
            "check_out": (check_in + dt.timedelta(days=2)).isoformat(),
            "guests": 1,
        },
        format="json",
    )


def test_an_unverified_guest_cannot_request_a_booking_until_verified():
    listing = ListingFactory()
    guest = UserFactory(unverified=True)

    error(book(guest, listing), 403, "email_not_verified")
    assert not listing.bookings.exists()

    assert verify(APIClient(), guest).status_code == 204
    guest.refresh_from_db()
    assert book(guest, listing).status_code == 201


def test_an_unverified_owner_cannot_publish_until_verified():
    owner = UserFactory(owner=True, unverified=True)
    listing = ListingFactory(owner=owner, status=ListingStatus.DRAFT)
    publish = f"/api/v1/listings/{listing.pk}/publish/"

    error(client_for(owner).post(publish), 403, "email_not_verified")
    listing.refresh_from_db()
    assert listing.status == ListingStatus.DRAFT

    assert verify(APIClient(), owner).status_code == 204
    assert client_for(User.objects.get(pk=owner.pk)).post(publish).status_code == 200


def test_staff_publish_an_unverified_owners_listing_on_their_behalf():
    listing = ListingFactory(owner=UserFactory(owner=True, unverified=True), status="draft")
    moderator = UserFactory(staff=True, permissions=["listings.moderate_listing"])

    assert client_for(moderator).post(f"/api/v1/listings/{listing.pk}/publish/").status_code == 200


def test_with_require_verified_email_off_unverified_users_publish_and_book(settings):
    settings.REQUIRE_VERIFIED_EMAIL = False
    owner = UserFactory(owner=True, unverified=True)
    listing = ListingFactory(owner=owner, status=ListingStatus.DRAFT)

    assert client_for(owner).post(f"/api/v1/listings/{listing.pk}/publish/").status_code == 200
    assert book(UserFactory(unverified=True), listing).status_code == 201


# --- the admin's action and the development command ----------------------------------------------


def staff_in(group):
    user = UserFactory(staff=True)
    user.groups.add(Group.objects.get(name=group))
    return user


def browser(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_support_resends_the_verification_email_from_the_admin():
    unverified, verified = UserFactory(unverified=True), UserFactory()
    client = browser(staff_in(SUPPORT))

    response = client.post(
        "/admin/accounts/user/",
        {"action": "send_verification_email", "_selected_action": [unverified.pk, verified.pk]},
        follow=True,
    )

    assert response.status_code == 200
    assert "Sent a verification e-mail to 1 of 2 selected." in response.content.decode()
    assert [n.recipient_id for n in notifications("email_verification")] == [unverified.pk]
    # Again at once: staff's resend is not held back by the window.
    client.post(
        "/admin/accounts/user/",
        {"action": "send_verification_email", "_selected_action": [unverified.pk]},
    )
    assert len(notifications("email_verification", recipient=unverified)) == 2


def test_staff_without_accounts_change_user_have_no_resend_action():
    target = UserFactory(unverified=True)
    moderator = staff_in(MODERATORS)

    page = browser(moderator).get("/admin/accounts/user/")
    assert "send_verification_email" not in page.content.decode()
    with pytest.raises(PermissionDenied):
        services.users_send_verification(users=User.objects.filter(pk=target.pk), actor=moderator)
    assert notifications("email_verification") == []


def test_verification_link_prints_the_verify_body(settings):
    settings.DEBUG = True
    user = UserFactory(unverified=True)
    out = io.StringIO()

    call_command("verification_link", user.email.upper(), stdout=out)

    body = json.loads(out.getvalue())
    assert set(body) == {"uid", "token"}
    assert APIClient().post(VERIFY, body, format="json").status_code == 204


def test_verification_link_prints_the_url_and_refuses_what_it_cannot_do(settings):
    settings.DEBUG = True
    user, verified = UserFactory(unverified=True), UserFactory()
    out = io.StringIO()

    call_command("verification_link", user.email, "--url", stdout=out)
    assert out.getvalue().startswith(f"http://localhost:8000/verify-email?uid={uid_of(user)}&")
    with pytest.raises(CommandError, match="No user"):
        call_command("verification_link", "nobody@example.com")
    with pytest.raises(CommandError, match="verified already"):
        call_command("verification_link", verified.email)


def test_verification_link_is_refused_with_debug_off_unless_forced(settings):
    settings.DEBUG = False
    user = UserFactory(unverified=True)

    with pytest.raises(CommandError, match="DEBUG off"):
        call_command("verification_link", user.email)
    out = io.StringIO()
    call_command("verification_link", user.email, "--force", stdout=out)
    assert set(json.loads(out.getvalue())) == {"uid", "token"}


# --- the e-mails ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "subject", "greeting"),
    [
        ("en", "Verify your e-mail address for Havre", "Hello Ana,"),
        ("fr", "Vérifiez votre adresse e-mail pour Havre", "Bonjour Ana,"),
    ],
)
def test_the_verification_email_speaks_the_users_language(language, subject, greeting):
    user = UserFactory(name="Ana", unverified=True, preferences={"language": language})
    with db_context(DbContext.system("tests")):
        services.email_verification_send(user=user)
    [sent] = notifications("email_verification", recipient=user)

    email = build_email(sent)

    assert email.subject == subject and email.body.startswith(greeting)
    [(html, _mimetype)] = email.alternatives
    url = verification_link(user)["url"].rsplit("&token=", 1)[0]
    assert url in email.body and url.replace("&", "&amp;") in html


def test_the_sign_up_attempt_email_speaks_french_too():
    owner = UserFactory(name="Ana", preferences={"language": "fr"})
    services.user_sign_up(
        email=owner.email, password=DEFAULT_PASSWORD, name="X", role="guest",
        tenant_id=owner.tenant_id,
    )  # fmt: skip
    [attempt] = notifications("sign_up_attempt", recipient=owner)

    email = build_email(attempt)

    assert email.subject == "Quelqu'un a tenté de s'inscrire sur Havre avec votre adresse"
    assert "Bonjour Ana," in email.body and owner.email in email.body


def test_a_sign_up_losing_the_race_for_its_address_ends_on_the_taken_path(monkeypatch):
    """Two sign-ups of one new address: the second looked before the first committed, so its
    INSERT meets users_email_ci_unique; it answers as for a taken address, without a 409."""
    first = UserFactory(email="race@example.com", tenant=TenantFactory(slug="elsewhere"))
    real_lookup = services._user_with_email
    lookups = []

    def lookup(email):
        lookups.append(email)
        # The first look-up ran before the other sign-up committed.
        return None if len(lookups) == 1 else real_lookup(email)

    monkeypatch.setattr(services, "_user_with_email", lookup)

    response = APIClient().post(REGISTER, sign_up_body("RACE@example.com"), format="json")

    assert response.status_code == 202, response.content
    assert User.objects.filter(email__iexact="race@example.com").count() == 1
    assert [n.recipient_id for n in notifications("sign_up_attempt")] == [first.pk]
    assert len(lookups) == 2  # the INSERT was refused, and the address looked up again


def test_the_caller_sees_whether_their_address_is_verified():
    user = UserFactory(unverified=True)
    client = client_for(user)

    assert client.get("/api/v1/users/me/").json()["email_verified_at"] is None
    assert verify(APIClient(), user).status_code == 204
    assert client.get("/api/v1/users/me/").json()["email_verified_at"] is not None
