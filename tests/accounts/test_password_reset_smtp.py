"""A forgotten password from end to end, with a real worker process and a real SMTP server: the
e-mail (text and HTML, in French for a French-speaking user who turned e-mails off) carries a
link whose uid and token set a new password once; old password and old tokens stop working;
expired links are refused; the password change and the security e-mails follow the same road."""

import datetime as dt

import pytest
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from rest_framework.test import APIClient

from apps.core.context import DbContext, db_context
from tests.accounts.recovery import CHANGE, CONFIRM, LOGIN, RESET, reset_link
from tests.factories import UserFactory
from tests.factories.accounts import DEFAULT_PASSWORD
from tests.helpers import token_for
from tests.jobs.workers import clear_queue, wait_for, workers
from tests.notifications.smtp import smtp_server

pytestmark = pytest.mark.django_db(transaction=True)
EMAIL = "lea@example.com"
NEW, NEWER = "a-brand-new-passphrase", "an-even-newer-passphrase"


@pytest.fixture(autouse=True)
def _empty_queue():
    clear_queue()
    yield
    clear_queue()


def bearer(key: str) -> APIClient:
    return APIClient(HTTP_AUTHORIZATION=f"Bearer {key}")


def login(password: str):
    return APIClient().post(LOGIN, {"email": EMAIL, "password": password}, format="json")


def received(mailbox, subject: str, count: int = 1):
    """The e-mails to Léa with this subject, once `count` of them arrived."""
    return wait_for(
        lambda: (
            (found := [m for m in mailbox.to(EMAIL) if m["Subject"] == subject])
            and len(found) >= count
            and found
        ),
        seconds=30,
        what=f"{count} e-mail(s) {subject!r}",
    )


def test_a_forgotten_password_by_email_through_a_worker(tmp_path, settings, monkeypatch):
    with db_context(DbContext.system("tests")):
        # Every e-mail turned off in her preferences: security e-mails come all the same.
        user = UserFactory(
            email=EMAIL,
            name="Léa",
            preferences={
                "language": "fr",
                "notifications": {
                    kind: {"email": False}
                    for kind in ("password_reset", "password_changed", "new_sign_in")
                },
            },
        )
    old_key = token_for(user, name="vieux téléphone")

    with smtp_server() as (mailbox, port):
        with workers(
            1,
            log_dir=tmp_path,
            EMAIL_URL=f"smtp://127.0.0.1:{port}",
            **{"PASSWORD_RESET_URL": "https://app.example/reset-password?uid={uid}&token={token}"},
        ):
            assert APIClient().post(RESET, {"email": EMAIL}, format="json").status_code == 202
            [message] = received(mailbox, "Réinitialisez votre mot de passe Havre")

            assert message.get_content_type() == "multipart/alternative"
            assert message["Content-Language"] == "fr"
            text = message.get_body(("plain",)).get_content()
            html = message.get_body(("html",)).get_content()
            assert text.startswith("Bonjour Léa,")
            uid, token = reset_link(message)
            link = f"https://app.example/reset-password?uid={uid}&amp;token={token}"
            assert f'<a href="{link}">Choisir un nouveau mot de passe</a>' in html

            confirmed = APIClient().post(
                CONFIRM, {"uid": uid, "token": token, "new_password": NEW}, format="json"
            )
            assert confirmed.status_code == 204, confirmed.content
            assert login(DEFAULT_PASSWORD).status_code == 400
            new_login = login(NEW)
            assert new_login.status_code == 201
            assert bearer(old_key).get("/api/v1/users/me/").status_code == 401
            again = APIClient().post(
                CONFIRM, {"uid": uid, "token": token, "new_password": NEWER}, format="json"
            )
            assert again.status_code == 400
            assert again.json()["error"]["code"] == "invalid_reset_link"
            received(mailbox, "Votre mot de passe Havre a été modifié")
            received(mailbox, "Nouvelle connexion à votre compte Havre", count=2)

            # A second link, used after PASSWORD_RESET_TIMEOUT (the generator's clock moved on).
            assert APIClient().post(RESET, {"email": EMAIL}, format="json").status_code == 202
            later = received(mailbox, "Réinitialisez votre mot de passe Havre", count=2)
            uid, token = reset_link(later[-1])
            made_at = PasswordResetTokenGenerator._now
            late = dt.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 1)
            monkeypatch.setattr(PasswordResetTokenGenerator, "_now", lambda g: made_at(g) + late)
            expired = APIClient().post(
                CONFIRM, {"uid": uid, "token": token, "new_password": NEWER}, format="json"
            )
            assert expired.status_code == 400
            assert list(expired.json()["error"]["fields"]) == ["token"]
            monkeypatch.undo()

            # The signed-in change: the caller's token stays, a second "changed" e-mail.
            key = new_login.json()["key"]
            changed = bearer(key).post(
                CHANGE, {"current_password": NEW, "new_password": NEWER}, format="json"
            )
            assert changed.status_code == 204
            assert bearer(key).get("/api/v1/users/me/").status_code == 200
            received(mailbox, "Votre mot de passe Havre a été modifié", count=2)

    assert login(NEWER).status_code == 201
    assert len({m["Message-ID"] for m in mailbox.to(EMAIL)}) == len(mailbox.to(EMAIL))
