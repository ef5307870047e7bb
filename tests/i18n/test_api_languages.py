"""The API speaks the signed-in user's preferences.language, else Accept-Language, else
LANGUAGE_CODE; error codes stay English identifiers whatever the language."""

import datetime as dt

import pytest
from django.utils import timezone

from tests.db import acting_as, execute, refused
from tests.factories import BookingFactory, ListingFactory, UserFactory
from tests.helpers import client_for, error, token_client_for

pytestmark = pytest.mark.django_db
BOOKINGS = "/api/v1/bookings/"
TODAY = timezone.localdate()


def stay(listing, start: int, nights: int = 3) -> dict:
    return {
        "listing": listing.pk,
        "check_in": (TODAY + dt.timedelta(days=start)).isoformat(),
        "check_out": (TODAY + dt.timedelta(days=start + nights)).isoformat(),
        "guests": 1,
    }


def speaking(client, language: str | None):
    if language:
        client.defaults["HTTP_ACCEPT_LANGUAGE"] = language
    return client


def message(response) -> str:
    return response.json()["error"]["message"]


# (language, a validation error's message and field message, the conflict, the refusal)
EXPECTED = {
    "fr": (
        "Certains champs sont invalides.",
        "Le départ doit être postérieur à l'arrivée.",
        "Ces dates ne sont pas disponibles : elles touchent une autre réservation, une nuit "
        "bloquée par l'hôte ou les nuits de préparation entre deux séjours.",
        "Vous ne pouvez pas réserver votre propre annonce.",
    ),
    "en": (
        "Some fields are invalid.",
        "Check-out must be after check-in.",
        "These dates are not available: they touch another booking, a night the host "
        "blocked, or the preparation nights between stays.",
        "You cannot book your own listing.",
    ),
}


def assert_speaks(client, owner_client, language: str) -> None:
    invalid, field, conflict, refusal = EXPECTED[language]
    listing = ListingFactory()
    BookingFactory(listing=listing, check_in=TODAY + dt.timedelta(days=10),
                   check_out=TODAY + dt.timedelta(days=13), status="pending")  # fmt: skip

    backwards = client.post(BOOKINGS, {**stay(listing, 20), "check_out": stay(listing, 19)[
        "check_in"]}, format="json")  # fmt: skip
    assert error(backwards, 400, "invalid") == {"check_out": [field]}
    assert message(backwards) == invalid
    assert backwards["Content-Language"] == language

    overlapping = client.post(BOOKINGS, stay(listing, 12), format="json")
    error(overlapping, 409, "booking_conflict")
    assert message(overlapping) == conflict
    assert overlapping["Content-Language"] == language

    own = ListingFactory(owner=owner_client.user)
    refused = owner_client.client.post(BOOKINGS, stay(own, 30), format="json")
    error(refused, 403, "permission_denied")
    assert message(refused) == refusal
    assert refused["Content-Language"] == language


class Caller:
    def __init__(self, user, client):
        self.user, self.client = user, client


@pytest.mark.parametrize("language", ["fr", "en"])
def test_accept_language_chooses_the_language_of_errors(language):
    guest, owner = UserFactory(), UserFactory(role="owner")
    client = speaking(client_for(guest), language)
    owner_caller = Caller(owner, speaking(client_for(owner), language))

    assert_speaks(client, owner_caller, language)


@pytest.mark.parametrize(("preferred", "accepted"), [("fr", "en"), ("en", "fr")])
@pytest.mark.parametrize("authenticate", [client_for, token_client_for], ids=["session", "bearer"])
def test_the_users_preference_wins_over_accept_language(preferred, accepted, authenticate):
    guest = UserFactory(preferences={"language": preferred, "theme": "dark"})
    owner = UserFactory(role="owner", preferences={"language": preferred})
    client = speaking(authenticate(guest), accepted)
    owner_caller = Caller(owner, speaking(authenticate(owner), accepted))

    assert_speaks(client, owner_caller, preferred)


def test_a_user_without_preference_gets_accept_language_then_the_default(settings):
    settings.LANGUAGE_CODE = "fr"
    guest = UserFactory(preferences={"theme": "dark"})

    for accepted, spoken in [("en-GB,en;q=0.9", "en"), ("de", "fr"), (None, "fr")]:
        response = speaking(token_client_for(guest), accepted).post(BOOKINGS, {}, format="json")
        error(response, 400, "invalid")
        assert response["Content-Language"] == spoken
        assert message(response) == EXPECTED[spoken][0]


def test_responses_vary_on_accept_language_and_on_the_user_when_their_preference_speaks():
    anonymous = speaking(client_for(), "en").get("/api/v1/amenities/")
    assert "Accept-Language" in anonymous["Vary"]
    assert "Authorization" not in anonymous["Vary"]

    user = UserFactory(preferences={"language": "fr"})
    personal = speaking(token_client_for(user), "en").get("/api/v1/amenities/")
    assert personal["Content-Language"] == "fr"
    vary = {part.strip() for part in personal["Vary"].split(",")}
    assert {"Accept-Language", "Authorization", "Cookie"} <= vary


def test_an_unknown_token_is_refused_in_the_accept_language():
    client = speaking(client_for(), "fr")
    client.credentials(HTTP_AUTHORIZATION="Bearer hvr_unknown")

    response = client.get(BOOKINGS)

    error(response, 401, "not_authenticated")
    assert message(response) == "Jeton invalide ou révoqué."


def test_django_and_drf_messages_are_french_too():
    response = speaking(client_for(), "fr").get(BOOKINGS)  # anonymous: DRF's own message

    error(response, 401, "not_authenticated")
    assert message(response) == "Informations d'authentification non fournies."


# --- preferences.language -----------------------------------------------------------------


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_user_chooses_a_language_the_product_speaks(language):
    user = UserFactory()
    client = client_for(user)

    response = client.patch("/api/v1/users/me/", {"preferences": {"language": language}})

    assert response.status_code == 200, response.json()
    user.refresh_from_db()
    assert user.preferences == {"language": language}


@pytest.mark.parametrize("language", ["de", "fr-FR", "", None, 1, ["fr"]])
def test_any_other_language_is_a_field_error(language):
    user = UserFactory(preferences={"language": "en"})

    response = client_for(user).patch(
        "/api/v1/users/me/", {"preferences": {"language": language}}, format="json"
    )

    fields = error(response, 400, "invalid")
    assert fields == {"preferences": {"language": ["Choose one of: fr, en."]}}
    user.refresh_from_db()
    assert user.preferences == {"language": "en"}


@pytest.mark.parametrize("preferences", ['{"language": "de"}', '{"language": null}'])
def test_postgresql_refuses_any_other_language_in_raw_sql_as_app_user(preferences):
    user = UserFactory()

    with acting_as(user), refused("users_preferences_language_valid"):
        execute("UPDATE users SET preferences = %s::jsonb WHERE id = %s", [preferences, user.pk])
    with acting_as(user):
        execute("""UPDATE users SET preferences = '{"language": "en"}' WHERE id = %s""", [user.pk])
    user.refresh_from_db()
    assert user.preferences == {"language": "en"}


@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("fr", "Le texte ne peut contenir ni NUL (\\u0000) ni demi-code isolé (\\ud800-\\udfff)."),
        ("en", "Text may not contain NUL (\\u0000) or unpaired surrogates (\\ud800-\\udfff)."),
    ],
)
def test_input_refused_before_anyone_is_known_speaks_the_accept_language(language, text):
    """UnstorableInputMiddleware answers above LanguageMiddleware."""
    response = speaking(client_for(), language).get("/api/v1/listings/?city=a%00b")

    assert error(response, 400, "invalid") == {"city": {"0": [text]}}
    assert message(response) == text
    assert response["Content-Language"] == language
