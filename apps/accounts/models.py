import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, PermissionsMixin
from django.contrib.auth.models import BaseUserManager as DjangoBaseUserManager
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Value
from django.db.models.expressions import Col
from django.db.models.functions import Now, Upper
from django.db.models.lookups import Exact, IExact
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from apps.core.countries import ISO_3166_ALPHA2
from apps.core.dates import EARLIEST_DATE, validate_date_of_birth
from apps.core.i18n import language_codes
from apps.core.models import TimeStampedModel


class Tenant(TimeStampedModel):
    name = models.CharField(max_length=100, verbose_name=_("name"))
    slug = models.SlugField(max_length=50, unique=True, verbose_name=_("slug"))
    settings = models.JSONField(default=dict, db_default={}, blank=True, verbose_name=_("settings"))

    class Meta:
        db_table = "tenants"
        verbose_name = _("tenant")
        verbose_name_plural = _("tenants")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


def default_tenant() -> Tenant:
    return Tenant.objects.get(slug=settings.DEFAULT_TENANT_SLUG)


# preferences.language: one of LANGUAGES' codes (the API and the admin speak it to the user).
LANGUAGE_CHOICE_MESSAGE = format_lazy(
    _("Choose one of: {choices}."), choices=", ".join(language_codes())
)


# An erased account's name, as stored (in English, the same in every language) and as shown
# to each reader in theirs (display_name).
ERASED_USER_NAME_STORED = "deleted user"
ERASED_USER_NAME = _("deleted user")


class UserRole(models.TextChoices):
    GUEST = "guest", _("Guest")
    OWNER = "owner", _("Owner")


class UserEmailField(models.EmailField):
    """The user's e-mail address, compared case-insensitively through `email_key`.

    `email__iexact=value` means UPPER(email) = UPPER(value), as for any field, but is written
    `email_key = UPPER(value)`: the same rows, found through the unique index on the stored
    column. Under row-level security PostgreSQL may use an index only for a condition made
    of LEAKPROOF functions; `upper()` is not one, so `UPPER(email) = ...` reads the whole table
    as app_user, while `email_key = <constant>` is a plain text equality (LEAKPROOF)."""


@UserEmailField.register_lookup
class EmailKeyIExact(IExact):
    def as_sql(self, compiler, connection):
        if not isinstance(self.lhs, Col):  # an expression over the e-mail: the general form
            return super().as_sql(compiler, connection)
        key = Col(self.lhs.alias, self.lhs.target.model._meta.get_field("email_key"))
        value = self.rhs if hasattr(self.rhs, "resolve_expression") else Value(self.rhs)
        return Exact(key, Upper(value)).as_sql(compiler, connection)


class UserManager(DjangoBaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, username):
        # Logins are case-insensitive: email_key's unique index serves this (UserEmailField).
        return self.get(email__iexact=username)

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An e-mail address is required.")
        extra_fields.setdefault("tenant", None)
        if extra_fields["tenant"] is None:
            extra_fields["tenant"] = default_tenant()
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        extra_fields.setdefault("name", "Administrator")
        return self._create_user(email, password, **extra_fields)


class User(AbstractBaseUser, PermissionsMixin, TimeStampedModel):
    """A person using Havre: guest or owner (host); staff are users with is_staff."""

    email = UserEmailField(max_length=255, verbose_name=_("email"))
    # UPPER(email), stored: what uniqueness and every case-insensitive look-up compare.
    email_key = models.GeneratedField(
        expression=Upper("email"),
        output_field=models.TextField(),
        db_persist=True,
        verbose_name=_("email key"),
    )
    name = models.CharField(max_length=100, verbose_name=_("name"))
    role = models.CharField(
        max_length=10, choices=UserRole.choices, default=UserRole.GUEST, verbose_name=_("role")
    )
    phone = models.CharField(
        max_length=20,
        blank=True,
        null=True,
        validators=[RegexValidator(r"^\+?[0-9 ().-]{6,20}$", _("Enter a valid phone number."))],
        verbose_name=_("phone"),
    )
    date_of_birth = models.DateField(
        null=True, blank=True, validators=[validate_date_of_birth], verbose_name=_("date of birth")
    )
    profile_image = models.URLField(
        max_length=255, null=True, blank=True, verbose_name=_("profile image")
    )
    is_verified = models.BooleanField(default=False, db_default=False, verbose_name=_("verified"))
    # When the user proved they read mail at `email` (a verification link); NULL: not yet, or
    # the address changed since (accounts.0013). Not is_verified: that is staff's moderation.
    email_verified_at = models.DateTimeField(
        null=True, blank=True, verbose_name=_("e-mail verified at")
    )
    last_login = models.DateTimeField(
        "last login", null=True, blank=True, db_column="last_login_at"
    )

    street = models.CharField(max_length=255, null=True, blank=True, verbose_name=_("street"))
    city = models.CharField(max_length=100, null=True, blank=True, verbose_name=_("city"))
    postal_code = models.CharField(
        max_length=10, null=True, blank=True, verbose_name=_("postal code")
    )
    country = models.CharField(
        max_length=2,
        null=True,
        blank=True,
        choices=sorted((code, code) for code in ISO_3166_ALPHA2),
        help_text=_("ISO 3166-1 alpha-2 code, e.g. FR."),
        verbose_name=_("country"),
    )
    preferences = models.JSONField(
        default=dict, db_default={}, blank=True, verbose_name=_("preferences")
    )

    is_staff = models.BooleanField(default=False, db_default=False, verbose_name=_("staff"))
    is_active = models.BooleanField(default=True, db_default=True, verbose_name=_("active"))
    # Set by user_erase (DELETE /api/v1/users/me/): the account's personal data is gone, its
    # bookings, reviews and messages stay, shown as by "deleted user" (display_name).
    erased_at = models.DateTimeField(null=True, blank=True, verbose_name=_("erased at"))
    tenant = models.ForeignKey(
        Tenant, on_delete=models.PROTECT, related_name="users", verbose_name=_("tenant")
    )

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        db_table = "users"
        verbose_name = _("user")
        verbose_name_plural = _("users")
        permissions = [("moderate_user", "Can verify and deactivate users")]
        constraints = [
            models.UniqueConstraint(
                fields=["email_key"],
                name="users_email_ci_unique",
                violation_error_message="A user with this e-mail address already exists.",
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=UserRole.values), name="users_role_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(country__in=sorted(ISO_3166_ALPHA2)),
                name="users_country_iso_3166_alpha2",
            ),
            # Not in the future either: a trigger (users_date_of_birth_in_past), since a CHECK
            # may only use immutable expressions.
            models.CheckConstraint(
                condition=models.Q(date_of_birth__gte=EARLIEST_DATE),
                name="users_date_of_birth_since_1900",
            ),
            # The language the API and the admin speak to the user (apps.core.i18n).
            models.CheckConstraint(
                condition=~models.Q(preferences__has_key="language")
                | models.Q(preferences__language__in=language_codes()),
                name="users_preferences_language_valid",
            ),
            # An erased account never logs in again (services.user_erase).
            models.CheckConstraint(
                condition=models.Q(erased_at__isnull=True) | models.Q(is_active=False),
                name="users_erased_is_inactive",
            ),
        ]
        indexes = [
            models.Index(fields=["role"], name="users_role_idx"),
            models.Index(fields=["created_at"], name="users_created_at_idx"),
            # The audit log's "user" filter lists staff by e-mail: a few rows among millions.
            models.Index(
                fields=["email"], condition=models.Q(is_staff=True), name="users_staff_email_idx"
            ),
        ]

    def __str__(self) -> str:
        return self.email

    @property
    def display_name(self) -> str:
        """The name other people see: "deleted user", in their language, once erased."""
        return str(ERASED_USER_NAME) if self.erased_at else self.name

    # Check constraints on one column: full_clean reports their violation under that field, in
    # words (Django reports a CheckConstraint under __all__, by its name, which means nothing
    # to an API client).
    FIELD_CONSTRAINTS = {
        "users_country_iso_3166_alpha2": (
            "country",
            _("Enter an ISO 3166-1 alpha-2 country code, e.g. FR (null for none)."),
        ),
        "users_role_valid": ("role", _("Enter a known role.")),
        "users_date_of_birth_since_1900": ("date_of_birth", _("Enter a date from 1900 on.")),
        "users_preferences_language_valid": (
            "preferences",
            format_lazy("language: {}", LANGUAGE_CHOICE_MESSAGE),
        ),
    }

    def validate_constraints(self, exclude=None):
        # A form leaves out the fields it does not show, email_key among them; it is the
        # e-mail's own uniqueness, so it is checked whenever the e-mail is.
        if exclude and "email" not in exclude:
            exclude = set(exclude) - {"email_key"}
        exclude = set(exclude or ())
        errors: dict[str, list] = {}
        for constraint in self._meta.constraints:
            field, message = self.FIELD_CONSTRAINTS.get(constraint.name, (None, None))
            if field is None or field in exclude:
                continue
            try:
                constraint.validate(type(self), self, exclude=exclude)
            except ValidationError:
                errors.setdefault(field, []).append(ValidationError(message, code="invalid"))
        fields = {field for field, _message in self.FIELD_CONSTRAINTS.values()}
        try:
            super().validate_constraints(exclude=exclude | fields)
        except ValidationError as exc:
            errors = exc.update_error_dict(errors)
        if errors:
            raise ValidationError(errors)

    def clean(self):
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email)
        if self.erased_at is not None and self.is_active:
            # users_erased_is_inactive says it too; a form without erased_at would not check it.
            raise ValidationError(
                {"is_active": _("This account was erased: it cannot be activated again.")}
            )


class Profile(TimeStampedModel):
    user = models.OneToOneField(
        User, on_delete=models.CASCADE, related_name="profile", verbose_name=_("user")
    )
    bio = models.TextField(null=True, blank=True, verbose_name=_("bio"))

    class Meta:
        db_table = "profiles"
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self) -> str:
        return _("Profile of %(user)s") % {"user": self.user}


# --- API tokens ---------------------------------------------------------------------------
# A key is "hvr_" + 43 URL-safe characters from the operating system's CSPRNG (256 bits): the
# prefix lets secret scanners (GitHub's, gitleaks...) recognise a leaked key. Only its SHA-256
# digest is stored. A slow hash (PBKDF2, argon2) protects low-entropy passwords against
# guessing; a 256-bit random key cannot be guessed at any speed, so a fast digest is as safe
# here, costs 0.8 µs per request instead of PBKDF2's ~0.5 s (measured: docs/security.md), and
# being deterministic it can be looked up through a unique index.
API_TOKEN_KEY_PREFIX = "hvr_"  # noqa: S105 (a marker, not a secret)
API_TOKEN_DISPLAY_LENGTH = 12  # "hvr_" + 8 characters: enough to tell keys apart, 48 bits shown


def api_token_digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def api_token_new_key() -> str:
    return API_TOKEN_KEY_PREFIX + secrets.token_urlsafe(32)


class ApiToken(models.Model):
    """One API key of one user, on one device (named by the client at login)."""

    # Indexed by api_tokens_user_created_idx, which leads with user_id.
    user = models.ForeignKey(
        User,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        db_index=False,
        verbose_name=_("user"),
    )
    name = models.CharField(max_length=100, verbose_name=_("name"))
    prefix = models.CharField(
        max_length=API_TOKEN_DISPLAY_LENGTH, help_text=_("Not secret."), verbose_name=_("prefix")
    )
    digest = models.CharField(
        max_length=64, help_text=_("SHA-256 of the key (hex)."), verbose_name=_("digest")
    )
    created_at = models.DateTimeField(
        db_default=Now(), editable=False, verbose_name=_("created at")
    )
    last_used_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last used at"))
    expires_at = models.DateTimeField(verbose_name=_("expires at"))

    class Meta:
        db_table = "api_tokens"
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at", "-id"]
        permissions = [("revoke_apitoken", "Can revoke API tokens")]
        constraints = [
            # The authentication look-up (a constraint, not unique=True: no second, LIKE index).
            models.UniqueConstraint(fields=["digest"], name="api_tokens_digest_unique"),
            # The key itself can never be stored by mistake: only a hex SHA-256 fits.
            models.CheckConstraint(
                condition=models.Q(digest__regex=r"^[0-9a-f]{64}$"), name="api_tokens_digest_sha256"
            ),
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")),
                name="api_tokens_expire_after_creation",
            ),
        ]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="api_tokens_user_created_idx"),
            models.Index(fields=["expires_at"], name="api_tokens_expires_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.name})"
