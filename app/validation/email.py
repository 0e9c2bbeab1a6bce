"""Email addresses: valid, in the form the Lead API receives, and the characters that stop one.

Rules: RFC 5321/5322 as email-validator applies them, without SMTPUTF8 (non-ASCII before the
@), which most mail providers refuse.
"""

from __future__ import annotations

from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email

from app.validation.text import normalise_text

# The longest address SMTP can carry (RFC 5321, 4.5.3.1.3: a 256-octet path less its brackets).
EMAIL_MAX = 254
# RFC 5321 §4.5.3.1.1: at most 64 octets before the @ (ASCII there, so characters); mail
# servers refuse longer, and email-validator does not check it.
EMAIL_LOCAL_MAX = 64

# Characters that look like an apostrophe or a hyphen, put in by autocorrect and word
# processors. An address cannot hold them before the @ at most mail providers, nor a domain
# these dashes, so the message names the one typed and the plain character to use.
_APOSTROPHE_LOOKALIKES = {
    "\u2019": "a curly apostrophe",
    "\u2018": "a curly apostrophe",
    "\u201b": "a curly apostrophe",
    "\u02bc": "a curly apostrophe",
    "\u2032": "a slanted apostrophe",
    "\u00b4": "a slanted apostrophe",
    "\u02b9": "a slanted apostrophe",
    "\uff07": "a wide apostrophe",
}
_DASH_LOOKALIKES = {
    "\u2014": "a long dash",
    "\u2013": "a long dash",
    "\u2012": "a long dash",
    "\u2015": "a long dash",
    "\u2010": "a special hyphen",
    "\u2011": "a non-breaking hyphen",
    "\u2212": "a minus sign",
    "\ufe63": "a small hyphen",
    "\uff0d": "a wide hyphen",
}
STRAIGHT_APOSTROPHE = "a straight apostrophe (')"
PLAIN_HYPHEN = "a plain hyphen (-)"


@dataclass(frozen=True)
class Email:
    """A valid email address in its two forms (`Marla@Bücher.de`).

    `shown`: as the homeowner typed it, domain lower-cased (`Marla@bücher.de`): their pages.
    `sent`: the same address with an internationalised domain in its ASCII (IDNA, xn--) form
    (`Marla@xn--bcher-kva.de`): what the Lead API receives, since every validator accepts it.
    """

    shown: str
    sent: str


def read_email(value: str) -> Email | None:
    """A valid, ASCII-before-the-@ email address in its two forms; None if it is not one.

    `value` is already normalised (`normalise_text`). Rules: RFC 5321/5322 as email-validator
    applies them, without SMTPUTF8 (non-ASCII before the @), which most providers refuse.
    """
    try:
        found = validate_email(value, check_deliverability=False, allow_smtputf8=False)
    except EmailNotValidError:
        return None
    if found.ascii_email is None:  # only without SMTPUTF8, refused above: kept for the type
        return None
    return Email(shown=found.normalized, sent=found.ascii_email)


def normalise_email(value: str) -> str | None:
    """The form of an email address sent upstream and stored (`Marla@xn--bcher-kva.de`), or None."""
    email = read_email(normalise_text(value))
    return email.sent if email else None


def email_character_problem(value: str) -> str | None:
    """The message for a character mail providers refuse in an address, or None if there is none.

    A typographic apostrophe (’) before the @ or dash (—) anywhere is named with the plain one
    to use instead; any other non-ASCII character before the @ (`é`) is named too.
    """
    local, at, domain = value.partition("@")
    if not at:
        return None  # not an address at all: the format message says so
    for char in local:
        if char in _APOSTROPHE_LOOKALIKES:
            return _lookalike_message(_APOSTROPHE_LOOKALIKES[char], char, STRAIGHT_APOSTROPHE)
        if char in _DASH_LOOKALIKES:
            return _lookalike_message(_DASH_LOOKALIKES[char], char, PLAIN_HYPHEN)
    for char in domain:
        if char in _DASH_LOOKALIKES:
            return _lookalike_message(_DASH_LOOKALIKES[char], char, PLAIN_HYPHEN)
    for char in local:
        if not char.isascii():
            return (
                "The part of your email address before the @ must only include letters a to z, "
                f"numbers and symbols like . _ - + (not {char})"
            )
    return None


def _lookalike_message(name: str, char: str, plain: str) -> str:
    return f"Your email address has {name} ({char}). Use {plain} instead"
