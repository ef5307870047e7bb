from django.urls import path

from apps.accounts.api import views
from apps.core.api import routers  # noqa: F401 (registers the <id:...> path converter)

urlpatterns = [
    path("auth/register/", views.RegisterView.as_view(), name="auth-register"),
    path("auth/email/verify/", views.EmailVerifyView.as_view(), name="auth-email-verify"),
    path(
        "auth/email/verify/resend/",
        views.EmailVerificationResendView.as_view(),
        name="auth-email-verify-resend",
    ),
    path("auth/token/", views.TokenView.as_view(), name="auth-token"),
    path("auth/tokens/", views.TokenListView.as_view(), name="auth-tokens"),
    path("auth/tokens/<id:token_id>/", views.TokenDetailView.as_view(), name="auth-token-detail"),
    path("auth/email/change/", views.EmailChangeView.as_view(), name="auth-email-change"),
    path(
        "auth/email/change/confirm/",
        views.EmailChangeConfirmView.as_view(),
        name="auth-email-change-confirm",
    ),
    path("users/me/", views.MeView.as_view(), name="users-me"),
    path("users/me/export/", views.ExportView.as_view(), name="users-me-export"),
    path("auth/password/change/", views.PasswordChangeView.as_view(), name="auth-password-change"),
    path("auth/password/reset/", views.PasswordResetView.as_view(), name="auth-password-reset"),
    path(
        "auth/password/reset/confirm/",
        views.PasswordResetConfirmView.as_view(),
        name="auth-password-reset-confirm",
    ),
]
