from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from apps.core.admin_tools import (
    AuditHistoryMixin,
    BigTableAdmin,
    action_with_reason,
    filter_int,
    holds_permission,
    report,
)
from apps.reviews import services
from apps.reviews.models import Review, ReviewReply


class RatingFilter(admin.SimpleListFilter):
    """Static choices: no SELECT DISTINCT over every review to list five numbers."""

    title = _("rating")
    parameter_name = "rating"

    def lookups(self, request, model_admin):
        return [(str(n), "★" * n) for n in range(5, 0, -1)]

    def queryset(self, request, queryset):
        if not self.value():
            return queryset
        return queryset.filter(rating=filter_int(self.value(), low=1, high=5))


@admin.register(Review)
class ReviewAdmin(AuditHistoryMixin, BigTableAdmin):
    list_display = [
        "__str__", "listing", "author_role", "rating", "published_at", "is_hidden",
        "hidden_reason", "created_at",
    ]  # fmt: skip
    list_filter = [RatingFilter, "author_role", "is_hidden"]
    list_select_related = ["listing"]
    search_fields = ["=booking__id", "=listing__id"]
    raw_id_fields = ["booking"]
    readonly_fields = [
        "listing", "author_role", "author", "subject", "window_closes_on", "published_at",
        "is_hidden", "hidden_reason", "hidden_at", "hidden_by", "created_at", "audit_history",
    ]  # fmt: skip
    actions = ["hide", "unhide"]

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    has_moderate_permission = holds_permission("reviews.moderate_review")

    @admin.action(description=_("Hide selected reviews (with a reason)"), permissions=["moderate"])
    def hide(self, request, queryset):
        return action_with_reason(
            self,
            request,
            queryset,
            title=_("Hide reviews"),
            apply=lambda review, reason: services.review_hide(
                review=review, reason=reason, actor=request.user
            ),
        )

    @admin.action(description=_("Unhide selected reviews"), permissions=["moderate"])
    def unhide(self, request, queryset):
        hidden = list(queryset.filter(is_hidden=True))
        for review in hidden:
            services.review_unhide(review=review, actor=request.user)
        done = _("Unhid %(changed)d of %(selected)d selected.")
        report(self, request, done, len(hidden), queryset.count())


@admin.register(ReviewReply)
class ReviewReplyAdmin(AuditHistoryMixin, BigTableAdmin):
    list_display = ["__str__", "is_hidden", "hidden_reason", "created_at"]
    list_filter = ["is_hidden"]
    search_fields = ["=review__id"]
    raw_id_fields = ["review", "author"]
    readonly_fields = [
        "review", "author", "body", "is_hidden", "hidden_reason", "hidden_at", "hidden_by",
        "created_at", "audit_history",
    ]  # fmt: skip
    actions = ["hide", "unhide"]

    def has_add_permission(self, request):
        return False  # the reviewed party writes replies, through the API

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    has_moderate_permission = holds_permission("reviews.moderate_review")

    @admin.action(description=_("Hide selected replies (with a reason)"), permissions=["moderate"])
    def hide(self, request, queryset):
        return action_with_reason(
            self,
            request,
            queryset,
            title=_("Hide replies"),
            apply=lambda reply, reason: services.reply_hide(
                reply=reply, reason=reason, actor=request.user
            ),
        )

    @admin.action(description=_("Unhide selected replies"), permissions=["moderate"])
    def unhide(self, request, queryset):
        hidden = list(queryset.filter(is_hidden=True))
        for reply in hidden:
            services.reply_unhide(reply=reply, actor=request.user)
        done = _("Unhid %(changed)d of %(selected)d selected.")
        report(self, request, done, len(hidden), queryset.count())
