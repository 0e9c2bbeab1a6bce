"""Pasted text made into the text the homeowner sees, before any rule reads it.

People paste from emails, PDFs and word processors, which bring characters nobody can see.
They would be checked, counted, stored and sent as they are, so every text answer is first
made into the text the homeowner sees (`normalise_text`).
"""

from __future__ import annotations

import re
import unicodedata

# Format characters (Unicode category Cf) that mean something inside a value: joiners shape
# emoji and some scripts (Persian, Indic, Mongolian), so they only go at either end.
_JOINERS = "\u200c\u200d\u180e"
# Prepended concatenation marks are format characters too, but visible (Arabic number signs).
_VISIBLE_FORMAT = frozenset(
    "\u0600\u0601\u0602\u0603\u0604\u0605\u06dd\u070f\u0890\u0891\u08e2\U000110bd\U000110cd"
)
# Tag characters are invisible, except in the flags of England, Scotland and Wales.
_TAG_FLAG = re.compile("(\U0001f3f4[\U000e0020-\U000e007e]+\U000e007f)")
# Every kind of space and line break (categories Zs, Zl, Zp) becomes a plain space; so do the
# control characters that separate words (tab, newline...), while other controls (NUL, ESC) go.
_SPACE_CATEGORIES = frozenset(("Zs", "Zl", "Zp"))
# Full-width Latin letters and digits (U+FF10–FF19, FF21–FF3A, FF41–FF5A) are how an East Asian
# keyboard types them: the same ASCII characters are U+FEE0 lower. A name, an email or a postcode
# typed so is read as the plain one. Full-width punctuation is left as typed: the email rule
# names a wide apostrophe or hyphen with the plain one to use. (Phone digits of any width the
# phonenumbers library reads itself.)
FULL_WIDTH_TO_ASCII = {
    code: code - 0xFEE0
    for start, end in ((0xFF10, 0xFF19), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A))
    for code in range(start, end + 1)
}
# Plain ASCII only needs its control characters handled (the common, fast path).
_ASCII_CONTROLS = {code: " " if chr(code).isspace() else None for code in [*range(0x20), 0x7F]}


def normalise_text(value: str) -> str:
    r"""The text a homeowner sees, as one line: what every answer is checked, counted and sent as.

    - invisible format characters (Unicode Cf: zero-width space U+200B, word joiner U+2060,
      byte order mark U+FEFF, soft hyphen U+00AD, bidi controls, tags...) are removed, and
      lone surrogates, which are not text; zero-width (non-)joiners only at either end;
    - every kind of space (no-break U+00A0, thin U+2009, narrow no-break U+202F, ideographic
      U+3000...), line and paragraph separators, tabs and newlines become a space; other
      control characters (NUL, ESC...) are removed;
    - full-width Latin letters and digits (`Ｊｏｈｎ`, `ＤＥ１`) become ASCII ones;
    - the result is composed (Unicode NFC: `a` + U+0302 becomes `â`, one character), trimmed,
      and runs of spaces collapse to one.

    So `"Jo\u200bhn"` → `"John"`, `"Ｊｏｈｎ"` → `"John"`,
    `"Sia\u0302n"` → `"Siân"`, `"DE1\u00a01JX"` → `"DE1 1JX"`.
    Source: Unicode Standard Annex #15 (normalisation) and the UCD's general categories.
    """
    if value.isascii():
        cleaned = value.translate(_ASCII_CONTROLS)
    else:
        parts = _TAG_FLAG.split(value)  # odd items are flags, kept whole
        cleaned = "".join(
            part if index % 2 else _without_invisible(part) for index, part in enumerate(parts)
        )
        cleaned = unicodedata.normalize("NFC", cleaned.translate(FULL_WIDTH_TO_ASCII))
    return " ".join(cleaned.split()).strip(" " + _JOINERS)


def _without_invisible(text: str) -> str:
    """Spaces as plain spaces; other controls, invisible format characters and surrogates gone."""
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if category in _SPACE_CATEGORIES or (category == "Cc" and char.isspace()):
            kept.append(" ")
        elif category in ("Cc", "Cs") or (
            category == "Cf" and char not in _JOINERS and char not in _VISIBLE_FORMAT
        ):
            continue
        else:
            kept.append(char)
    return "".join(kept)
