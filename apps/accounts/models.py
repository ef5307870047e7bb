from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, PermissionsMixin
from django.contrib.auth.models import BaseUserManager as DjangoBaseUserManager
from django.core.validators import RegexValidator
from django.db import models
from django.db.models.functions import Upper

from apps.core.countries import ISO_3166_ALPHA2
from apps.core.models import TimeStampedModel


class Tenant(TimeStampedModel):
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=50, unique=True)
    settings = models.JSONField(default=dict, db_default={}, blank=True)

    class Meta:
        db_table = "tenants"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


def default_tenant() -> Tenant:
    return Tenant.objects.get(slug=settings.DEFAULT_TENANT_SLUG)


class UserRole(models.TextChoices):
    GUEST = "guest", "Guest"
    OWNER = "owner", "Owner"


class UserManager(DjangoBaseUserManager):
    use_in_migrations = True

    def get_by_natural_key(self, username):
        # Logins are case-insensitive, like the unique index on UPPER(email) that serves this.
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

    email = models.EmailField(max_length=255)
    name = models.CharField(max_length=100)
    role = models.CharField(max_length=10, choices=UserRole.choices, default=UserRole.GUEST)
    phone = models.CharField(
        max_length=20,
        blank=True,
        null=True,
        validators=[RegexValidator(r"^\+?[0-9 ().-]{6,20}$", "Enter a valid phone number.")],
    )
    date_of_birth = models.DateField(null=True, blank=True)
    profile_image = models.URLField(max_length=255, null=True, blank=True)
    is_verified = models.BooleanField(default=False, db_default=False)
    last_login = models.DateTimeField(
        "last login", null=True, blank=True, db_column="last_login_at"
    )

    street = models.CharField(max_length=255, null=True, blank=True)
    city = models.CharField(max_length=100, null=True, blank=True)
    postal_code = models.CharField(max_length=10, null=True, blank=True)
    country = models.CharField(
        max_length=2,
        null=True,
        blank=True,
        choices=sorted((code, code) for code in ISO_3166_ALPHA2),
        help_text="ISO 3166-1 alpha-2 code, e.g. FR.",
    )
    preferences = models.JSONField(default=dict, db_default={}, blank=True)

    is_staff = models.BooleanField(default=False, db_default=False)
    is_active = models.BooleanField(default=True, db_default=True)
    tenant = models.ForeignKey(Tenant, on_delete=models.PROTECT, related_name="users")

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    class Meta:
        db_table = "users"
        permissions = [("moderate_user", "Can verify and deactivate users")]
        constraints = [
            models.UniqueConstraint(
                Upper("email"),
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
        ]
        indexes = [
            models.Index(fields=["role"], name="users_role_idx"),
            models.Index(fields=["created_at"], name="users_created_at_idx"),
        ]

    def __str__(self) -> str:
        return self.email

    def clean(self):
        super().clean()
        self.email = self.__class__.objects.normalize_email(self.email)


class Profile(TimeStampedModel):
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="profile")
    bio = models.TextField(null=True, blank=True)

    class Meta:
        db_table = "profiles"

    def __str__(self) -> str:
        return f"Profile of {self.user}"
