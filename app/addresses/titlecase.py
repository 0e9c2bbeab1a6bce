"""Careful title case for upper-case address records (OS Places' DPA fields, post towns).

The rule, word by word (words are split on spaces; hyphenated parts are cased one by one):

- a word holding a digit stays upper case: `2A`, `12B`; so does a single letter (`FLAT B`);
- a few acronyms stay upper case: `UK`, `NHS`, `YMCA`, ...;
- small joining words are lower case inside a name: `of`, `and`, `the`, `upon`, `on`, `in`,
  `de`, `la`, `le`, `super`, ... (`NEWCASTLE UPON TYNE` → `Newcastle upon Tyne`,
  `STOKE-ON-TRENT` → `Stoke-on-Trent`, `HOUSE OF FRASER` → `House of Fraser`), but a name
  starts with a capital: as the first word, after a comma or after a number
  (`FLAT 2, THE OLD MILL` → `Flat 2, The Old Mill`, `12 DE VERE GARDENS` → `12 De Vere Gardens`);
- `Mc` names: `MCDONALD` → `McDonald`;
- after an apostrophe: one letter before it starts a name (`O'BRIEN` → `O'Brien`), otherwise
  it is a possessive (`BISHOP'S` → `Bishop's`);
- everything else: first letter upper, the rest lower.

`Mac` names are left alone (`MACHIN` is not `MacHin`); a rule cannot tell them apart.
"""

from __future__ import annotations

import re

# The joining words of English place names: Stratford-upon-Avon, Chapel-en-le-Frith,
# Wells-next-the-Sea, Sutton-cum-Lound, Weston-super-Mare, Ashby-de-la-Zouch.
SMALL_WORDS = frozenset({
    "and", "at", "by", "cum", "de", "du", "en", "in", "la", "le", "next", "of", "on", "sub",
    "super", "the", "under", "upon",
})
ACRONYMS = frozenset({"UK", "NHS", "YMCA", "YWCA", "RAF", "BBC", "PO", "HM", "II", "III", "IV"})
_LETTERS = re.compile(r"[^\W\d_]")


def title_case(text: str) -> str:
    """`FLAT 2A, THE OLD MILL` → `Flat 2A, The Old Mill`: see the module's rule."""
    cased: list[str] = []
    starts_name = True
    for word in text.split(" "):
        parts = []
        for part in word.split("-"):
            parts.append(_case_word(part, starts_name))
            starts_name = not part or part.endswith(",") or any(ch.isdigit() for ch in part)
        cased.append("-".join(parts))
    return " ".join(cased)


def _case_word(word: str, first: bool) -> str:
    """One word; `first` when it starts a name (and so is never a lower-case joining word)."""
    core = word.strip(".,()'\"")
    if not core:
        return word
    if any(ch.isdigit() for ch in core) or (len(core) == 1 and core.isalpha() and not first):
        return word.upper()
    if core.upper() in ACRONYMS:
        return word.upper()
    if not first and core.lower() in SMALL_WORDS:
        return word.lower()
    return _capitalise(word)


def _capitalise(word: str) -> str:
    lowered = word.lower()
    letter = _LETTERS.search(lowered)
    if letter is None:
        return word
    start = letter.start()
    cased = lowered[:start] + lowered[start].upper() + lowered[start + 1 :]
    if cased[start:].startswith("Mc") and len(cased) > start + 2:
        cased = cased[: start + 2] + cased[start + 2].upper() + cased[start + 3 :]
    return _after_apostrophes(cased)


def _after_apostrophes(word: str) -> str:
    # O'BRIEN → O'Brien, D'ARCY → D'Arcy; BISHOP'S → Bishop's (the 's stays lower case).
    for mark in ("'", "\u2019"):
        head, sep, tail = word.partition(mark)
        if sep and tail and len(_LETTERS.findall(head)) == 1:
            return head + sep + tail[0].upper() + tail[1:]
    return word
