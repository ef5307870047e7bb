import factory
from django.contrib.auth.models import Permission
from django.utils import timezone

from apps.accounts.models import Profile, Tenant, User, UserRole, default_tenant

DEFAULT_PASSWORD = "correct-horse-battery-staple"


class TenantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tenant
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Tenant {n}")
    slug = factory.Sequence(lambda n: f"tenant-{n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    name = factory.Faker("name")
    role = UserRole.GUEST
    tenant = factory.LazyFunction(default_tenant)
    # Hashed into the INSERT: after it, PostgreSQL takes a new password from the password
    # services only (accounts.0006).
    password = factory.django.Password(DEFAULT_PASSWORD)
    # Verified, as most tests need (booking, publishing); UserFactory(unverified=True) for an
    # account that has not followed its verification link yet.
    email_verified_at = factory.LazyFunction(timezone.now)

    class Params:
        owner = factory.Trait(role=UserRole.OWNER)
        staff = factory.Trait(is_staff=True)
        unverified = factory.Trait(email_verified_at=None)

    @factory.post_generation
    def permissions(self, create, extracted, **kwargs):
        """UserFactory(staff=True, permissions=["listings.moderate_listing"]): staff holding
        those Django permissions ("app_label.codename") directly."""
        for name in extracted or ():
            app_label, codename = name.split(".")
            self.user_permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )


class ProfileFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Profile

    user = factory.SubFactory(UserFactory)
    bio = factory.Faker("sentence")
