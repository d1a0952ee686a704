"""Password rules (OWASP ASVS 2.1): a minimum length and a strength estimate, no composition rules.

zxcvbn estimates how many guesses a password takes; its dictionaries cover common passwords, names and
words, keyboard patterns, dates and repeats, and the user's own login name, email and display name are
added as words to avoid. A password below ``PASSWORD_MIN_SCORE`` (0–4) is refused. Applied whenever a
person sets a password (account creation, change, reset), not to the demo loader.
"""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from zxcvbn import zxcvbn

from lms.errors import InvalidInput

MAX_CHECKED_LENGTH = 100  # zxcvbn's time grows with length; anything longer is long enough


def check_password_rules(password: str, *, user_inputs: list[str] | tuple[str, ...] = (), field="password"):
    password = password or ""
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        raise InvalidInput(_l("The password must have at least %(n)d characters.", n=minimum), field=field)
    words = [w for value in user_inputs if value for w in [value, *str(value).replace("@", " ").split()]]
    result = zxcvbn(password[:MAX_CHECKED_LENGTH], user_inputs=words)
    if result["score"] < current_app.config["PASSWORD_MIN_SCORE"]:
        raise InvalidInput(
            _l(
                "This password is too easy to guess: it is common, or close to your name or a word "
                "or pattern. A few unrelated words make a strong password."
            ),
            field=field,
        )
