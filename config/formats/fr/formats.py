"""How Django writes dates and times in French (FORMAT_MODULE_PATH): as config/formats/en, the
time zone's abbreviation after every time. Formats not named here are Django's own."""

DATE_FORMAT = "j F Y"  # 6 décembre 2026
DATETIME_FORMAT = "j F Y, H:i T"  # 6 décembre 2026, 09:15 CET
TIME_FORMAT = "H:i"
SHORT_DATE_FORMAT = "d/m/Y"
SHORT_DATETIME_FORMAT = "d/m/Y H:i T"
MONTH_DAY_FORMAT = "j F"
YEAR_MONTH_FORMAT = "F Y"
