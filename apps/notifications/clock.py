"""The time the notification rules read (e-mail batch windows): timezone.now(), in one place
that tests replace to move through a 15-minute window without waiting."""

import datetime as dt

from django.utils import timezone


def now() -> dt.datetime:
    return timezone.now()
