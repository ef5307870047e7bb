from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotificationsConfig(AppConfig):
    name = "apps.notifications"
    label = "notifications"
    verbose_name = _("Notifications")

    def ready(self):
        from apps.notifications.kinds import NotificationKind, register

        # `manage.py send_test_email`: checks that e-mail leaves, whatever the preferences (and
        # is no news for the inbox).
        register(
            NotificationKind("test_email", label=_("Test e-mails"), security=True, in_app=False)
        )
