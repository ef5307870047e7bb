"""The admin site: Django's, with its login form behind the failed-login limiter."""

from django.contrib.admin import AdminSite
from django.contrib.admin.forms import AdminAuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.accounts import login_limits


class LimitedAdminAuthenticationForm(AdminAuthenticationForm):
    """Each check of a password counts on the account's and the address's failure counters;
    a locked account or address is refused before its password is looked at."""

    def clean(self):
        if not (self.cleaned_data.get("username") and self.cleaned_data.get("password")):
            return super().clean()  # the form's own "required" errors; nothing was checked
        try:
            with login_limits.attempt(self.request, self.cleaned_data["username"]) as login:
                cleaned_data = super().clean()
                login.succeeded()
        except (login_limits.LoginLocked, login_limits.LoginLimiterUnavailable) as refusal:
            # HavreAdminSite.login answers with the refusal's status and Retry-After.
            self.request.login_refusal = refusal
            message = self._refusal_message(refusal)
            raise ValidationError(message, code=refusal.default_code) from refusal
        return cleaned_data

    @staticmethod
    def _refusal_message(refusal) -> str:
        if isinstance(refusal, login_limits.LoginLocked):
            minutes = max(1, round(refusal.wait / 60))
            return ngettext(
                "Too many failed logins for this account or from this address. "
                "Try again in %(count)d minute.",
                "Too many failed logins for this account or from this address. "
                "Try again in %(count)d minutes.",
                minutes,
            ) % {"count": minutes}
        return _(
            "Logins are paused for a moment (the login limiter is unavailable). Try again soon."
        )


class HavreAdminSite(AdminSite):
    login_form = LimitedAdminAuthenticationForm
    # The app list beside every page took a quarter of a 1280 px screen from the changelists
    # (tests/e2e/test_admin_layout.py); the home page and the breadcrumbs lead everywhere.
    enable_nav_sidebar = False

    def login(self, request, extra_context=None):
        response = super().login(request, extra_context)
        refusal = getattr(request, "login_refusal", None)
        if refusal is not None:
            response.status_code = refusal.status_code
            response["Retry-After"] = str(refusal.wait)
        return response
