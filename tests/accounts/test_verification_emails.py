"""The verification e-mail really leaves: registration, committed, reaches a real SMTP server
through a real worker process, in the new user's language, with a link whose uid and token
verify the address — and then the user may book. A taken address gets its owner a "someone
tried to sign up" e-mail instead, and no second account."""

import datetime as dt
import re
from urllib.parse import parse_qs, urlsplit

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts.models import User
from apps.core.context import DbContext, db_context
from tests.factories import ListingFactory
from tests.jobs.workers import clear_queue, owner_sql, wait_for, workers
from tests.notifications.smtp import smtp_server

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "a-long-passphrase"


@pytest.fixture(autouse=True)
def _empty_queue():
    clear_queue()
    yield
    clear_queue()


def link_of(text: str) -> dict[str, str]:
    [url] = re.findall(r"http://localhost:8000/verify-email\?[^\s\"<]+", text)
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


def users_with(email: str) -> int:
    with db_context(DbContext.system("tests")):
        return User.objects.filter(email__iexact=email).count()


def test_sign_up_verify_by_the_emailed_link_then_book(tmp_path):
    with db_context(DbContext.system("tests")):
        listing = ListingFactory()
        host = listing.owner
    client = APIClient()

    new = client.post(
        "/api/v1/auth/register/",
        {"email": "lea@example.com", "password": PASSWORD, "name": "Léa"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    taken = client.post(
        "/api/v1/auth/register/",
        {"email": host.email.upper(), "password": PASSWORD, "name": "Intruder"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="fr",
    )
    assert new.status_code == taken.status_code == 202
    assert new.json() == taken.json()

    with smtp_server() as (mailbox, port):
        with workers(1, log_dir=tmp_path, EMAIL_URL=f"smtp://127.0.0.1:{port}"):
            [verification] = wait_for(lambda: mailbox.to("lea@example.com"), what="the link")
            [attempt] = wait_for(lambda: mailbox.to(host.email), what="the owner's notice")

    # The new user's e-mail, in the language she signed up in.
    assert verification["Subject"] == "Vérifiez votre adresse e-mail pour Havre"
    assert verification.get_content_type() == "multipart/alternative"
    text = verification.get_body(("plain",)).get_content()
    html = verification.get_body(("html",)).get_content()
    assert text.startswith("Bonjour Léa,")
    params = link_of(text)
    assert set(params) == {"uid", "token"}
    assert link_of(html.replace("&amp;", "&")) == params
    # The token was made by the send job: no notification nor job argument holds it.
    stored = owner_sql("SELECT data::text FROM notifications") + owner_sql(
        "SELECT args::text FROM procrastinate_jobs"
    )
    assert stored and not [row for (row,) in stored if params["token"] in row]

    # The owner's notice, in theirs (none chosen: LANGUAGE_CODE), and no second account.
    assert attempt["Subject"] == "Someone tried to sign up at Havre with your address"
    assert host.email in attempt.get_body(("plain",)).get_content()
    assert users_with(host.email) == 1

    # Booking waits for the verification; the link's uid and token verify the address once.
    token = client.post(
        "/api/v1/auth/token/", {"email": "lea@example.com", "password": PASSWORD}, format="json"
    ).json()["key"]
    guest = APIClient()
    guest.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")
    check_in = timezone.localdate() + dt.timedelta(days=12)
    booking = {
        "listing": listing.pk,
        "check_in": check_in.isoformat(),
        "check_out": (check_in + dt.timedelta(days=2)).isoformat(),
        "guests": 1,
    }
    refused = guest.post("/api/v1/bookings/", booking, format="json")
    assert (refused.status_code, refused.json()["error"]["code"]) == (403, "email_not_verified")

    assert client.post("/api/v1/auth/email/verify/", params, format="json").status_code == 204
    assert client.post("/api/v1/auth/email/verify/", params, format="json").status_code == 400

    assert guest.post("/api/v1/bookings/", booking, format="json").status_code == 201
