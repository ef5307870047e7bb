import pytest
from django.core.management import CommandError, call_command

from apps.accounts.models import User
from apps.core.context import DbContext, db_context
from apps.listings.models import Listing
from tests.factories import ListingFactory


@pytest.mark.django_db
def test_reset_refuses_when_debug_is_off(settings):
    settings.DEBUG = False

    with pytest.raises(CommandError, match="DEBUG off"):
        call_command("reset_db", "--noinput")


@pytest.mark.django_db
def test_reset_cancels_without_the_typed_database_name(settings, monkeypatch):
    settings.DEBUG = True
    listing = ListingFactory()
    monkeypatch.setattr("builtins.input", lambda prompt: "yes")

    with pytest.raises(CommandError, match="cancelled"):
        call_command("reset_db")
    assert Listing.objects.filter(pk=listing.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_reset_drops_everything_then_migrates_and_seeds(settings, capsys):
    settings.DEBUG = True
    with db_context(DbContext.system("tests")):
        stray = ListingFactory(title="A listing that must disappear")

    call_command("reset_db", "--noinput")

    out = capsys.readouterr().out
    assert "dropped and recreated" in out and "migrations applied" in out
    with db_context(DbContext.system("tests")):
        assert not Listing.all_objects.filter(title=stray.title).exists()
        assert Listing.objects.filter(title="Appartement Paris Centre").exists()
        assert User.objects.filter(email="john@example.com").exists()
