from django.contrib.postgres.fields import DateRangeField
from django.db.models import Func


class DateRange(Func):
    """daterange(lower, upper[, bounds]) — half-open '[)' by default, like a stay."""

    function = "daterange"
    output_field = DateRangeField()
