"""Phone numbers: valid for dialling, in the form the agency's autocaller takes."""

from __future__ import annotations

import re

import phonenumbers

PHONE_EXAMPLE = "like 01332 123456, 07911 123456 or +33 6 12 34 56 78"


def normalise_phone(value: str) -> str | None:
    """A UK number in national form (`07986000000`), any other valid number in E.164."""
    if not re.search(r"\d", value) or len(value) > 40:
        return None
    try:
        number = phonenumbers.parse(value, "GB")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number) or number.extension:
        return None  # an extension cannot be dialled by the agency's autocaller
    if number.country_code == 44:  # includes the Channel Islands and Isle of Man
        national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
        return national.replace(" ", "")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
