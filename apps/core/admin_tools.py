"""Admin building blocks shared by every app's admin.py."""

import operator
import re
from decimal import Decimal, InvalidOperation
from functools import reduce

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import lookup_spawns_duplicates
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.core.paginator import Paginator
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import connection, models
from django.db.models.constants import LOOKUP_SEP
from django.forms.formsets import DELETION_FIELD_NAME
from django.forms.models import BaseInlineFormSet
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.text import smart_split, unescape_string_literal
from django.utils.translation import gettext_lazy as _

from apps.core.api.routers import MAX_ID
from apps.core.errors import DomainError

# An exact count above this is not worth a full scan: the pager shows "10,000+" pages worth.
COUNT_CAP = 10_000
# A search served by a look-up function lists at most this many rows (+1: the pager then
# shows that there are more). Ten pages is more than staff read; refining the words is
# quicker, and each listed row costs a look-up by primary key, twice (count and page).
SEARCH_CAP = 1_000


class EstimatedCountPaginator(Paginator):
    """Big tables: no exact count(*) over a million rows on every changelist.

    Unfiltered, the count is PostgreSQL's estimate (pg_class.reltuples, kept by ANALYZE and
    autovacuum); filtered, it is exact up to COUNT_CAP and capped there."""

    @cached_property
    def count(self):
        query = self.object_list.query
        if not query.where:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT reltuples::bigint FROM pg_class WHERE oid = %s::regclass",
                    [self.object_list.model._meta.db_table],
                )
                row = cursor.fetchone()
            if row and row[0] > COUNT_CAP:
                return row[0]
        return self.object_list[: COUNT_CAP + 1].count()


def search_words(term: str) -> list[str]:
    """The words of an admin search, split as Django does: on spaces, a quoted phrase whole.
    NUL characters go (no text PostgreSQL stores holds one, and it refuses them in a query)."""
    words = []
    for bit in smart_split(term.replace("\x00", "")):
        if bit.startswith(('"', "'")) and bit[0] == bit[-1]:
            bit = unescape_string_literal(bit)
        words.append(bit)
    return words


_INTEGER = re.compile(r"-?[1-9][0-9]{0,18}|0")  # as PostgreSQL prints a bigint


def _search_target(model, path: str):
    """The field `path` ends on (a foreign key: the field it points to), and the explicit
    lookup it ends with, if any."""
    opts, field = model._meta, None
    parts = path.split(LOOKUP_SEP)
    for index, part in enumerate(parts):
        try:
            field = opts.get_field(opts.pk.name if part == "pk" else part)
        except FieldDoesNotExist:
            return field, LOOKUP_SEP.join(parts[index:])
        if field.is_relation and field.related_model is not None:
            opts = field.related_model._meta
    if field.is_relation and not field.many_to_many:
        field = field.target_field
    return field, None


def search_condition(model, spec: str, word: str) -> models.Q | None:
    """What one `search_fields` entry asks of one word; None when the word cannot match it.

    Django compares an "=" field as UPPER(column::text) = UPPER(word), which no index serves
    (under row-level security not even an expression index: upper() is not LEAKPROOF). Here
    an "=" field holding a number is compared as a number, and only with a word that is one;
    an e-mail field only with a word that has an @ (users' e-mail iexact is answered by the
    index on users.email_key). So a number finds ids, an address finds accounts, and neither
    turns the search into an OR across tables that no index can serve."""
    if spec.startswith("="):
        path = spec[1:]
        field, lookup = _search_target(model, path)
        if lookup:
            return models.Q(**{path: word})
        if isinstance(field, models.IntegerField):
            return models.Q(**{path: int(word)}) if _INTEGER.fullmatch(word) else None
        if isinstance(field, models.EmailField) and "@" not in word:
            return None
        return models.Q(**{f"{path}__iexact": word})
    if spec.startswith("^"):
        return models.Q(**{f"{spec[1:]}__istartswith": word})
    if spec.startswith("@"):
        return models.Q(**{f"{spec[1:]}__search": word})
    if _search_target(model, spec)[1]:
        return models.Q(**{spec: word})
    return models.Q(**{f"{spec}__icontains": word})


class IndexedSearchMixin:
    """`search_fields` as Django reads them (every word must match one of them), each "="
    field compared so that an index can answer it (see search_condition)."""

    def get_search_results(self, request, queryset, search_term):
        specs = [str(spec) for spec in self.get_search_fields(request)]
        words = search_words(search_term)
        if not specs or not words:
            return queryset, False
        conditions = []
        for word in words:
            matches = [
                condition
                for spec in specs
                if (condition := search_condition(self.model, spec, word)) is not None
            ]
            if not matches:
                return queryset.none(), False
            conditions.append(reduce(operator.or_, matches))
        duplicates = any(lookup_spawns_duplicates(self.opts, spec.lstrip("=^@")) for spec in specs)
        return queryset.filter(*conditions), duplicates


def filter_int(value: str, *, low: int = 1, high: int = MAX_ID) -> int:
    """A list filter's whole-number parameter. Anything else raises IncorrectLookupParameters,
    which the changelist answers with its own "?e=1" redirect instead of a 500."""
    if not (value.isascii() and value.isdigit()) or not low <= int(value[:20]) <= high:
        raise IncorrectLookupParameters(
            _("%(value)r is not a number from %(low)d to %(high)d.")
            % {"value": value[:20], "low": low, "high": high}
        )
    return int(value)


class QueryInitialDataMixin:
    """The add form takes initial values from the query string (`?owner=7`). Django hands the
    raw strings to the widgets, some of which then raise on `?owner=abc` (the autocomplete's
    look-up) or `?created_at=abc` (the split date-time widget): a 500. Each value is read
    with its model field instead; one that does not read is dropped (that input starts
    empty)."""

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        for name, value in list(initial.items()):
            try:
                field = self.model._meta.get_field(name)
            except FieldDoesNotExist:
                continue
            try:
                if field.is_relation and field.target_field is not None:
                    for key in value if isinstance(value, list) else [value]:
                        field.target_field.to_python(key)
                elif not field.is_relation:
                    initial[name] = field.to_python(value)
            except (ValidationError, ValueError, TypeError):
                del initial[name]
        return initial


class BigTableAdmin(IndexedSearchMixin, QueryInitialDataMixin, admin.ModelAdmin):
    """Defaults for tables that grow to millions of rows."""

    show_full_result_count = False
    paginator = EstimatedCountPaginator
    list_per_page = 50


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 3, "cols": 60}), max_length=2000
    )


def action_with_reason(modeladmin, request, queryset, *, title, apply):
    """An admin action that first asks for a reason (required), then calls `apply(obj, reason)`
    for each selected object and reports how many changed."""
    if "apply" in request.POST:
        form = ReasonForm(request.POST)
        if form.is_valid():
            changed = 0
            for obj in queryset:
                changed += int(bool(apply(obj, form.cleaned_data["reason"])))
            modeladmin.message_user(
                request,
                _("%(title)s: %(changed)d of %(selected)d changed.")
                % {"title": title, "changed": changed, "selected": len(queryset)},
                messages.SUCCESS,
            )
            return None
    else:
        form = ReasonForm()
    return TemplateResponse(
        request,
        "admin/action_with_reason.html",
        {
            **modeladmin.admin_site.each_context(request),
            "title": title,
            "form": form,
            "objects": queryset,
            "action": request.POST["action"],
            "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
            "opts": modeladmin.model._meta,
        },
    )


def report(modeladmin, request, done: str, changed: int, selected: int) -> None:
    """`done` is the translated sentence, with %(changed)d and %(selected)d: "Published
    %(changed)d of %(selected)d selected." (a whole sentence per action, for the grammar of
    each language)."""
    level = messages.SUCCESS if changed else messages.WARNING
    modeladmin.message_user(request, done % {"changed": changed, "selected": selected}, level)


def audit_history_link(table: str, record_id) -> str:
    url = reverse("admin:core_auditlog_changelist")
    return format_html(
        '<a href="{}?table_name={}&record_id={}">Audit history</a>', url, table, record_id
    )


class AuditHistoryMixin:
    """For the admin of an audited table: a "History" field (list it in readonly_fields) that
    links to the row's audit trail."""

    @admin.display(description=_("History"))
    def audit_history(self, obj):
        return audit_history_link(self.model._meta.db_table, obj.pk) if obj.pk else "—"


class ReadOnlyAdminMixin:
    """A record the back office shows and never writes (the audit trail, the job queue): no
    add, change or delete, whatever the user's permissions; actions may still act."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def holds_permission(permission: str):
    """A ModelAdmin `has_<name>_permission(self, request)` for the actions declared with
    `permissions=[name]`: the staff user holds `permission` ("app_label.codename")."""

    def has_permission(self, request) -> bool:
        return request.user.has_perm(permission)

    return has_permission


class ConditionFilter(admin.SimpleListFilter):
    """A list filter whose choices are conditions: subclasses set `title`, `parameter_name`
    and `conditions` = {value: (label, Q)}; an unknown or absent value filters nothing."""

    conditions: dict[str, tuple[str, models.Q]] = {}

    def lookups(self, request, model_admin):
        return [(value, label) for value, (label, _) in self.conditions.items()]

    def queryset(self, request, queryset):
        chosen = self.conditions.get(self.value())
        return queryset.filter(chosen[1]) if chosen else queryset


def money(cents: int | None, currency: str) -> str:
    """An amount of cents as people read it: "1,200.50 EUR"."""
    return "—" if cents is None else f"{Decimal(cents) / 100:,.2f} {currency}"


class CentsInput(forms.TextInput):
    """The box of a MoneyField: the amount in currency units, the currency's code after it.
    With `read_only` set, the amount as text: the admin shows a read-only field through its
    widget when the widget says so (AdminReadonlyField, as for contrib.auth's password hash),
    else it would print the raw cents."""

    currency = ""
    read_only = False

    def __init__(self, attrs=None):
        super().__init__({"inputmode": "decimal", "size": 12, **(attrs or {})})

    def render(self, name, value, attrs=None, renderer=None):
        if self.read_only:
            return money(value, self.currency)
        box = super().render(name, value, attrs, renderer)
        return format_html('{} <span class="money-currency">{}</span>', box, self.currency)


class MoneyField(forms.Field):
    """A price typed in currency units ("120.50"), stored in cents (12050): at most two
    decimals, between `min_cents` and `max_cents` (the model field's own bounds), with
    messages in units rather than in cents."""

    widget = CentsInput
    default_error_messages = {
        "invalid": _("Enter an amount such as 120 or 120.50."),
        "decimals": _("Give at most two decimals (cents)."),
        "min_value": _("The amount is at least %(limit)s."),
        "max_value": _("The amount is at most %(limit)s."),
    }

    def __init__(self, *, min_cents: int | None = None, max_cents: int | None = None, **kwargs):
        self.min_cents, self.max_cents = min_cents, max_cents
        super().__init__(**kwargs)

    def prepare_value(self, value):
        # Cents from the instance; what the user typed (a string) is shown back as typed.
        if isinstance(value, int) and not isinstance(value, bool):
            return f"{Decimal(value) / 100:.2f}"
        return value

    def to_python(self, value):
        if value in self.empty_values or (isinstance(value, str) and not value.strip()):
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return value  # already cents (initial data)
        text = str(value).strip().replace(",", "").replace(" ", "").replace("\u00a0", "")
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        # Infinity, NaN, and amounts too large for any price (1e999999 would not even round).
        if not amount.is_finite() or abs(amount) >= 10**15:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        if amount != amount.quantize(Decimal("0.01")):
            raise ValidationError(self.error_messages["decimals"], code="decimals")
        return int(amount * 100)

    def validate(self, value):
        super().validate(value)
        currency = self.widget.currency
        for bound, code, outside in (
            (self.min_cents, "min_value", lambda limit: value < limit),
            (self.max_cents, "max_value", lambda limit: value > limit),
        ):
            if value is not None and bound is not None and outside(bound):
                raise ValidationError(
                    self.error_messages[code], code=code, params={"limit": money(bound, currency)}
                )


def bounds_of(field: models.Field) -> tuple[int | None, int | None]:
    """The (min, max) a model field's Min/MaxValueValidators set."""
    low = high = None
    for validator in field.validators:
        if isinstance(validator, MinValueValidator):
            low = validator.limit_value
        elif isinstance(validator, MaxValueValidator):
            high = validator.limit_value
    return low, high


class MoneyAdminMixin:
    """Cents columns edited as amounts: `money_fields = {"price_cents": "currency"}` names each
    cents field and the field holding its currency (the form shows the object's currency, or
    the field's default on an add form)."""

    money_fields: dict[str, str] = {}

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name in self.money_fields:
            low, high = bounds_of(db_field)
            return MoneyField(
                label=db_field.verbose_name.removesuffix(" cents").capitalize(),
                required=not db_field.blank,
                min_cents=low,
                max_cents=high,
                help_text=_("In currency units; stored in cents."),
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        for name, currency_field in self.money_fields.items():
            if name in form.base_fields:
                currency = (
                    getattr(obj, currency_field, None)
                    or self.model._meta.get_field(currency_field).get_default()
                )
                widget = form.base_fields[name].widget
                widget.currency = currency
        return form


# Listing photos are URLs their owners give, on any host: the pages that show them widen
# img-src to https: (see apps/core/csp.py). Other schemes (http:, data:, javascript:) are
# never put in an <img>: they are listed as text.
def _showable(url: str) -> bool:
    return url.startswith("https://") or (url.startswith("/") and not url.startswith("//"))


def photo_thumbnails(urls, *, size: int, limit: int | None = None) -> str:
    # https: photos on other hosts; a path: uploaded photos served by this site (MEDIA_URL).
    shown = [url for url in (urls or []) if _showable(str(url))][:limit]
    if not shown:
        return "—"
    return format_html_join(
        "",
        '<a href="{0}" rel="noopener noreferrer" target="_blank" class="photo-thumb">'
        '<img src="{0}" alt="Photo {1}" width="{2}" height="{3}" loading="lazy" '
        'referrerpolicy="no-referrer"></a>',
        ((url, index, size, size * 3 // 4) for index, url in enumerate(shown, start=1)),
    )


def admin_change_url(admin_site, model, pk) -> str | None:
    """The admin change page of a row, if its model is registered on the site."""
    if model not in admin_site._registry:
        return None
    opts = model._meta
    return reverse(f"{admin_site.name}:{opts.app_label}_{opts.model_name}_change", args=[pk])


def breakable_email(address: str) -> str:
    """An e-mail address that may wrap before its "@" and its dots (<wbr>), so that a long one
    does not make a changelist wider than the screen — and a short one never breaks."""
    local, at, domain = address.partition("@")
    if not at:
        return address
    return format_html(
        "{}<wbr>@{}",
        local,
        format_html_join(mark_safe("<wbr>."), "{}", ((part,) for part in domain.split("."))),
    )


def email_column(field: str, description: str):
    """A changelist column showing the e-mail address of the user in `field` (breakable)."""

    @admin.display(description=description, ordering=field)
    def column(modeladmin, obj):
        user = getattr(obj, field)
        return breakable_email(user.email) if user else "—"

    column.__name__ = f"{field}_email"
    return column


# --- Inlines another app contributes, inlines written by services --------------------------

_contributed_inlines: dict[type[models.Model], list[type[admin.options.InlineModelAdmin]]] = {}


def contribute_inline(model: type[models.Model], inline: type[admin.options.InlineModelAdmin]):
    """An upper app's inline on the admin page of a lower app's `model` (bookings puts the
    listing's calendar on the listing's page): the lower app's admin lists
    `contributed_inlines(model)` without importing the upper app (the import-linter layers).
    Called by the upper app's admin module, as Django's admin imports it; registering twice
    changes nothing."""
    inlines = _contributed_inlines.setdefault(model, [])
    if inline not in inlines:
        inlines.append(inline)


def contributed_inlines(model: type[models.Model]) -> list[type[admin.options.InlineModelAdmin]]:
    return list(_contributed_inlines.get(model, []))


class ServiceInlineFormSet(BaseInlineFormSet):
    """The formset of a ServiceInline: new rows are checked by the inline's `check_row` (the
    service's own checks, as form errors) and created by its `create_row`, deleted rows go
    through its `delete_row`, both with the staff user as the actor; rows are never changed
    in place."""

    actor = None
    inline = None

    def add_fields(self, form, index):
        super().add_fields(form, index)
        if index is None or index >= self.initial_form_count():
            return
        for field in form.fields.values():
            if isinstance(field.widget, CentsInput):
                field.widget.read_only = True
        if DELETION_FIELD_NAME in form.fields and not self.inline.may_delete_row(form.instance):
            # A disabled field keeps its initial value (False) whatever is posted.
            form.fields[DELETION_FIELD_NAME].disabled = True

    def clean(self):
        super().clean()
        earlier = []
        for form in self.extra_forms:
            if not form.has_changed() or form.errors or self._should_delete_form(form):
                continue
            try:
                self.inline.check_row(parent=self.instance, data=form.cleaned_data, earlier=earlier)
            except ValidationError as exc:
                by_key = exc.error_dict if hasattr(exc, "error_dict") else {None: exc.error_list}
                for key, errors in by_key.items():
                    field = self.inline.service_fields.get(key, key)
                    form.add_error(field if field in form.fields else None, errors)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                earlier.append(form.cleaned_data)

    def save_new(self, form, commit=True):
        return self.inline.create_row(
            parent=self.instance, data=form.cleaned_data, actor=self.actor
        )

    def save_existing(self, form, obj, commit=True):
        # Unreached: without the change permission, an existing row's form never "changed".
        raise RuntimeError(f"{type(self.inline).__name__}: rows are never changed in place")

    def delete_existing(self, obj, commit=True):
        if commit:
            self.inline.delete_row(obj=obj, actor=self.actor)


class ServiceInline(admin.TabularInline):
    """An inline whose rows the app's services add and delete (STYLE.md: the admin calls
    services too): existing rows show read-only; a staff user holding `permission` (the
    service's own rule) adds rows and deletes those `may_delete_row` allows; one holding
    `view_permission` reads them. Subclasses define `create_row` and `delete_row`, and may
    define `check_row` (raising the service's ValidationError, whose keys `service_fields`
    maps to the form's fields) so that a refusal is a form error rather than a failed save."""

    formset = ServiceInlineFormSet
    extra = 0
    permission = ""
    view_permission = ""
    service_fields: dict[str, str] = {}

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)  # a new class on each call
        formset.actor, formset.inline = request.user, self
        return formset

    def has_view_permission(self, request, obj=None):
        # Who may add and delete the rows sees them, and so does whoever holds
        # `view_permission` (the parent's: the rows are part of the page).
        return request.user.has_perm(self.permission) or request.user.has_perm(self.view_permission)

    def has_add_permission(self, request, obj=None):
        return request.user.has_perm(self.permission)

    def has_change_permission(self, request, obj=None):
        return False  # no service changes a row in place: delete it and add another

    def has_delete_permission(self, request, obj=None):
        return request.user.has_perm(self.permission)

    def may_delete_row(self, obj) -> bool:
        return True

    def check_row(self, *, parent, data: dict, earlier: list[dict]) -> None:
        """Refuse the new row `data` as its service would (`earlier`: the new rows before it
        in this form)."""

    def create_row(self, *, parent, data: dict, actor):
        raise NotImplementedError

    def delete_row(self, *, obj, actor) -> None:
        raise NotImplementedError


class ServiceRefusalMixin:
    """For a ModelAdmin whose form or inlines save through services: a refusal the form's
    checks could not foresee (a racing request took the nights between the check and the
    save: PostgreSQL's constraint has the last word) brings the page back with the refusal
    said and nothing saved (the admin's transaction rolled back), not a server error."""

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except DomainError as exc:
            self.message_user(
                request,
                _("Nothing was saved: %(reason)s") % {"reason": exc.message},
                messages.ERROR,
            )
            return HttpResponseRedirect(request.get_full_path())
