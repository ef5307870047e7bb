import os

from django.core.asgi import get_asgi_application

from apps.core.db import timeouts

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.prod")

# This process serves requests: its connections get the web statement timeouts.
timeouts.serve_web()
application = get_asgi_application()
