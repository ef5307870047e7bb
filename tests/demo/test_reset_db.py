"""`manage.py reset_db`: refuses by default what could hurt, and really rebuilds the database."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from apps.accounts.models import Tenant, User
from apps.core.context import DbContext, db_context
from apps.listings.models import Listing
from tests.factories import ListingFactory


def no_input(prompt: str) -> str:
    raise AssertionError(f"reset_db asked {prompt!r} although it had to refuse first")


@pytest.mark.django_db
@pytest.mark.parametrize("flags", [[], ["--noinput"], ["--no-seed", "--noinput"]])
def test_reset_refuses_when_debug_is_off(settings, monkeypatch, flags):
    settings.DEBUG = False
    listing = ListingFactory()
    monkeypatch.setattr("builtins.input", no_input)

    with pytest.raises(CommandError, match="DEBUG off"):
        call_command("reset_db", *flags)
    assert Listing.objects.filter(pk=listing.pk).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("debug", "flags"), [(True, []), (False, ["--force"])], ids=["debug", "forced"]
)
@pytest.mark.parametrize("answer", ["yes", "y", "", "havre"])
def test_reset_cancels_unless_the_database_name_is_typed(
    settings, monkeypatch, debug, flags, answer
):
    settings.DEBUG = debug
    listing = ListingFactory()
    prompts = []
    monkeypatch.setattr("builtins.input", lambda prompt: prompts.append(prompt) or answer)

    with pytest.raises(CommandError, match="cancelled"):
        call_command("reset_db", *flags)
    assert len(prompts) == 1 and connection.settings_dict["NAME"] in prompts[0]
    assert Listing.objects.filter(pk=listing.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_reset_drops_everything_then_migrates_and_seeds(settings, monkeypatch, capsys):
    """A real run, against the test database: its schema is dropped and rebuilt by the
    migrations (the default tenant and staff groups included), so later tests find it as new;
    the flush after this test then empties it like after any transactional test."""
    settings.DEBUG = True
    with db_context(DbContext.system("tests")):
        stray = ListingFactory(title="A listing that must disappear")
    monkeypatch.setattr("builtins.input", lambda prompt: connection.settings_dict["NAME"])

    call_command("reset_db")

    out = capsys.readouterr().out
    assert "dropped and recreated" in out and "migrations applied" in out
    with db_context(DbContext.system("tests")):
        assert not Listing.all_objects.filter(title=stray.title).exists()
        assert not User.objects.filter(pk=stray.owner_id).exists()
        assert Tenant.objects.filter(slug=settings.DEFAULT_TENANT_SLUG).exists()
        paris = Listing.objects.get(title="Appartement Paris Centre")
        assert paris.owner.email == "john@example.com"
        assert list(paris.versions.values_list("version", flat=True)) == [1]  # triggers are back
    with connection.cursor() as cursor:
        # The application still acts as the runtime role: without a context, row-level
        # security hides every listing.
        cursor.execute("SELECT current_user, (SELECT count(*) FROM listings)")
        assert cursor.fetchone() == (settings.DATABASE_APP_ROLE, 0)
