"""PASSWORD_RESET_URL and EMAIL_CHANGE_URL are checked when the settings load: a template
whose placeholders are not exactly the expected ones is refused, naming the setting."""

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from apps.core.link_templates import checked_link_template

RESET = {"uid", "token"}


def test_the_defaults_pass():
    assert "{uid}" in settings.PASSWORD_RESET_URL and "{token}" in settings.PASSWORD_RESET_URL
    assert "{token}" in settings.EMAIL_CHANGE_URL


def test_a_good_template_is_returned_as_is():
    value = "https://app.example/auth/reset/{uid}/{token}"

    assert checked_link_template("PASSWORD_RESET_URL", value, fields=RESET) == value


@pytest.mark.parametrize(
    "value, says",
    [
        ("https://app.example/reset?uid={uid}", "must contain {token}, {uid}"),
        ("https://app.example/reset?uid={uid}&token={tokn}", "must contain {token}, {uid}"),
        ("https://app.example/reset?u={uid}&t={token}&x={extra}", "no other placeholder"),
        ("https://app.example/reset?uid={uid&token={token}", "PASSWORD_RESET_URL: "),
        ("javascript:alert({uid},{token})", "must be an http(s) URL"),
    ],
)
def test_a_bad_template_is_refused_naming_the_setting(value, says):
    with pytest.raises(ImproperlyConfigured, match="PASSWORD_RESET_URL") as caught:
        checked_link_template("PASSWORD_RESET_URL", value, fields=RESET)

    assert says in str(caught.value)
