"""Bookings' domain errors (apps.core.errors holds the generic ones)."""

from django.utils.translation import gettext_lazy as _

from apps.core.errors import Conflict


class BookingConflict(Conflict):
    """The stay's nights touch the listing's calendar (PostgreSQL's calendar_entries
    constraints): another booking, a night the host blocked, or the preparation nights kept
    between stays. The guest learns no more than that (not whose)."""

    code = "booking_conflict"
    default_message = _(
        "These dates are not available: they touch another booking, a night the host "
        "blocked, or the preparation nights between stays."
    )


class DatesUnavailable(Conflict):
    """A host's block would cover nights a pending or confirmed booking holds, or another
    block's (calendar_entries_no_overlap)."""

    code = "dates_unavailable"
    default_message = _(
        "These dates overlap a booking or another block of this listing: decline or cancel "
        "the booking, or lift the block, first."
    )


class StayRulesChanged(Conflict):
    """The host changed the listing's calendar rules (nights, notice, window) between the
    check and the booking's insert (PostgreSQL's guard, bookings_stay_rules)."""

    code = "stay_rules_changed"
    default_message = _("The listing's booking rules just changed: ask for a new quote.")


class UpcomingStays(Conflict):
    """An account with a confirmed stay still to come cannot be erased (the other party counts
    on it): cancel it, or wait until its check-out."""

    code = "upcoming_stays"
    default_message = _(
        "You have a confirmed stay, as guest or host, that is not over: cancel it or wait "
        "until its check-out before deleting your account."
    )


class QuoteChanged(Conflict):
    """The listing's prices changed between the quote and the booking's insert (PostgreSQL
    priced the stay otherwise): the guest asks for a new quote."""

    code = "quote_changed"
    default_message = _("The listing's prices just changed: ask for a new quote and book again.")


class StayOver(Conflict):
    """The stay's check-out has come (CHECK_OUT_HOUR on the check-out date, in the listing's
    time zone): there is nothing left to cancel."""

    code = "stay_over"
    default_message = _("This stay is over: a booking cannot be cancelled after its check-out.")


class TooManyPendingRequests(Conflict):
    """The guest already has MAX_PENDING_REQUESTS_PER_GUEST requests waiting for their hosts
    (PostgreSQL's trigger bookings_limit_pending_per_guest): one must be answered, expire or be
    cancelled first."""

    code = "too_many_pending_requests"
    default_message = _(
        "You have too many booking requests waiting for their hosts: wait for an answer, or "
        "cancel one, before requesting another stay."
    )
