"""Settings for the runserver that tests/core/test_commands.py starts: the test settings, with
two more views (tests/core/commands_probe_urls.py)."""

from config.settings.test import *  # noqa: F403

ROOT_URLCONF = "tests.core.commands_probe_urls"
ALLOWED_HOSTS = ["127.0.0.1"]
