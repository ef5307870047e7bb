"""A PBKDF2 hasher with few iterations: makes the suite's MD5 hashes look outdated at login
without spending a second per hash."""

from django.contrib.auth.hashers import PBKDF2PasswordHasher


class FastPBKDF2PasswordHasher(PBKDF2PasswordHasher):
    iterations = 1000
