"""Every write to accounts goes through here."""

import datetime as dt
import uuid
from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.tokens import default_token_generator
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Q, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode
from django.utils.translation import gettext as _

from apps.accounts import personal_data, selectors
from apps.accounts.email_verification import email_verification_token, user_id_of
from apps.accounts.errors import (
    EmailNotVerified,
    EmailUnavailable,
    InvalidEmailChangeLink,
    InvalidResetLink,
    InvalidVerificationToken,
    TokenNotFound,
)
from apps.accounts.models import (
    API_TOKEN_DISPLAY_LENGTH,
    ERASED_USER_NAME_STORED,
    ApiToken,
    Profile,
    Tenant,
    User,
    UserRole,
    api_token_digest,
    api_token_new_key,
)
from apps.accounts.notifications import EMAIL_VERIFICATION, SIGN_UP_ATTEMPT
from apps.accounts.tokens import email_change_read, email_fingerprint
from apps.core import context
from apps.core.actors import require_permission
from apps.core.context import DbContext, db_context
from apps.core.erasure import idempotency_responses_forget
from apps.core.errors import PermissionDenied
from apps.core.i18n import language_codes
from apps.core.models import IdempotencyKey
from apps.jobs.services import job_failures_forget
from apps.notifications.models import Notification
from apps.notifications.services import notifications_forget_person, notify

CHANGE_USER = "accounts.change_user"
MODERATE = "accounts.moderate_user"


def _check_self_or_change_user(*, user: User, actor: User) -> None:
    """The user acts on their own account; staff on another's only with accounts.change_user."""
    if actor.pk != user.pk and not actor.has_perm(CHANGE_USER):
        raise PermissionDenied(
            _("Only the user or staff holding %(permission)s may do this.")
            % {"permission": CHANGE_USER}
        )


@transaction.atomic
def user_create(
    *,
    email: str,
    password: str | None,
    name: str,
    role: str = UserRole.GUEST,
    tenant: Tenant | None = None,
    is_staff: bool = False,
    is_superuser: bool = False,
    **fields: Any,
) -> User:
    """Create a user and their (empty) profile together. `password=None` disables login."""
    manager = User.objects
    create = manager.create_superuser if is_superuser else manager.create_user
    user = create(
        email=email,
        password=password,
        name=name,
        role=role,
        tenant=tenant,
        is_staff=is_staff or is_superuser,
        **fields,
    )
    Profile.objects.create(user=user)
    return user


@transaction.atomic
def user_register(
    *, email: str, password: str, name: str, role: str, tenant_id: int, language: str | None = None
) -> User:
    """A guest or owner account in the request's tenant (the API calls user_sign_up, which
    does not tell whether the address was taken). `language`: the sign-up's, kept as
    preferences.language so that the first e-mails speak it."""
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": _("A user with this e-mail address already exists.")})
    return user_create(
        email=email,
        password=password,
        name=name,
        role=role,
        tenant=Tenant.objects.get(pk=tenant_id),
        preferences={"language": language} if language in language_codes() else {},
    )


@transaction.atomic
def user_update(*, user: User, data: dict[str, Any], actor: User) -> User:
    """Change a user's own account fields and profile (`data` is already validated): the user
    themself, or staff holding accounts.change_user."""
    _check_self_or_change_user(user=user, actor=actor)
    profile_data = data.pop("profile", None) or {}
    for field, value in data.items():
        setattr(user, field, value)
    if data:
        user.full_clean(exclude=["password"])
        user.save(update_fields=[*data.keys(), "updated_at"])
    if profile_data:
        profile, _created = Profile.objects.get_or_create(user=user)
        for field, value in profile_data.items():
            setattr(profile, field, value)
        profile.save(update_fields=[*profile_data.keys(), "updated_at"])
    return user


@transaction.atomic
def user_set_password(*, user: User, password: str | None, actor: User) -> User:
    """The one way to change a password once the account exists: the user themself or staff
    holding accounts.change_user. `password=None` disables password login. PostgreSQL lets
    the column change only under this service's actor, system:password (docs/security.md)."""
    _check_self_or_change_user(user=user, actor=actor)
    user.set_password(password)
    with context.as_system("password"):
        user.save(update_fields=["password", "updated_at"])
    # A security e-mail, whatever the preferences: if it was not them, they must know at once.
    notify(
        recipient_id=user.pk,
        kind="password_changed",
        event_key=f"user:{user.pk}:password_changed:{uuid.uuid4().hex}",
        data={
            "at": timezone.now().isoformat(),
            "by_staff": actor.pk != user.pk,
            "disabled": password is None,
        },
    )
    return user


@transaction.atomic
def user_change_password(
    *,
    user: User,
    current_password: str,
    new_password: str,
    actor: User,
    current_token: ApiToken | None = None,
) -> User:
    """The user changes their own password: the current one must match and the new one pass
    Django's validators (AUTH_PASSWORD_VALIDATORS). Every API token of theirs is revoked but
    `current_token` (the request's, None for a session), so other devices must log in again; Django
    sessions other than the caller's end by themselves (the session's auth hash changes; the
    view keeps the caller's with update_session_auth_hash)."""
    if actor.pk != user.pk:
        raise PermissionDenied(_("Only the account's holder changes its password."))
    if not user.check_password(current_password):
        raise ValidationError({"current_password": _("This is not your current password.")})
    try:
        validate_password(new_password, user=user)
    except ValidationError as exc:
        raise ValidationError({"new_password": exc.messages}) from exc
    user_set_password(user=user, password=new_password, actor=actor)
    others = ApiToken.objects.filter(user=user)
    if current_token is not None:
        others = others.exclude(pk=current_token.pk)
    tokens_revoke(tokens=others, actor=actor)
    return user


@transaction.atomic
def users_verify(*, users, actor: User) -> int:
    """Moderation: mark accounts verified (staff holding accounts.moderate_user)."""
    require_permission(actor, MODERATE)
    return users.filter(is_verified=False).update(is_verified=True)


@transaction.atomic
def users_deactivate(*, users, actor: User) -> int:
    """Accounts are never hard-deleted from the back-office: they are switched off, and their
    API tokens revoked (staff holding accounts.moderate_user)."""
    require_permission(actor, MODERATE)
    targets = users.filter(is_active=True).exclude(pk=actor.pk)
    ids = list(targets.values_list("pk", flat=True))
    tokens_revoke_all(users=ids, actor=actor)
    return User.objects.filter(pk__in=ids).update(is_active=False)


# --- Sign-up and e-mail verification (docs/security.md, "E-mail verification") ------------
# Registration answers alike whether the address is new or taken; the taken address's owner is
# told instead. Reading users across tenants and writing email_verified_at is the narrow actor
# system:email_verification's (PostgreSQL refuses the column to anyone else, accounts.0013).

VERIFICATION_ACTOR = "email_verification"
# At most one e-mail of each kind per account per window, however often a stranger registers
# or asks for a resend with someone's address (the auth throttle limits each client too).
VERIFICATION_EMAIL_WINDOW = dt.timedelta(minutes=5)
SIGN_UP_ATTEMPT_EMAIL_WINDOW = dt.timedelta(hours=1)


def _window(now: dt.datetime, length: dt.timedelta) -> int:
    return int(now.timestamp() // length.total_seconds())


def _user_with_email(email: str) -> User | None:
    """The account of this address in any tenant (addresses are unique across tenants)."""
    with context.as_system(VERIFICATION_ACTOR):
        return User.objects.filter(email__iexact=email).first()


def require_verified_email(user: User) -> None:
    """The one rule for actions that need a proven address (publishing a listing, requesting
    a booking): refused with 403 email_not_verified unless REQUIRE_VERIFIED_EMAIL is off."""
    if settings.REQUIRE_VERIFIED_EMAIL and getattr(user, "email_verified_at", None) is None:
        raise EmailNotVerified()


@transaction.atomic
def user_sign_up(
    *,
    email: str,
    password: str,
    name: str,
    role: str,
    tenant_id: int,
    language: str | None = None,
    now: dt.datetime | None = None,
) -> User | None:
    """Registration that does not reveal accounts. A new address: the account is created
    (user_register) and a verification e-mail queued; the new user is returned. A taken one:
    nothing changes in users, its owner gets a "someone tried to sign up with your address"
    e-mail, and None is returned — after hashing `password` anyway, so that both paths cost
    one password hash and take about as long."""
    now = now or timezone.now()
    existing = _user_with_email(email)
    if existing is None:
        try:
            with transaction.atomic():  # a savepoint: a lost race leaves the request usable
                user = user_register(
                    email=email,
                    password=password,
                    name=name,
                    role=role,
                    tenant_id=tenant_id,
                    language=language,
                )
        except (IntegrityError, ValidationError):
            # Another sign-up of this address committed first (users_email_ci_unique).
            existing = _user_with_email(email)
            if existing is None:
                raise
        else:
            email_verification_send(user=user, now=now)
            return user
    make_password(password)
    notify(
        recipient_id=existing.pk,
        kind=SIGN_UP_ATTEMPT,
        event_key=f"user:{existing.pk}:sign_up_attempt:"
        f"{_window(now, SIGN_UP_ATTEMPT_EMAIL_WINDOW)}",
        data={"attempted_at": now.isoformat()},
    )
    return None


def email_verification_send(
    *, user: User, now: dt.datetime | None = None, key: str | None = None
) -> int | None:
    """Queue a verification e-mail to an unverified user: the notification's id, or None when
    the address is verified already or one left in this window (`key` names another event,
    e.g. staff's resend). The link is made when the e-mail is built (never stored)."""
    if user.email_verified_at is not None:
        return None
    key = key or str(_window(now or timezone.now(), VERIFICATION_EMAIL_WINDOW))
    return notify(
        recipient_id=user.pk,
        kind=EMAIL_VERIFICATION,
        event_key=f"user:{user.pk}:email_verification:{key}",
        data={},
    )


@transaction.atomic
def email_verification_resend(*, email: str, now: dt.datetime | None = None) -> None:
    """A new verification e-mail to this address when it names an active, unverified account;
    otherwise nothing. Returns nothing either way: the caller learns nothing about accounts."""
    user = _user_with_email(email)
    if user is not None and user.is_active:
        email_verification_send(user=user, now=now)


@transaction.atomic
def email_verify(*, uid: str, token: str, now: dt.datetime | None = None) -> User:
    """Mark the address of the link's user verified. A malformed uid is refused naming `uid`;
    an unknown user, a wrong, expired or used token (the verification time is part of its
    hash), or an address changed since, naming `token` (400 invalid_token)."""
    user_id = user_id_of(uid)
    if user_id is None:
        raise InvalidVerificationToken(field="uid")
    with context.as_system(VERIFICATION_ACTOR):
        # Locked: of two uses of one link racing, the second sees it used.
        user = (
            User.objects.select_for_update(of=("self",)).filter(pk=user_id, is_active=True).first()
        )
        if (
            user is None
            or user.email_verified_at is not None
            or not email_verification_token.check_token(user, token)
        ):
            raise InvalidVerificationToken()
        user.email_verified_at = now or timezone.now()
        user.save(update_fields=["email_verified_at", "updated_at"])
    return user


@transaction.atomic
def users_send_verification(*, users: QuerySet[User], actor: User) -> int:
    """Support: a new verification e-mail to each selected active, unverified user (staff
    holding accounts.change_user), whatever was sent recently. How many were queued."""
    require_permission(actor, CHANGE_USER)
    sent = 0
    for user in users.filter(email_verified_at__isnull=True, is_active=True):
        key = f"staff:{uuid.uuid4().hex}"
        sent += email_verification_send(user=user, key=key) is not None
    return sent


# --- API tokens ---------------------------------------------------------------------------
# Reading api_tokens needs the owner's context (or staff/system): RLS shows nobody else's.
# Creating and touching one happens during authentication, as the system actor `system:auth`.


def may_revoke_others_tokens(actor: User) -> bool:
    """The one rule for revoking someone else's tokens (the admin's action asks it too)."""
    # Deactivating a user revokes their tokens: whoever may do the one may do the other.
    return actor.has_perm("accounts.revoke_apitoken") or actor.has_perm(MODERATE)


def token_create(
    *, user: User, name: str, now: dt.datetime | None = None, ip: str | None = None
) -> tuple[ApiToken, str]:
    """A new key for `user` (one per login, so each device can be revoked alone). Returns the
    row and the key: the key exists only in this return value, never in the database. The
    user gets a "new sign-in" security e-mail naming the device, the time and `ip` (the
    client's address, when known)."""
    now = now or timezone.now()
    key = api_token_new_key()
    # Issuing a key is the authentication system's act, after it checked the password: users
    # may read and delete their tokens (RLS), never mint one.
    issuer = replace(DbContext.system("auth"), user_id=user.pk, tenant_id=user.tenant_id)
    with db_context(issuer):
        token = ApiToken.objects.create(
            user=user,
            name=name[: ApiToken._meta.get_field("name").max_length],
            prefix=key[:API_TOKEN_DISPLAY_LENGTH],
            digest=api_token_digest(key),
            created_at=now,
            expires_at=now + settings.API_TOKEN_TTL,
        )
        # At most API_TOKEN_MAX_PER_USER tokens each: one more login retires the one used
        # least recently, so that a login loop cannot grow the table without bound.
        surplus = (
            ApiToken.objects.filter(user=user)
            .order_by(Coalesce("last_used_at", "created_at").desc(), "-id")
            .values("pk")[settings.API_TOKEN_MAX_PER_USER :]
        )
        ApiToken.objects.filter(pk__in=surplus).delete()
        # The address is personal data: it goes to the account's holder only (their inbox and
        # e-mail), who needs it to tell their own login from someone else's.
        notify(
            recipient_id=user.pk,
            kind="new_sign_in",
            event_key=f"token:{token.pk}:created",
            data={"device": token.name, "at": now.isoformat(), "ip": ip},
        )
    return token, key


def token_touch(*, token: ApiToken, now: dt.datetime | None = None) -> bool:
    """Record a use and slide the expiry — at most once per API_TOKEN_TOUCH_INTERVAL, so a busy
    client does not write on every request. True when the row was written."""
    now = now or timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < (
        settings.API_TOKEN_TOUCH_INTERVAL
    ):
        return False
    expires_at = now + settings.API_TOKEN_TTL
    # Conditional: of two requests racing past the check above, one writes.
    stale = Q(last_used_at__isnull=True) | Q(
        last_used_at__lte=now - settings.API_TOKEN_TOUCH_INTERVAL
    )
    written = ApiToken.objects.filter(stale, pk=token.pk).update(
        last_used_at=now, expires_at=expires_at
    )
    token.last_used_at, token.expires_at = now, expires_at
    return bool(written)


@transaction.atomic
def tokens_revoke(*, tokens: QuerySet[ApiToken], actor: User) -> int:
    """Delete `tokens`: the actor's own, or anyone's with the revoke permission (staff)."""
    if not may_revoke_others_tokens(actor):
        tokens = tokens.filter(user=actor)
    deleted, _per_model = tokens.delete()
    return deleted


def tokens_purge_expired(*, now: dt.datetime, batch_size: int) -> int:
    """Delete at most `batch_size` expired tokens, those expired longest first; how many. In a
    privileged context (a command's) to reach every user's."""
    batch = selectors.tokens_expired(now=now).order_by("expires_at").values("pk")
    deleted, _per_model = ApiToken.objects.filter(pk__in=batch[:batch_size]).delete()
    return deleted


def token_revoke(*, user: User, token_id: int, actor: User) -> None:
    """Revoke one of `user`'s tokens (a device logged out)."""
    if user.pk != actor.pk and not may_revoke_others_tokens(actor):
        raise PermissionDenied()
    if not tokens_revoke(tokens=ApiToken.objects.filter(user=user, pk=token_id), actor=actor):
        raise TokenNotFound()


def tokens_revoke_all(*, users: Iterable[User | int], actor: User) -> int:
    """Revoke every token of `users` (logged out everywhere)."""
    ids = [getattr(user, "pk", user) for user in users]
    if set(ids) - {actor.pk} and not may_revoke_others_tokens(actor):
        raise PermissionDenied()
    return tokens_revoke(tokens=ApiToken.objects.filter(user_id__in=ids), actor=actor)


# --- erasure (DELETE /api/v1/users/me/) ---------------------------------------------------


def erased_email(user_id: int) -> str:
    """The unique placeholder an erased account's e-mail becomes (.invalid: RFC 2606, never
    delivered)."""
    return f"deleted-{user_id}@invalid"


@transaction.atomic
def user_erase(*, user: User, password: str, actor: User) -> User:
    """Erase the caller's account, in one transaction (docs/security.md, "Erasure and
    retention"): refused while the apps' blockers say so (upcoming confirmed stays: 409
    `upcoming_stays`); then each app's erasure steps run (listings taken down, pending requests
    cancelled), their notifications go and their name and e-mail leave other people's, their
    API tokens, idempotency keys and admin-log labels go, the users and profiles rows are
    wiped (the row stays, "deleted user", inactive, no usable password), and the audit log is
    scrubbed by audit_logs_erase_user, which records the erasure. Bookings, reviews and
    messages stay for the other party and for accounting."""
    if actor.pk != user.pk:
        raise PermissionDenied(_("Only the account's holder erases it."))
    if not user.check_password(password):
        raise ValidationError({"password": _("This is not your current password.")})
    # Serialise with any other change to the account: a second erasure waits, then finds it
    # done. The name and e-mail to forget are read under the lock, not from the request's copy.
    name, email, erased_at = (
        User.objects.select_for_update()
        .filter(pk=user.pk)
        .values_list("name", "email", "erased_at")
        .get()
    )
    if erased_at is not None:
        return user
    for blocker in personal_data.erasure_blockers():
        error = blocker(user)
        if error is not None:
            raise error
    for step in personal_data.erasure_steps():
        step(user)

    forgotten = [value for value in (name, email) if value]
    placeholder = str(ERASED_USER_NAME_STORED)
    with context.as_system("erasure"):
        notifications_forget_person(
            recipient_id=user.pk, strings=forgotten, placeholder=placeholder
        )
        ApiToken.objects.filter(user=user).delete()
        IdempotencyKey.objects.filter(user=user).delete()
        idempotency_responses_forget(strings=forgotten, placeholder=placeholder)
        # Error texts are prose: only the e-mail address is distinctive enough to replace in it.
        job_failures_forget(strings=[email], placeholder=placeholder)
        LogEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(User), object_id=str(user.pk)
        ).update(object_repr=placeholder)
        Profile.objects.filter(user=user).update(bio=None, updated_at=timezone.now())
        User.objects.filter(pk=user.pk).update(
            email=erased_email(user.pk),
            name=placeholder,
            phone=None,
            date_of_birth=None,
            profile_image=None,
            street=None,
            city=None,
            postal_code=None,
            country=None,
            preferences={},
            is_active=False,
            erased_at=timezone.now(),
            updated_at=timezone.now(),
        )
    user.set_unusable_password()
    with context.as_system("password"):
        User.objects.filter(pk=user.pk).update(password=user.password, updated_at=timezone.now())
    # Last: the rows the statements above just added to the audit log are scrubbed too.
    with connection.cursor() as cursor:
        cursor.execute("SELECT audit_logs_erase_user(%s)", [user.pk])
    user.refresh_from_db()
    return user


# --- Password reset -----------------------------------------------------------------------
# A forgotten password: POST /auth/password/reset/ {email} queues a job, whatever the address;
# the job e-mails a link to the front end (PASSWORD_RESET_URL) with a token made when the
# e-mail is built (apps/accounts/notifications.py); the front end sends it back with the new
# password to password_reset_confirm. Nothing secret is stored: not the token, not the link.

# Reset e-mails one account receives at most per hour, however many requests name it: a
# stranger cannot bury someone's mailbox under them (the throttle counts per client address).
PASSWORD_RESET_EMAILS_PER_HOUR = 5


def _password_reset_recipient(email: str) -> User | None:
    """The account a reset for `email` goes to: active, with a password (one disabled by staff
    stays disabled), else None."""
    # Before anyone is known: the narrow password actor reads the one row (email_key's index).
    with context.as_system("password"):
        user = User.objects.filter(email__iexact=email).first()
    if user is None or not user.is_active or not user.has_usable_password():
        return None
    return user


def _password_reset_queue(*, user: User | None, by_staff: bool) -> None:
    from apps.accounts.tasks import send_password_reset  # the task module imports this one

    # A job for an unknown address too (it does nothing): the request does the same work, so
    # neither its answer nor its duration tells whether the address has an account. Only ids
    # go into the job's arguments (stored in clear): no e-mail address, no token.
    send_password_reset.defer(
        user_id=user.pk if user is not None else None,
        request_id=uuid.uuid4().hex,
        by_staff=by_staff,
    )


@transaction.atomic
def password_reset_request(*, email: str) -> None:
    """Someone asks for a reset link for `email` (anyone may: the link goes to the address).
    Same answer, same work, whether the address has an account or not."""
    _password_reset_queue(user=_password_reset_recipient(email), by_staff=False)


@transaction.atomic
def users_send_password_reset(*, users: QuerySet[User], actor: User) -> int:
    """Support sends reset links (a user who cannot sign in called them): staff holding
    accounts.change_user. How many were queued (active users with a password)."""
    require_permission(actor, CHANGE_USER)
    queued = 0
    for user in users.filter(is_active=True):
        if user.has_usable_password():
            _password_reset_queue(user=user, by_staff=True)
            queued += 1
    return queued


def password_reset_notify(*, user_id: int | None, request_id: str, by_staff: bool = False) -> None:
    """The reset job's work: one "password_reset" notification for this request (a retried job
    finds it made), unless the account was switched off meanwhile or already received
    PASSWORD_RESET_EMAILS_PER_HOUR of them in the last hour."""
    if user_id is None:
        return
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.has_usable_password():
        return
    recent = Notification.objects.filter(
        recipient=user,
        kind="password_reset",
        created_at__gt=timezone.now() - dt.timedelta(hours=1),
    )
    if recent.count() >= PASSWORD_RESET_EMAILS_PER_HOUR:
        return
    notify(
        recipient_id=user.pk,
        kind="password_reset",
        event_key=f"user:{user.pk}:password_reset:{request_id}",
        data={"requested_by_staff": by_staff},
    )


def _password_reset_user(uid: str) -> User | None:
    """The user a reset link's `uid` names, active, or None; InvalidResetLink naming `uid`
    when it is not one of ours (not base64url of an id)."""
    try:
        user_id = int(force_str(urlsafe_base64_decode(uid)))
    except (ValueError, TypeError, OverflowError, UnicodeDecodeError):
        raise InvalidResetLink(fields={"uid": [InvalidResetLink.default_message]}) from None
    if not 0 < user_id < 2**63:
        raise InvalidResetLink(fields={"uid": [InvalidResetLink.default_message]})
    with context.as_system("password"):
        return User.objects.filter(pk=user_id, is_active=True).first()


@transaction.atomic
def password_reset_confirm(*, uid: str, token: str, new_password: str) -> User:
    """A reset link used: the token must be valid for the user (Django's generator: made for
    this password hash and last login, at most PASSWORD_RESET_TIMEOUT seconds ago), the new
    password pass Django's validators. Then the password is set (a "password changed" e-mail
    follows) and every API token of the user revoked: whoever held them no longer does. An
    unknown user is told as a bad token, so that ids cannot be probed."""
    user = _password_reset_user(uid)
    if user is None or not default_token_generator.check_token(user, token):
        raise InvalidResetLink(fields={"token": [InvalidResetLink.default_message]})
    try:
        validate_password(new_password, user=user)
    except ValidationError as exc:
        raise ValidationError({"new_password": exc.messages}) from exc
    user_set_password(user=user, password=new_password, actor=user)
    # The caller is not signed in: the password actor revokes, as it set the password.
    with context.as_system("password"):
        tokens_revoke_all(users=[user], actor=user)
    return user


# --- E-mail change ------------------------------------------------------------------------
# POST /auth/email/change/ {current_password, new_email} e-mails a confirmation link to the new
# address (the token is made when that e-mail is built: apps/accounts/tokens.py); POST
# /auth/email/change/confirm/ {token} makes the change as system:email, the one actor besides
# staff and maintenance that PostgreSQL lets change users.email (accounts.0016); the old
# address is told.


def _email_in_use(email: str, *, other_than: User) -> bool:
    # Addresses are unique across tenants: the narrow actor sees every user, by email_key.
    with context.as_system("email"):
        return User.objects.filter(email__iexact=email).exclude(pk=other_than.pk).exists()


@transaction.atomic
def email_change_request(*, user: User, current_password: str, new_email: str, actor: User) -> None:
    """The account's holder asks to move it to `new_email`: their password first, then a
    confirmation link to the new address (valid EMAIL_CHANGE_TIMEOUT seconds, once). Nothing
    changes until that link is used."""
    if actor.pk != user.pk:
        raise PermissionDenied(_("Only the account's holder changes its e-mail address."))
    if not user.check_password(current_password):
        raise ValidationError({"current_password": _("This is not your current password.")})
    new_email = User.objects.normalize_email(new_email)
    if new_email.upper() == user.email.upper():
        raise ValidationError({"new_email": _("This is already your e-mail address.")})
    if _email_in_use(new_email, other_than=user):
        raise ValidationError({"new_email": [EmailUnavailable.default_message]})
    notify(
        recipient_id=user.pk,
        kind="email_change_confirm",
        event_key=f"user:{user.pk}:email_change:{uuid.uuid4().hex}",
        data={"new_email": new_email},
    )


@transaction.atomic
def email_change_confirm(*, token: str) -> User:
    """The new address confirmed: the account takes it (as system:email), and the address it
    replaces is told. 400 invalid_email_change_link for a forged, expired or used link (the
    current address must still be the one the link was made for); 400 email_unavailable when
    another account took the address meanwhile. Outstanding password-reset links die with the
    change (Django's reset token covers the address)."""
    change = email_change_read(token)
    user = None
    if change is not None:
        with context.as_system("email"):
            user = User.objects.filter(pk=change.user_id, is_active=True).first()
    if user is None or email_fingerprint(user.email) != change.old_fingerprint:
        raise InvalidEmailChangeLink(fields={"token": [InvalidEmailChangeLink.default_message]})
    unavailable = EmailUnavailable(fields={"token": [EmailUnavailable.default_message]})
    if _email_in_use(change.new_email, other_than=user):
        raise unavailable
    old_email, user.email = user.email, change.new_email
    try:
        # The unique index has the last word when two confirmations race for one address.
        with transaction.atomic(), context.as_system("email"):
            user.save(update_fields=["email", "updated_at"])
    except IntegrityError:
        raise unavailable from None
    # PostgreSQL cleared email_verified_at with the address (accounts.0013); the link was
    # followed from the new mailbox, which proves it as the verification e-mail would.
    user.email_verified_at = timezone.now()
    with context.as_system(VERIFICATION_ACTOR):
        user.save(update_fields=["email_verified_at", "updated_at"])
    _notify_email_changed(user=user, old_email=old_email, by_staff=False)
    return user


def _notify_email_changed(*, user: User, old_email: str, by_staff: bool) -> None:
    notify(
        recipient_id=user.pk,
        kind="email_changed",
        event_key=f"user:{user.pk}:email_changed:{uuid.uuid4().hex}",
        data={
            "old_email": old_email,
            "new_email": user.email,
            "at": timezone.now().isoformat(),
            "by_staff": by_staff,
        },
    )


@transaction.atomic
def user_email_changed_by_staff(*, user: User, old_email: str, actor: User) -> None:
    """Staff changed the address in the admin (PostgreSQL allowed it: accounts.change_user):
    the old address is told, as after the user's own change."""
    require_permission(actor, CHANGE_USER)
    if old_email.upper() != user.email.upper():
        _notify_email_changed(user=user, old_email=old_email, by_staff=True)
