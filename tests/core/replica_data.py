"""Run in a process of its own against the replication tests' private primary
(`manage.py shell -c "from tests.core.replica_data import main; main()"`): an owner with a
published listing and a draft, a signed-in session of theirs and an API key of a guest,
printed as one JSON object."""

import json

from django.conf import settings
from django.test import Client

from apps.accounts.models import Tenant
from apps.core import context
from tests.factories import ListingFactory, UserFactory
from tests.helpers import token_for


def main() -> None:
    with context.db_context(context.DbContext.system("tests")):
        # The copy of the suite's database may come right after a transactional test emptied
        # every table (tests/conftest.py puts the tenant back likewise).
        Tenant.objects.get_or_create(slug=settings.DEFAULT_TENANT_SLUG, defaults={"name": "Havre"})
        owner = UserFactory(owner=True)
        guest = UserFactory()
        published = ListingFactory(owner=owner, title="Quiet flat by the harbour")
        draft = ListingFactory(owner=owner, draft=True)
        token = token_for(guest)
    browser = Client()
    browser.force_login(owner)
    print(
        json.dumps(
            {
                "owner": owner.pk,
                "published": published.pk,
                "draft": draft.pk,
                "session": browser.cookies[settings.SESSION_COOKIE_NAME].value,
                "token": token,
            }
        )
    )
