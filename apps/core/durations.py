import datetime as dt
import re

_UNITS = {"d": "days", "h": "hours", "m": "minutes", "w": "weeks"}


def parse_duration(text: str) -> dt.timedelta:
    """'30d', '12h', '2w', '90m' → timedelta (for command-line options)."""
    match = re.fullmatch(r"\s*(\d+)\s*([dhmw])\s*", text)
    if not match:
        raise ValueError(f"{text!r} is not a duration like 30d, 12h, 2w or 90m.")
    return dt.timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
