from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import authenticate, logout, update_session_auth_hash
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, status
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response
from rest_framework.views import APIView

from apps.accounts import login_limits, selectors, services
from apps.accounts.api.serializers import (
    AcceptedSerializer,
    AccountEraseSerializer,
    EmailChangeConfirmSerializer,
    EmailChangeSerializer,
    EmailVerificationResendSerializer,
    EmailVerifySerializer,
    ExportQuerySerializer,
    ExportSerializer,
    PasswordChangeSerializer,
    PasswordResetConfirmSerializer,
    PasswordResetSerializer,
    RegisterAcceptedSerializer,
    RegisterSerializer,
    TokenCreatedSerializer,
    TokenRequestSerializer,
    TokenSerializer,
    UserSerializer,
)
from apps.accounts.errors import InvalidCredentials
from apps.accounts.models import ApiToken
from apps.core import context
from apps.core.api.serializers import ErrorSerializer
from apps.core.client_ip import client_ip

CHECK_YOUR_MAILBOX = gettext_lazy(
    "Thank you. Check your mailbox: we sent you a link to verify your address and finish "
    "signing up. Nothing arrived? Look in your spam folder, or ask for a new link."
)


def _accepted(request) -> Response:
    # One answer, new address or not: what registration and the resend say (no account shown).
    data = RegisterAcceptedSerializer({"detail": CHECK_YOUR_MAILBOX}).data
    return Response(data, status=status.HTTP_202_ACCEPTED)


class RegisterView(APIView):
    permission_classes = [permissions.AllowAny]
    throttle_scope = "auth"

    @extend_schema(
        summary="Register a new account",
        operation_id="auth_register",
        description="Answers 202 with the same body whether the address is new or already "
        "has an account, so that nobody learns which addresses are registered. A new "
        "address: the account is created (unverified) and a verification link e-mailed to "
        "it (POST /api/v1/auth/email/verify/ with its uid and token). A registered one: "
        "nothing changes, and its owner is told by e-mail that someone tried to sign up. "
        "Invalid input (a weak password, a malformed address) is still a 400 naming the field. "
        "The request's language (Accept-Language) becomes the new account's "
        "preferences.language, which its e-mails speak.",
        request=RegisterSerializer,
        responses={202: RegisterAcceptedSerializer},
    )
    def post(self, request):
        serializer = RegisterSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        tenant_id = context.current()["app.tenant_id"]
        services.user_sign_up(
            **serializer.validated_data,
            tenant_id=int(tenant_id),
            language=translation.get_language(),
        )
        return _accepted(request)


class EmailVerifyView(APIView):
    permission_classes = [permissions.AllowAny]
    throttle_scope = "auth"

    @extend_schema(
        summary="Verify an e-mail address",
        operation_id="auth_email_verify",
        description="The uid and token of the link e-mailed at registration (or by a resend). "
        "204: the address is verified. A link that is malformed, expired "
        "(EMAIL_VERIFICATION_TIMEOUT), already used, or made for an address the account no "
        "longer has answers 400 `invalid_token` naming `token` (`uid` when the uid is "
        "malformed).",
        request=EmailVerifySerializer,
        responses={204: None},
    )
    def post(self, request):
        serializer = EmailVerifySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.email_verify(**serializer.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)


class EmailVerificationResendView(APIView):
    permission_classes = [permissions.AllowAny]
    throttle_scope = "auth"

    @extend_schema(
        summary="Send a new verification link",
        operation_id="auth_email_verify_resend",
        description="Send `email` (signed in or not): when it is the address of an active, "
        "unverified account, a new link is e-mailed to it — at most one every five minutes. "
        "The answer is the same 202 in every case, so it tells nothing about accounts.",
        request=EmailVerificationResendSerializer,
        responses={202: RegisterAcceptedSerializer},
    )
    def post(self, request):
        serializer = EmailVerificationResendSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.email_verification_resend(email=serializer.validated_data["email"])
        return _accepted(request)


def _current_token_id(request) -> int | None:
    return request.auth.pk if isinstance(request.auth, ApiToken) else None


class TokenView(APIView):
    """POST exchanges e-mail and password for a new token (one per device); DELETE revokes
    the one the request is authenticated with."""

    throttle_scope = "auth"

    def get_permissions(self):
        if self.request.method == "POST":
            return [permissions.AllowAny()]
        return [permissions.IsAuthenticated()]

    @extend_schema(
        summary="Log in: a new token",
        operation_id="auth_login",
        description="Each call creates a token of its own (name it after the device), "
        "valid for API_TOKEN_TTL after its last use. The key is in this response only.",
        request=TokenRequestSerializer,
        # 503: the failed-login limiter cannot reach Redis (it fails closed).
        responses={201: TokenCreatedSerializer, 503: ErrorSerializer},
    )
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        email = serializer.validated_data["email"]
        with login_limits.attempt(request, email) as login:
            user = authenticate(
                request, username=email, password=serializer.validated_data["password"]
            )
            if user is None or not user.is_active:
                raise InvalidCredentials()
            login.succeeded()
        name = serializer.validated_data.get("name") or request.META.get("HTTP_USER_AGENT", "")
        token, key = services.token_create(
            user=user, name=name or "API client", ip=client_ip(request)
        )
        data = TokenCreatedSerializer(token, context={"key": key}).data
        return Response(data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Log out this token",
        operation_id="auth_logout",
        description="Revokes the token the request is authenticated with (nothing for a session).",
        request=None,
        responses={204: None},
    )
    def delete(self, request):
        token_id = _current_token_id(request)
        if token_id is not None:
            services.token_revoke(user=request.user, token_id=token_id, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TokenListView(GenericAPIView):
    """The caller's tokens (GET), or all of them revoked (DELETE: logged out everywhere)."""

    queryset = ApiToken.objects.none()  # for the schema; the selector serves requests
    serializer_class = TokenSerializer
    cursor_ordering = ("-created_at", "-id")

    @extend_schema(summary="The caller's tokens", responses={200: TokenSerializer(many=True)})
    def get(self, request):
        page = self.paginate_queryset(selectors.tokens_of(user=request.user))
        data = TokenSerializer(
            page, many=True, context={"current_token_id": _current_token_id(request)}
        ).data
        return self.get_paginated_response(data)

    @extend_schema(
        summary="Revoke all the caller's tokens",
        operation_id="auth_tokens_revoke_all",
        request=None,
        responses={204: None},
    )
    def delete(self, request):
        services.tokens_revoke_all(users=[request.user], actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TokenDetailView(APIView):
    @extend_schema(
        summary="Revoke one of the caller's tokens",
        operation_id="auth_tokens_revoke",
        description="404 `token_not_found` for an id that is not one of the caller's.",
        request=None,
        responses={204: None},
    )
    def delete(self, request, token_id: int):
        services.token_revoke(user=request.user, token_id=token_id, actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    def get_throttles(self):
        if self.request.method == "DELETE":
            self.throttle_scope = "auth"  # it checks a password: limited as a login is
        return super().get_throttles()

    @extend_schema(responses={200: UserSerializer})
    def get(self, request):
        return Response(UserSerializer(request.user).data)

    @extend_schema(
        request=UserSerializer,
        responses={200: UserSerializer},
        description="Partial update of the caller's account. Server-owned fields (id, email, "
        "role, is_verified, email_verified_at, tenant, timestamps) and unknown ones answer "
        "400 naming them; `password` is changed with POST /api/v1/auth/password/change/, "
        "`email` with POST /api/v1/auth/email/change/.",
    )
    def patch(self, request):
        serializer = UserSerializer(request.user, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        user = services.user_update(
            user=request.user, data=dict(serializer.validated_data), actor=request.user
        )
        return Response(UserSerializer(user).data)

    @extend_schema(
        summary="Erase the caller's account",
        operation_id="users_me_erase",
        description="Checks `password` (400 naming it when missing or wrong). Refused with 409 "
        "`upcoming_stays` while the caller has a confirmed stay, as guest or host, whose "
        "check-out is after today. Otherwise, in one transaction: the account's personal "
        'data is wiped (it shows as "deleted user" in the bookings, reviews and messages '
        "that stay for the other party), its listings are taken down, its pending requests "
        "cancelled, its tokens revoked, its sessions ended, its notifications deleted, and "
        "the audit log keeps who did what and when without the values "
        '(docs/security.md, "Erasure and retention").',
        request=AccountEraseSerializer,
        responses={204: None, 400: ErrorSerializer, 409: ErrorSerializer},
    )
    def delete(self, request):
        serializer = AccountEraseSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.user_erase(
            user=request.user, password=serializer.validated_data["password"], actor=request.user
        )
        if getattr(request, "session", None) is not None and request.session.session_key:
            logout(request)  # this browser's session; the others fail their auth hash
        return Response(status=status.HTTP_204_NO_CONTENT)


EXPORT_FORMAT = "havre.personal-data.v1"


class ExportView(APIView):
    """Everything Havre holds about the caller, as one JSON document to download."""

    @extend_schema(
        summary="Export the caller's personal data",
        operation_id="users_me_export",
        description="One JSON document (Content-Disposition: attachment), schema "
        f'`{EXPORT_FORMAT}` (docs/security.md, "Your data"): `sections` maps each '
        "section (account, api_tokens, notifications, audit_log, listings, bookings_as_guest, "
        "bookings_as_host, reviews_written, reviews_received, messages) to its `items`, "
        "oldest first, at most `page_size` of them; a longer section gives the URL of its "
        "next page in `next` (`?section=<name>&after=<id>`, which answers that section "
        "only). 400 naming `section` for an unknown one.",
        parameters=[ExportQuerySerializer],
        responses={200: ExportSerializer, 400: ErrorSerializer},
    )
    def get(self, request):
        query = ExportQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        section = query.validated_data.get("section")
        page_size = settings.PERSONAL_DATA_EXPORT_PAGE_SIZE
        try:
            sections = selectors.personal_data_export(
                user=request.user,
                page_size=page_size,
                section=section,
                after=query.validated_data.get("after", 0),
            )
        except selectors.UnknownExportSection:
            raise ValidationError(
                {"section": [_("Unknown section: choose one of the document's sections.")]}
            ) from None
        document = {
            "format": EXPORT_FORMAT,
            "generated_at": timezone.now(),
            "user_id": request.user.pk,
            "page_size": page_size,
            "sections": {
                name: {"items": part["items"], "next": self._next(request, name, part)}
                for name, part in sections.items()
            },
        }
        stamp = timezone.now().strftime("%Y%m%d")
        name = f"havre-data-{request.user.pk}-{stamp}" + (f"-{section}" if section else "")
        return Response(
            document, headers={"Content-Disposition": f'attachment; filename="{name}.json"'}
        )

    @staticmethod
    def _next(request, name: str, part: dict) -> str | None:
        if part["next_after"] is None:
            return None
        query = urlencode({"section": name, "after": part["next_after"]})
        return request.build_absolute_uri(f"{request.path}?{query}")


class PasswordChangeView(APIView):
    """The caller changes their password."""

    throttle_scope = "auth"

    @extend_schema(
        summary="Change the caller's password",
        operation_id="auth_password_change",
        description="Checks `current_password` (400 naming it when wrong) and validates "
        "`new_password` with the server's password rules (400 naming it). The token or "
        "session of this request stays valid; the caller's other tokens are revoked and "
        'their other sessions end. A "password changed" e-mail follows.',
        request=PasswordChangeSerializer,
        responses={204: None, 400: ErrorSerializer},
    )
    def post(self, request):
        serializer = PasswordChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.user_change_password(
            user=request.user,
            **serializer.validated_data,
            actor=request.user,
            current_token=request.auth,
        )
        update_session_auth_hash(request, user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PasswordResetView(APIView):
    """A forgotten password: a reset link to the account's address."""

    permission_classes = [permissions.AllowAny]
    throttle_scope = "auth"

    @extend_schema(
        summary="Ask for a password reset link",
        operation_id="auth_password_reset",
        description="202 with the same body whatever the address: whether it has an account "
        "is not told. An active account with a password gets an e-mail linking to "
        "PASSWORD_RESET_URL with `uid` and `token`, valid PASSWORD_RESET_TIMEOUT seconds "
        "and once; at most 5 such e-mails per account per hour.",
        request=PasswordResetSerializer,
        responses={202: AcceptedSerializer, 400: ErrorSerializer},
    )
    def post(self, request):
        serializer = PasswordResetSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.password_reset_request(email=serializer.validated_data["email"])
        data = {"detail": _("If an account has this address, a reset link is on its way.")}
        return Response(data, status=status.HTTP_202_ACCEPTED)


class PasswordResetConfirmView(APIView):
    """A reset link used: the new password."""

    permission_classes = [permissions.AllowAny]
    throttle_scope = "auth"

    @extend_schema(
        summary="Set a new password with a reset link",
        operation_id="auth_password_reset_confirm",
        description="`uid` and `token` come from the e-mailed link. 400 `invalid_reset_link` "
        "naming `uid` or `token` when the link is malformed, used, expired or not this "
        "account's; 400 naming `new_password` when it breaks the password rules. Every API "
        'token of the account is revoked and its sessions end; a "password changed" '
        "e-mail follows.",
        request=PasswordResetConfirmSerializer,
        responses={204: None, 400: ErrorSerializer},
    )
    def post(self, request):
        serializer = PasswordResetConfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.password_reset_confirm(**serializer.validated_data)
        return Response(status=status.HTTP_204_NO_CONTENT)


class EmailChangeView(APIView):
    """The caller asks to move their account to another e-mail address."""

    throttle_scope = "auth"

    @extend_schema(
        summary="Change the caller's e-mail address",
        operation_id="auth_email_change",
        description="Checks `current_password` (400 naming it), then e-mails a confirmation "
        "link (EMAIL_CHANGE_URL with `token`, valid EMAIL_CHANGE_TIMEOUT seconds, once) to "
        "`new_email`; the address changes only when the link is used. 400 naming `new_email` "
        "when it is already the caller's or cannot be used.",
        request=EmailChangeSerializer,
        responses={202: AcceptedSerializer, 400: ErrorSerializer},
    )
    def post(self, request):
        serializer = EmailChangeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.email_change_request(
            user=request.user, **serializer.validated_data, actor=request.user
        )
        data = {"detail": _("A confirmation link is on its way to the new address.")}
        return Response(data, status=status.HTTP_202_ACCEPTED)


class EmailChangeConfirmView(APIView):
    """The confirmation link used: the account takes the new address."""

    permission_classes = [permissions.AllowAny]
    throttle_scope = "auth"

    @extend_schema(
        summary="Confirm an e-mail change",
        operation_id="auth_email_change_confirm",
        description="`token` comes from the link e-mailed to the new address (no sign-in "
        "needed: the link proves the mailbox). 400 `invalid_email_change_link` naming `token` "
        "when it is forged, expired or used; 400 `email_unavailable` when another account "
        "took the address meanwhile. The old address is told of the change.",
        request=EmailChangeConfirmSerializer,
        responses={204: None, 400: ErrorSerializer},
    )
    def post(self, request):
        serializer = EmailChangeConfirmSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        services.email_change_confirm(token=serializer.validated_data["token"])
        return Response(status=status.HTTP_204_NO_CONTENT)
