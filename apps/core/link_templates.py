"""Front-end link templates read from the environment ("https://app.example/reset?uid={uid}"),
checked when the settings load: a typo in a placeholder would otherwise fail every send job
that builds such a link (a KeyError in str.format), long after the deployment."""

from string import Formatter

from django.core.exceptions import ImproperlyConfigured


def checked_link_template(name: str, value: str, *, fields: set[str]) -> str:
    """`value` if its {placeholders} are exactly `fields`; else ImproperlyConfigured naming
    `name`, the setting."""
    try:
        found = {
            field for _text, field, _spec, _conv in Formatter().parse(value) if field is not None
        }
    except ValueError as exc:  # an unbalanced brace
        raise ImproperlyConfigured(f"{name}: {exc}.") from None
    if found != fields:
        expected = ", ".join("{%s}" % field for field in sorted(fields))  # noqa: UP031
        raise ImproperlyConfigured(f"{name} must contain {expected} and no other placeholder.")
    if not value.startswith(("https://", "http://")):
        raise ImproperlyConfigured(f"{name} must be an http(s) URL.")
    return value
