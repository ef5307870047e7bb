"""What each of bookings' functions, triggers and policies is for (COMMENT ON, nothing else)."""

from django.db import migrations

from apps.core.db.comments import audit_trigger_comments, comment_on

COMMENTS = {
    "FUNCTION listing_booked_ranges(target_listing bigint, from_date date, to_date date)": (
        "The booked date ranges of a listing the caller may see, without revealing who booked "
        "(for availability calendars and search)."
    ),
    "POLICY bookings_guest_create ON bookings": (
        "A guest books for themselves in their own tenant."
    ),
    "POLICY bookings_parties_read ON bookings": (
        "A booking's guest and its listing's owner read it."
    ),
    "POLICY bookings_parties_update ON bookings": (
        "A booking's guest and its listing's owner change it, within their tenant."
    ),
    "POLICY bookings_staff_and_system ON bookings": (
        "Staff and system actors (completion, commands) manage every booking."
    ),
    **audit_trigger_comments("bookings"),
}


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0005_date_bounds"),
        ("core", "0008_object_comments"),
    ]

    operations = [comment_on(COMMENTS)]
