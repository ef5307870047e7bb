from django.contrib import admin, messages
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, models
from django.db.models import OuterRef, Subquery
from django.db.models.expressions import RawSQL
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from apps.core.admin_tools import (
    AuditHistoryMixin,
    BigTableAdmin,
    ConditionFilter,
    MoneyAdminMixin,
    QueryInitialDataMixin,
    ServiceInline,
    ServiceRefusalMixin,
    contributed_inlines,
    email_column,
    holds_permission,
    money,
    photo_thumbnails,
    report,
)
from apps.core.csp import allow_remote_images
from apps.core.errors import DomainError
from apps.core.i18n import current_language
from apps.listings import services
from apps.listings.models import (
    Amenity,
    Category,
    Listing,
    ListingAmenity,
    ListingPhoto,
    ListingPriceOverride,
    ListingStatus,
    ListingTag,
    ListingVersion,
    Tag,
)


@admin.register(Category)
class CategoryAdmin(QueryInitialDataMixin, admin.ModelAdmin):
    list_display = ["indented_name", "slug", "parent"]
    search_fields = ["name_fr", "name_en", "slug"]
    autocomplete_fields = ["parent"]
    prepopulated_fields = {"slug": ["name_fr"]}
    list_select_related = ["parent"]

    def get_queryset(self, request):
        # Tree order: each category right under its parent, computed in the same query.
        # Names in the admin's language.
        path = RawSQL(
            "(WITH RECURSIVE t(id, path) AS ("
            " SELECT id, ARRAY[CASE WHEN %s = 'en' THEN name_en ELSE name_fr END::text]"
            " FROM categories WHERE parent_id IS NULL"
            " UNION ALL SELECT c.id, t.path || CASE WHEN %s = 'en' THEN c.name_en"
            " ELSE c.name_fr END::text FROM categories c"
            " JOIN t ON c.parent_id = t.id) SELECT path FROM t WHERE t.id = categories.id)",
            [current_language()] * 2,
            output_field=ArrayField(models.TextField()),
        )
        return super().get_queryset(request).annotate(tree_path=path).order_by("tree_path")

    @admin.display(description=_("Name"))
    def indented_name(self, obj):
        depth = len(getattr(obj, "tree_path", None) or [obj.name]) - 1
        return format_html("{}{}", "— " * depth, obj.name)


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    list_display = ["name_fr", "name_en", "slug", "created_at"]
    search_fields = ["name_fr", "name_en", "slug"]
    prepopulated_fields = {"slug": ["name_en"]}


@admin.register(Amenity)
class AmenityAdmin(admin.ModelAdmin):
    list_display = ["name_fr", "name_en", "category", "icon"]
    list_filter = ["category"]
    search_fields = ["name_fr", "name_en"]


class ListingAmenityInline(admin.TabularInline):
    model = ListingAmenity
    autocomplete_fields = ["amenity"]
    extra = 0

    def get_queryset(self, request):
        # Each row is labelled with its __str__ (the amenity's and the listing's names).
        return super().get_queryset(request).select_related("amenity", "listing")


class ListingTagInline(admin.TabularInline):
    model = ListingTag
    autocomplete_fields = ["tag"]
    fields = ["tag", "added_at", "added_by"]
    readonly_fields = ["added_at", "added_by"]
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("tag", "listing", "added_by")


class ListingVersionInline(admin.TabularInline):
    model = ListingVersion
    fields = ["version", "title", "price", "created_at", "created_by", "revert"]
    readonly_fields = fields
    ordering = ["-version"]
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("created_by", "listing")

    @admin.display(description=_("Price"))
    def price(self, obj):
        return money(obj.price_cents, obj.listing.currency)

    @admin.display(description="")
    def revert(self, obj):
        return format_html(
            '<button type="submit" name="_revert_to" value="{}" class="button">{}</button>',
            obj.pk,
            _("Revert to this version"),
        )


class ListingPriceOverrideInline(MoneyAdminMixin, ServiceInline):
    """Per-night prices of date ranges; on each night the latest created wins, so a season is
    laid over another rather than edited: rows are added and deleted (price_override_create,
    price_override_delete), never changed."""

    model = ListingPriceOverride
    fields = ["start_date", "end_date", "price_cents", "created_at"]
    readonly_fields = ["created_at"]
    money_fields = {"price_cents": "currency"}
    ordering = ["start_date", "id"]
    permission = services.CHANGE
    view_permission = "listings.view_listing"
    service_fields = {"start": "start_date", "end": "end_date"}

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        # Amounts in the listing's currency (MoneyAdminMixin reads it from the row's own
        # model otherwise, which has none).
        formset.form.base_fields["price_cents"].widget.currency = (
            obj.currency if obj is not None else Listing._meta.get_field("currency").default
        )
        return formset

    def check_row(self, *, parent, data, earlier):
        services.check_calendar_nights(data["start_date"], data["end_date"])

    def create_row(self, *, parent, data, actor):
        return services.price_override_create(
            listing=parent,
            start=data["start_date"],
            end=data["end_date"],
            price_cents=data["price_cents"],
            actor=actor,
        )

    def delete_row(self, *, obj, actor):
        services.price_override_delete(override=obj, actor=actor)


class ListingPhotoInline(admin.TabularInline):
    """The listing's photos, cover first, as thumbnails, read-only: uploads come through the
    API (checked and re-encoded there). Staff holding listings.moderate_listing or
    listings.change_listing remove one with its "Remove" link (ListingAdmin.photo_remove_view:
    listing_photo_delete), on a page they may otherwise only read."""

    model = ListingPhoto
    fields = ["preview", "position", "source", "width", "height", "created_at", "remove"]
    readonly_fields = fields
    ordering = ["position"]
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("listings.view_listing") or may_remove_photos(request.user)

    def get_formset(self, request, obj=None, **kwargs):
        self.may_remove = may_remove_photos(request.user)
        return super().get_formset(request, obj, **kwargs)

    @admin.display(description=_("Preview"))
    def preview(self, obj):
        return photo_thumbnails([photo_admin_url(obj)], size=160)

    @admin.display(description=_("Source"))
    def source(self, obj):
        return _("uploaded") if obj.file else obj.url

    @admin.display(description=_("Remove"))
    def remove(self, obj):
        if not (obj.pk and getattr(self, "may_remove", False)):
            return "—"
        url = reverse("admin:listings_listing_photo_remove", args=[obj.listing_id, obj.pk])
        return format_html('<a href="{}" class="deletelink">{}</a>', url, _("Remove"))


def may_remove_photos(user) -> bool:
    return user.has_perm(services.MODERATE) or user.has_perm(services.CHANGE)


def photo_admin_url(photo: ListingPhoto) -> str:
    """The smallest copy of a photo there is: its 320-pixel thumbnail once made."""
    if photo.url:
        return photo.url
    name = photo.thumbnails.get("320") or photo.file.name
    return services.photo_file_url(name)


class DeletedFilter(ConditionFilter):
    title = _("deleted")
    parameter_name = "deleted"
    conditions = {
        "no": (_("Not deleted"), models.Q(deleted_at__isnull=True)),
        "yes": (_("Deleted"), models.Q(deleted_at__isnull=False)),
    }


class CityFilter(admin.SimpleListFilter):
    """The cities in use, read by a loose index scan on (city, status): one index probe per
    distinct city instead of a DISTINCT over every listing."""

    title = _("city")
    parameter_name = "city"

    def lookups(self, request, model_admin):
        with connection.cursor() as cursor:
            cursor.execute(
                "WITH RECURSIVE cities(city) AS ("
                " (SELECT city FROM listings WHERE city IS NOT NULL ORDER BY city LIMIT 1)"
                " UNION ALL SELECT (SELECT l.city FROM listings l WHERE l.city > c.city"
                " ORDER BY l.city LIMIT 1) FROM cities c WHERE c.city IS NOT NULL)"
                " SELECT city FROM cities WHERE city IS NOT NULL LIMIT 500"
            )
            return [(row[0], row[0]) for row in cursor.fetchall()]

    def queryset(self, request, queryset):
        return queryset.filter(city=self.value()) if self.value() else queryset


def moderation_action(
    name: str, description: str, done: str, service: str, *, skip_status=None, **options
):
    """The ListingAdmin action `name` ("Publish selected listings"): services.<service>(
    listing=…, actor=the staff user, **options) on each selected listing (but those already in
    `skip_status`), reported by `done` ("Published %(changed)d of %(selected)d selected.")."""

    @admin.action(description=description, permissions=["moderate"])
    def action(modeladmin, request, queryset):
        if skip_status is not None:
            queryset = queryset.exclude(status=skip_status)
        apply = getattr(services, service)
        modeladmin._apply(
            request,
            queryset,
            done,
            lambda listing: apply(listing=listing, actor=request.user, **options),
        )

    action.__name__ = name
    return action


@admin.register(Listing)
class ListingAdmin(ServiceRefusalMixin, AuditHistoryMixin, MoneyAdminMixin, BigTableAdmin):
    # Fits 1280 px beside the filters (tests/e2e/test_admin_layout.py): deleted listings are
    # found with the "deleted" filter, "inactive" is said in the status column, the rating's
    # review count is on the listing's page.
    list_display = [
        "thumbnail", "title", "owner_email", "city", "state", "price", "rating", "created_at",
    ]  # fmt: skip
    list_display_links = ["title"]
    money_fields = {
        "price_cents": "currency",
        "cleaning_fee_cents": "currency",
        "extra_guest_fee_cents": "currency",
    }
    owner_email = email_column("owner", _("Owner"))
    list_filter = ["status", "is_active", DeletedFilter, "category", "tenant", CityFilter]
    list_select_related = ["owner"]
    search_fields = ["title", "=owner__email", "=city"]
    autocomplete_fields = ["owner", "category"]
    inlines = [
        ListingPhotoInline, ListingAmenityInline, ListingTagInline, ListingPriceOverrideInline,
        ListingVersionInline,
    ]  # fmt: skip
    readonly_fields = [
        "status", "rating_avg", "review_count", "created_at", "updated_at", "deleted_at",
        "deleted_by", "audit_history",
    ]  # fmt: skip
    fieldsets = [
        (None, {"fields": ["title", "description", "owner", "category", "tenant", "status"]}),
        (_("Capacity"), {"fields": ["beds", "baths", "max_guests", "area", "floor"]}),
        (_("Prices"), {"fields": [
            "price_cents", "currency", "cleaning_fee_cents", "extra_guest_fee_cents",
            "guests_included", "weekly_discount_percent", "monthly_discount_percent",
        ]}),
        (_("Calendar rules"), {"fields": [
            "min_nights", "max_nights", "advance_notice_days", "preparation_days",
            "booking_window_days", "instant_book",
        ]}),
        (_("Cancellation"), {"fields": ["cancellation_policy"]}),
        (_("Place"), {"fields": ["address", "city", "latitude", "longitude"]}),
        (_("Publication"), {"fields": [
            "is_active", "slug", "meta_title", "meta_description",
        ]}),
        (_("Record"), {"fields": [
            "rating_avg", "review_count", "created_at", "updated_at", "deleted_at", "deleted_by",
            "audit_history",
        ]}),
    ]  # fmt: skip
    actions = ["publish", "archive", "deactivate", "soft_delete", "restore"]

    def get_urls(self):
        return [
            path(
                "<path:object_id>/photos/<int:photo_id>/remove/",
                self.admin_site.admin_view(self.photo_remove_view),
                name="listings_listing_photo_remove",
            ),
            *super().get_urls(),
        ]

    def photo_remove_view(self, request, object_id, photo_id):
        """Remove one photo of the listing (listing_photo_delete), after a confirmation."""
        if not may_remove_photos(request.user):
            raise PermissionDenied
        listing = self.get_object(request, object_id)
        photo = (
            ListingPhoto.objects.filter(listing=listing, pk=photo_id).first() if listing else None
        )
        if photo is None:
            raise Http404
        change_url = reverse("admin:listings_listing_change", args=[listing.pk])
        if request.method == "POST":
            photo.listing = listing
            services.listing_photo_delete(photo=photo, actor=request.user)
            self.message_user(
                request, _("Removed photo %(position)d.") % {"position": photo.position + 1}
            )
            return HttpResponseRedirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Remove this photo?"),
            "opts": self.opts,
            "listing": listing,
            "photo": photo,
            "preview": photo_thumbnails([photo_admin_url(photo)], size=320),
            "change_url": change_url,
        }
        response = TemplateResponse(request, "admin/listings/photo_remove.html", context)
        return allow_remote_images(response.render())

    def get_queryset(self, request):
        # Staff see soft-deleted listings too; the cover of each comes in the same query.
        cover = ListingPhoto.objects.filter(listing=OuterRef("pk"), position=0)
        return Listing.all_objects.select_related("owner").annotate(
            cover_url=Subquery(cover.values("url")),
            cover_file=Subquery(cover.values("file")),
            cover_thumbnail=Subquery(cover.values("thumbnails__320")),
        )

    def get_inlines(self, request, obj):
        # Other apps' inlines (the calendar's blocks, from bookings: contribute_inline) after
        # the prices, before the version history that closes the page.
        *editable, history = self.inlines
        return [*editable, *contributed_inlines(Listing), history]

    def has_delete_permission(self, request, obj=None):
        return False  # soft delete through the action; purges are the cron's job

    has_moderate_permission = holds_permission("listings.moderate_listing")

    @admin.display(description=_("Price"), ordering="price_cents")
    def price(self, obj):
        return money(obj.price_cents, obj.currency)

    @admin.display(description=_("Status"), ordering="status")
    def state(self, obj):
        status = obj.get_status_display()
        return status if obj.is_active else format_html("{}<br>({})", status, _("inactive"))

    @admin.display(description=_("Rating"), ordering="rating_avg")
    def rating(self, obj):
        return "—" if obj.rating_avg is None else f"{obj.rating_avg:.1f}"

    @admin.display(description=_("Photo"))
    def thumbnail(self, obj):
        cover = getattr(obj, "cover_url", None)
        name = getattr(obj, "cover_thumbnail", None) or getattr(obj, "cover_file", None)
        if cover is None and name:
            cover = services.photo_file_url(name)
        return photo_thumbnails([cover] if cover else [], size=64, limit=1)

    # The pages that show photos load them from their hosts (apps/core/csp.py, REMOTE_IMAGES).
    def changelist_view(self, request, extra_context=None):
        return allow_remote_images(super().changelist_view(request, extra_context))

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        response = super().changeform_view(request, object_id, form_url, extra_context)
        return allow_remote_images(response)

    def response_change(self, request, obj):
        version_id = request.POST.get("_revert_to")
        if version_id:
            version = ListingVersion.objects.get(pk=version_id, listing=obj)
            services.listing_revert_to_version(listing=obj, version=version, actor=request.user)
            self.message_user(
                request, _("Reverted to version %(version)d.") % {"version": version.version}
            )
            return self.response_post_save_change(request, obj)
        return super().response_change(request, obj)

    def _apply(self, request, queryset, done, change):
        changed = 0
        for listing in queryset:
            try:
                before = (listing.status, listing.is_active, listing.deleted_at)
                change(listing)
                changed += int(before != (listing.status, listing.is_active, listing.deleted_at))
            except (DomainError, ValidationError) as exc:
                self.message_user(request, f"{listing}: {exc}", messages.WARNING)
        report(self, request, done, changed, len(queryset))

    publish = moderation_action(
        "publish",
        _("Publish selected listings"),
        pgettext_lazy("listings", "Published %(changed)d of %(selected)d selected."),
        "listing_publish",
        skip_status=ListingStatus.PUBLISHED,
    )
    archive = moderation_action(
        "archive",
        _("Archive selected listings"),
        pgettext_lazy("listings", "Archived %(changed)d of %(selected)d selected."),
        "listing_archive",
        skip_status=ListingStatus.ARCHIVED,
    )
    deactivate = moderation_action(
        "deactivate",
        _("Deactivate selected listings"),
        pgettext_lazy("listings", "Deactivated %(changed)d of %(selected)d selected."),
        "listing_set_active",
        active=False,
    )
    soft_delete = moderation_action(
        "soft_delete",
        _("Soft-delete selected listings"),
        pgettext_lazy("listings", "Deleted %(changed)d of %(selected)d selected."),
        "listing_soft_delete",
    )
    restore = moderation_action(
        "restore",
        _("Restore selected listings"),
        pgettext_lazy("listings", "Restored %(changed)d of %(selected)d selected."),
        "listing_restore",
    )
