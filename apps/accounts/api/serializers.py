import json

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from apps.accounts.models import LANGUAGE_CHOICE_MESSAGE, ApiToken, Profile, User, UserRole
from apps.core.api.serializers import RejectUnknownFieldsMixin
from apps.core.i18n import language_codes
from apps.notifications import preferences as notification_preferences

PASSWORD_CHANGE_PATH = "/api/v1/auth/password/change/"  # noqa: S105 (a path, not a secret)
EMAIL_CHANGE_PATH = "/api/v1/auth/email/change/"


class ProfileSerializer(RejectUnknownFieldsMixin, serializers.ModelSerializer):
    class Meta:
        model = Profile
        fields = ["bio"]
        extra_kwargs = {"bio": {"max_length": 2000, "allow_null": True, "required": False}}


class UserSerializer(RejectUnknownFieldsMixin, serializers.ModelSerializer):
    """The caller's own account. Server-owned fields are read-only: sending one (or an unknown
    field) is a 400 naming it."""

    refused_fields = {
        "password": format_lazy(
            _("Change the password with POST {path} (current_password, new_password)."),
            path=PASSWORD_CHANGE_PATH,
        ),
        "email": format_lazy(
            _("Change the e-mail address with POST {path} (current_password, new_email)."),
            path=EMAIL_CHANGE_PATH,
        ),
    }

    profile = ProfileSerializer(required=False, allow_null=True)
    preferences = serializers.JSONField(required=False)
    # null, not "", for none (optional text is NULL): "" is refused here, under `country`.
    country = serializers.ChoiceField(
        choices=User._meta.get_field("country").choices,
        allow_null=True,
        required=False,
        help_text="ISO 3166-1 alpha-2 code, e.g. FR; null for none.",
        error_messages={
            "invalid_choice": _(
                '"{input}" is not an ISO 3166-1 alpha-2 country code (e.g. FR); send null for none.'
            )
        },
    )

    class Meta:
        model = User
        fields = [
            "id",
            "email",
            "name",
            "role",
            "phone",
            "date_of_birth",
            "profile_image",
            "is_verified",
            "email_verified_at",
            "street",
            "city",
            "postal_code",
            "country",
            "preferences",
            "tenant",
            "profile",
            "created_at",
            "updated_at",
        ]
        read_only_fields = [
            "id",
            "email",
            "role",
            "is_verified",
            "email_verified_at",
            "tenant",
            "created_at",
            "updated_at",
        ]

    def validate_preferences(self, value):
        if not isinstance(value, dict):
            raise serializers.ValidationError(_("Preferences are a JSON object."))
        if len(json.dumps(value)) > 10_000:
            raise serializers.ValidationError(_("Preferences are limited to 10 kB."))
        if "language" in value and value["language"] not in language_codes():
            # The language the API and the admin speak to this user (apps.core.i18n); the
            # database refuses any other value too (users_preferences_language_valid).
            raise serializers.ValidationError({"language": [LANGUAGE_CHOICE_MESSAGE]})
        if "notifications" in value:
            # E-mail on or off per kind (apps.notifications.preferences); the database checks
            # the shape too (users_preferences_notifications_valid).
            errors = notification_preferences.validation_errors(value["notifications"])
            if errors:
                raise serializers.ValidationError({"notifications": errors})
        return value


class RegisterSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    email = serializers.EmailField(max_length=255)
    password = serializers.CharField(
        write_only=True, max_length=128, style={"input_type": "password"}
    )
    name = serializers.CharField(max_length=100)
    role = serializers.ChoiceField(choices=UserRole.choices, default=UserRole.GUEST)

    def validate(self, attrs):
        candidate = User(email=attrs["email"], name=attrs["name"])
        try:
            validate_password(attrs["password"], user=candidate)
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"password": list(exc.messages)}) from exc
        return attrs


class RegisterAcceptedSerializer(serializers.Serializer):
    """What registration answers, the same whether the address was new or already had an
    account: the next step is in the mailbox."""

    detail = serializers.CharField(
        help_text="What to do next, in the request's language: follow the link e-mailed to the "
        "address."
    )


class EmailVerifySerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    """The two parameters of the link e-mailed to the address (EMAIL_VERIFY_URL)."""

    uid = serializers.CharField(max_length=64, help_text="The link's `uid` parameter.")
    token = serializers.CharField(max_length=128, help_text="The link's `token` parameter.")


class EmailVerificationResendSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    email = serializers.EmailField(max_length=255)


class PasswordChangeSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    """The caller's current password, and the new one (checked by user_change_password)."""

    current_password = serializers.CharField(
        write_only=True, max_length=128, style={"input_type": "password"}
    )
    new_password = serializers.CharField(
        write_only=True, max_length=128, style={"input_type": "password"}
    )


class PasswordResetSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    email = serializers.EmailField(
        max_length=255, help_text="The account's e-mail address: the link is sent there."
    )


class PasswordResetConfirmSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    """What the reset link carried (uid, token) and the new password."""

    uid = serializers.CharField(max_length=64, help_text="The link's `uid` parameter.")
    token = serializers.CharField(max_length=128, help_text="The link's `token` parameter.")
    new_password = serializers.CharField(
        write_only=True, max_length=128, style={"input_type": "password"}
    )


class EmailChangeSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    """The caller's password, and the address to move the account to."""

    current_password = serializers.CharField(
        write_only=True, max_length=128, style={"input_type": "password"}
    )
    new_email = serializers.EmailField(
        max_length=255, help_text="A confirmation link is sent there; nothing changes before."
    )


class EmailChangeConfirmSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    token = serializers.CharField(max_length=1000, help_text="The link's `token` parameter.")


class AcceptedSerializer(serializers.Serializer):
    """A request taken (202): what happens next, in a sentence (the same whatever the input,
    for a password reset)."""

    detail = serializers.CharField()


class TokenRequestSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    email = serializers.EmailField(max_length=255)
    password = serializers.CharField(max_length=128, style={"input_type": "password"})
    name = serializers.CharField(
        max_length=100,
        required=False,
        help_text="What this token is for, e.g. the device (default: the User-Agent).",
    )


class TokenSerializer(serializers.ModelSerializer):
    """A token as its owner sees it: never the key (it is not stored)."""

    current = serializers.SerializerMethodField(
        help_text="True for the token this request is authenticated with."
    )

    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "last_used_at", "expires_at", "current"]
        read_only_fields = fields

    def get_current(self, token) -> bool:
        return token.pk == self.context.get("current_token_id")


class TokenCreatedSerializer(serializers.ModelSerializer):
    """A token just issued, with its key (which the database does not have: context["key"])."""

    key = serializers.SerializerMethodField(
        help_text="Send it as `Authorization: Bearer <key>`. Shown this once: only a digest "
        "of it is kept.",
    )

    class Meta:
        model = ApiToken
        fields = ["id", "name", "key", "prefix", "created_at", "expires_at"]
        read_only_fields = fields

    def get_key(self, token) -> str:
        return self.context["key"]


class AccountEraseSerializer(RejectUnknownFieldsMixin, serializers.Serializer):
    """DELETE /api/v1/users/me/: the caller's password, to confirm."""

    password = serializers.CharField(
        write_only=True, max_length=128, style={"input_type": "password"}
    )


class ExportQuerySerializer(serializers.Serializer):
    section = serializers.CharField(
        required=False, max_length=50, help_text="One section only (to page through it)."
    )
    after = serializers.IntegerField(
        required=False,
        min_value=0,
        max_value=2**63 - 1,  # a bigint id (routers.MAX_ID, which cannot be imported here)
        help_text="With `section`: the rows after this id (a section's `next` link gives it).",
    )

    def validate(self, attrs):
        if "after" in attrs and "section" not in attrs:
            raise serializers.ValidationError({"after": [_("Give `section` with `after`.")]})
        return attrs


class ExportSectionSerializer(serializers.Serializer):
    items = serializers.ListField(child=serializers.DictField())
    next = serializers.URLField(
        allow_null=True, help_text="The section's next page, null when this is its end."
    )


class ExportSerializer(serializers.Serializer):
    format = serializers.CharField(help_text="havre.personal-data.v1")
    generated_at = serializers.DateTimeField()
    user_id = serializers.IntegerField()
    page_size = serializers.IntegerField(help_text="At most this many items per section.")
    sections = serializers.DictField(child=ExportSectionSerializer())
