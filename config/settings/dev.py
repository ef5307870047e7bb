from .base import *  # noqa: F403
from .base import LOG_LEVEL, env, logging_config

DEBUG = env.bool("DEBUG", default=True)

# Lines for a person to read; LOG_FORMAT=json gives production's.
LOG_FORMAT = env("LOG_FORMAT", default="plain")
LOGGING = logging_config(fmt=LOG_FORMAT, level=LOG_LEVEL)
SENTRY_ENVIRONMENT = env("SENTRY_ENVIRONMENT", default="development")

# Serve static files from the apps (finders) without collectstatic.
WHITENOISE_AUTOREFRESH = True

# Logins and registrations: the README's session makes four, and a developer re-runs it (or
# logs in again and again from a client being written) several times a minute: 10/min would
# lock them out. 100/min by default here; THROTTLE_AUTH still sets it (e.g. to try the
# production rate). Production keeps base's 10/min.
REST_FRAMEWORK = {
    **REST_FRAMEWORK,  # noqa: F405
    "DEFAULT_THROTTLE_RATES": {
        **REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"],  # noqa: F405
        "auth": env("THROTTLE_AUTH", default="100/min"),
    },
}
