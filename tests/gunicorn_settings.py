"""The production settings, for servers the tests start (tests/gunicorn.py): everything as
deployed except the static files' manifest, which only `collectstatic` writes, and the default
language: the suite reads messages in English (config/settings/test.py)."""

from config.settings.prod import *  # noqa: F403

STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

LANGUAGE_CODE = "en"
