from .base import *  # noqa: F403

DEBUG = False
# Hashing with PBKDF2 costs ~100 ms per password; tests create hundreds of users.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Serve static files from the apps (finders) without collectstatic.
WHITENOISE_AUTOREFRESH = True
