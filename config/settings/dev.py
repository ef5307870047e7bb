from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DEBUG", default=True)

# Serve static files from the apps (finders) without collectstatic.
WHITENOISE_AUTOREFRESH = True
