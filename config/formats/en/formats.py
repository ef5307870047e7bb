"""How Django writes dates and times in English (FORMAT_MODULE_PATH): day first, 24-hour
clock, and the time zone's abbreviation after every time, so that nobody in the back-office
reads a Paris time as UTC or the reverse. Formats not named here are Django's own."""

DATE_FORMAT = "j M Y"  # 6 Dec 2026
DATETIME_FORMAT = "j M Y, H:i T"  # 6 Dec 2026, 09:15 CET
TIME_FORMAT = "H:i"
SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "d/m/Y H:i T"
MONTH_DAY_FORMAT = "j F"
YEAR_MONTH_FORMAT = "F Y"
