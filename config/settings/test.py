import os

from .base import *  # noqa: F403
from .base import logging_config

DEBUG = False
# Hashing with PBKDF2 costs ~100 ms per password; tests create hundreds of users.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Uploads on the filesystem, in a directory of the tests' own, whatever a developer's .env
# says (the S3 tests start their own server: tests/listings/test_photo_storage.py).
STORAGES = {
    **STORAGES,  # noqa: F405
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

MEDIA_ROOT = str(BASE_DIR / "var" / "test-media")  # noqa: F405

# The suite's dates and times are UTC's, as before TIME_ZONE became the admin's zone: a test
# computing "today" as Django's local date then agrees with PostgreSQL at every hour. Tests of
# the site's zone set it themselves (tests/core/test_admin_readability.py, tests/e2e).
TIME_ZONE = "UTC"

# Serve static files from the apps (finders) without collectstatic.
WHITENOISE_AUTOREFRESH = True

# Throttling has its own tests, which set their rates; everything else must not trip it.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,  # noqa: F405
    "DEFAULT_THROTTLE_RATES": {"anon": "100000/min", "user": "100000/min", "auth": "100000/min"},
}

# --- Cache and throttling: counters of this test database only -----------------------------
# Other checkouts' suites (and xdist workers) share the machine's Redis: keys carry the test
# database's name, and the tests clear their own prefix only (tests/conftest.py).
_database = DATABASES["default"]  # noqa: F405
_test_database = _database["TEST"]["NAME"] or f"test_{_database['NAME']}"
CACHES["default"]["KEY_PREFIX"] = ":".join(  # noqa: F405
    filter(None, [_test_database, os.environ.get("PYTEST_XDIST_WORKER")])
)
# The limiter has its own tests, which set their limits; everything else must not trip it.
LOGIN_FAILURE_LIMIT = LOGIN_FAILURE_IP_LIMIT = 100000

# The tests read the JSON lines (tests/core/test_logging.py), whatever a developer's .env says.
LOG_FORMAT = "json"
LOGGING = logging_config(fmt=LOG_FORMAT, level=LOG_LEVEL)  # noqa: F405

# The suite asserts messages in English unless a test asks for another language
# (Accept-Language, preferences.language: tests/i18n/); the product's default is French.
LANGUAGE_CODE = "en"
