"""Production settings (tests/gunicorn_settings.py) serving tests/core/failing_urls.py, for a
real gunicorn that must answer a 500."""

from tests.gunicorn_settings import *  # noqa: F403

ROOT_URLCONF = "tests.core.failing_urls"
