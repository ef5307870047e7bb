import contextvars

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminPasswordChangeForm, UserCreationForm
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.accounts import selectors, services
from apps.accounts.models import ApiToken, Profile, Tenant, User
from apps.core.admin_tools import (
    SEARCH_CAP,
    EstimatedCountPaginator,
    audit_history_link,
    breakable_email,
    email_column,
    holds_permission,
    report,
    search_words,
)


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "created_at"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    fields = ["bio"]


class HavreUserCreationForm(UserCreationForm):
    class Meta:
        model = User
        fields = ["email", "name", "role", "tenant"]


# The staff user of the password form's request (Django's view builds the form without it).
_password_actor: contextvars.ContextVar[User] = contextvars.ContextVar("havre_password_actor")


class HavrePasswordChangeForm(AdminPasswordChangeForm):
    """Saves through services.user_set_password: PostgreSQL accepts a new password only from
    the password services (system:password)."""

    def save(self, commit=True):
        usable = self.cleaned_data["set_usable_password"]
        return services.user_set_password(
            user=self.user,
            password=self.cleaned_data["password1"] if usable else None,
            actor=_password_actor.get(),
        )


# Changes PostgreSQL refuses to anyone but a superuser (is_staff, is_superuser), and the
# group and permission grants that go with them.
SUPERUSER_ONLY_FIELDS = ["is_staff", "is_superuser", "groups", "user_permissions"]


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    add_form = HavreUserCreationForm
    change_password_form = HavrePasswordChangeForm
    inlines = [ProfileInline]
    list_display = [
        "email_address", "name", "role", "tenant", "is_verified", "is_active", "is_staff",
    ]  # fmt: skip
    list_filter = ["role", "tenant", "is_verified", "is_active", "is_staff"]
    list_select_related = ["tenant"]
    search_fields = ["email", "name"]  # substrings, answered by get_search_results
    ordering = ["-created_at"]  # indexed; sorting 700k e-mails is not
    show_full_result_count = False
    paginator = EstimatedCountPaginator
    readonly_fields = [
        "created_at", "updated_at", "last_login", "email_verified_at", "audit_history",
    ]  # fmt: skip
    actions = ["verify", "deactivate", "send_verification_email", "send_password_reset"]
    fieldsets = [
        (None, {"fields": ["email", "password", "name", "role", "tenant", "audit_history"]}),
        (
            _("Profile"),
            {
                "fields": [
                    "phone",
                    "date_of_birth",
                    "profile_image",
                    "street",
                    "city",
                    "postal_code",
                    "country",
                    "preferences",
                ]
            },
        ),  # fmt: skip
        (
            _("Status"),
            {
                "fields": [
                    "is_verified",
                    "email_verified_at",
                    "is_active",
                    "last_login",
                    "created_at",
                ]
            },
        ),  # fmt: skip
        (_("Permissions"), {"fields": ["is_staff", "is_superuser", "groups", "user_permissions"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["email", "name", "role", "tenant", "password1", "password2"],
            },
        )
    ]

    def get_search_results(self, request, queryset, search_term):
        """The changelist's search and every user autocomplete: users whose e-mail or name
        contains each word (a word of one or two characters: starts with it), found by the
        indexes of user_search — Django's UPPER(email) LIKE '%word%' reads every user. A
        search that more than SEARCH_CAP users match lists the newest SEARCH_CAP + 1."""
        words = search_words(search_term)
        if not words:
            return queryset, False
        if len(words) > selectors.SEARCH_MAX_WORDS:
            return queryset.none(), False
        # One look-up; the count and the page then read users by primary key.
        ids = selectors.user_ids_matching(words=words, limit=SEARCH_CAP + 1)
        return queryset.filter(pk__in=ids), False

    def has_delete_permission(self, request, obj=None):
        return False  # accounts are deactivated, never hard-deleted from the back-office

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.is_superuser:
            fields += SUPERUSER_ONLY_FIELDS
        return fields

    def save_model(self, request, obj, form, change):
        old_email = form.initial.get("email") if change else None
        super().save_model(request, obj, form, change)
        if old_email and "email" in form.changed_data:
            # The address it replaces hears of it, whoever made the change.
            services.user_email_changed_by_staff(user=obj, old_email=old_email, actor=request.user)

    def user_change_password(self, request, id, form_url=""):
        token = _password_actor.set(request.user)
        try:
            return super().user_change_password(request, id, form_url)
        finally:
            _password_actor.reset(token)

    has_moderate_permission = holds_permission("accounts.moderate_user")
    has_support_permission = holds_permission(services.CHANGE_USER)

    @admin.display(description=_("Email"), ordering="email")
    def email_address(self, obj):
        return breakable_email(obj.email)

    @admin.display(description=_("History"))
    def audit_history(self, obj):
        if not obj.pk:
            return "—"
        by_user = reverse("admin:core_auditlog_changelist") + f"?user={obj.pk}"
        return format_html(
            '{} · <a href="{}">{}</a>',
            audit_history_link("users", obj.pk),
            by_user,
            _("Changes made by this user"),
        )

    @admin.action(description=_("Verify selected users"), permissions=["moderate"])
    def verify(self, request, queryset):
        report(
            self,
            request,
            pgettext_lazy("users", "Verified %(changed)d of %(selected)d selected."),
            services.users_verify(users=queryset, actor=request.user),
            queryset.count(),
        )

    @admin.action(description=_("Resend verification e-mail"), permissions=["support"])
    def send_verification_email(self, request, queryset):
        """A new link to each selected user whose address is not verified yet (the user lost
        the first e-mail, or it expired)."""
        report(
            self,
            request,
            pgettext_lazy(
                "users", "Sent a verification e-mail to %(changed)d of %(selected)d selected."
            ),
            services.users_send_verification(users=queryset, actor=request.user),
            queryset.count(),
        )

    @admin.action(description=_("Deactivate selected users"), permissions=["moderate"])
    def deactivate(self, request, queryset):
        changed = services.users_deactivate(users=queryset, actor=request.user)
        done = pgettext_lazy("users", "Deactivated %(changed)d of %(selected)d selected.")
        report(self, request, done, changed, queryset.count())

    has_password_reset_permission = holds_permission(services.CHANGE_USER)

    @admin.action(description=_("Send password reset e-mail"), permissions=["password_reset"])
    def send_password_reset(self, request, queryset):
        """A user who cannot sign in called Support: the same link as "forgot my password"."""
        queued = services.users_send_password_reset(users=queryset, actor=request.user)
        done = pgettext_lazy(
            "users", "Sent a password reset e-mail to %(changed)d of %(selected)d selected."
        )
        report(self, request, done, queued, queryset.count())


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Read-only: tokens are issued by logging in (the key is shown once, to the client) and
    revoked here through the service, never edited."""

    list_display = ["prefix", "name", "user_email", "created_at", "last_used_at", "expires_at"]
    user_email = email_column("user", _("User"))
    list_select_related = ["user"]
    fields = ["user", "name", "prefix", "created_at", "last_used_at", "expires_at"]
    readonly_fields = fields
    # Exact e-mail, answered by the unique index on users.email_key (UserEmailField), or a
    # token's prefix.
    search_fields = ["=user__email", "=prefix"]
    search_help_text = _("Exact e-mail address, or a token's prefix (hvr_...)")
    ordering = ["-created_at"]
    show_full_result_count = False
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # revoked by the action below, through the service

    def has_revoke_permission(self, request):
        return services.may_revoke_others_tokens(request.user)

    @admin.action(description=_("Revoke selected tokens"), permissions=["revoke"])
    def revoke(self, request, queryset):
        selected = queryset.count()  # before: the revoked rows are gone afterwards
        revoked = services.tokens_revoke(tokens=queryset, actor=request.user)
        done = pgettext_lazy("tokens", "Revoked %(changed)d of %(selected)d selected.")
        report(self, request, done, revoked, selected)
