"""The failed-login limiter: per account (normalized e-mail) and per client address.

Every login form — the API's `POST /auth/token/` and the admin's — goes through one call:

    with login_limits.attempt(request, email) as login:
        user = authenticate(...)      # raise on bad credentials: the attempt counts as failed
        login.succeeded()

Entering the block *reserves* a failure on the account's and the address's counters in one Redis
script, refusing when either is already at its limit (`LoginLocked`, 429 with Retry-After). So
the check and the count are one atomic step: requests racing through several workers or
machines cannot all pass a check made before any of them was counted. A block left without
`succeeded()` (wrong password, inactive account, any exception) keeps its reservation: it was a
failure. `succeeded()` clears the account's counter and takes back only this attempt's share of
the address's counter, so one good login from an address does not wipe the failures it made
against other accounts.

Counters live for LOGIN_FAILURE_WINDOW seconds after the last counted failure. When Redis
cannot be reached the limiter fails closed: `LoginLimiterUnavailable` (503
`throttle_unavailable`, Retry-After) — never unlimited guesses, never a 500.
"""

import hashlib
import logging
from contextlib import contextmanager

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions

from apps.core.api.throttling import CacheUnavailable, RedisScript
from apps.core.middleware import client_ip

logger = logging.getLogger("havre.login_limits")

UNAVAILABLE_RETRY_AFTER = 30  # seconds: the client tries again once Redis may be back


class LoginLocked(exceptions.Throttled):
    default_detail = _("Too many failed logins for this account or from this address.")


class LoginLimiterUnavailable(exceptions.APIException):
    status_code = 503
    default_code = "throttle_unavailable"
    default_detail = _("Logins are paused: the login limiter is unavailable. Try again shortly.")

    def __init__(self):
        super().__init__()
        self.wait = UNAVAILABLE_RETRY_AFTER


# KEYS: [1] the account's counter, [2] the address's. ARGV: [1] account limit, [2] address
# limit, [3] window in seconds. Returns 0 (reserved) or the seconds the lock has left.
_RESERVE = RedisScript(
    """
local limits = {tonumber(ARGV[1]), tonumber(ARGV[2])}
local wait = 0
for i, key in ipairs(KEYS) do
  if tonumber(redis.call('GET', key) or '0') >= limits[i] then
    wait = math.max(wait, redis.call('TTL', key), 1)
  end
end
if wait > 0 then
  return wait
end
for _, key in ipairs(KEYS) do
  redis.call('INCR', key)
  redis.call('EXPIRE', key, ARGV[3])
end
return 0
"""
)

# KEYS: [1] the account's counter, [2] the address's. A success forgets the account's
# failures and gives back the one unit this attempt reserved on the address.
_RELEASE = RedisScript(
    """
redis.call('DEL', KEYS[1])
if tonumber(redis.call('GET', KEYS[2]) or '0') > 0 then
  redis.call('DECR', KEYS[2])
end
return 0
"""
)


def _keys(request, email: str) -> list[str]:
    # upper(), as the unique index users_email_ci_unique compares addresses; hashed, so that
    # Redis holds no e-mail address.
    account = hashlib.sha256(email.strip().upper().encode()).hexdigest()[:32]
    return [f"login-failures:account:{account}", f"login-failures:ip:{client_ip(request)}"]


class LoginAttempt:
    def __init__(self, keys: list[str]):
        self._keys = keys

    def succeeded(self) -> None:
        try:
            _RELEASE(keys=self._keys, args=[])
        except CacheUnavailable as exc:
            # The password was right and was checked under the limiter: let the user in; the
            # reservation expires with the window.
            logger.warning("login success not recorded, Redis unavailable: %s", exc)


@contextmanager
def attempt(request, email: str):
    """Reserve a failure for this account and address, or raise LoginLocked /
    LoginLimiterUnavailable. Call `succeeded()` on the yielded attempt once logged in."""
    keys = _keys(request, email)
    try:
        wait = _RESERVE(
            keys=keys,
            args=[
                settings.LOGIN_FAILURE_LIMIT,
                settings.LOGIN_FAILURE_IP_LIMIT,
                settings.LOGIN_FAILURE_WINDOW,
            ],
        )
    except CacheUnavailable as exc:
        logger.warning("login refused, Redis unavailable: %s", exc)
        raise LoginLimiterUnavailable() from exc
    if wait:
        raise LoginLocked(wait=wait)
    yield LoginAttempt(keys)
