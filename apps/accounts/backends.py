"""Authentication look-ups happen before anyone is known: they run as "system:auth"."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.utils import timezone

from apps.core.context import DbContext, db_context


class EmailBackend(ModelBackend):
    """Log in with the e-mail address, case-insensitively (see UserManager)."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        with db_context(DbContext.system("auth")):
            return super().authenticate(request, username=username, password=password, **kwargs)

    def get_user(self, user_id):
        with db_context(DbContext.system("auth")):
            return super().get_user(user_id)


def record_last_login(sender, user, **kwargs) -> None:
    with db_context(DbContext.system("auth")):
        get_user_model().objects.filter(pk=user.pk).update(last_login=timezone.now())
