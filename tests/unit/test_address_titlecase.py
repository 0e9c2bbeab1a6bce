"""The title case of upper-case address records (OS Places): the rule in app/addresses/titlecase.py,
each clause with its examples and their siblings."""

from __future__ import annotations

import pytest

from app.addresses.titlecase import title_case

CASES = [
    # a word with a digit stays upper case; so does a lone letter
    ("FLAT 2A", "Flat 2A"),
    ("12B HIGH STREET", "12B High Street"),
    ("UNIT 3C", "Unit 3C"),
    ("FLAT B", "Flat B"),
    # Mc names
    ("MCDONALD HOUSE", "McDonald House"),
    ("MCKENZIE WAY", "McKenzie Way"),
    # apostrophes: a one-letter prefix starts a name; otherwise a possessive
    ("O'BRIEN STREET", "O'Brien Street"),
    ("D'ARCY COURT", "D'Arcy Court"),
    ("BISHOP'S STORTFORD", "Bishop's Stortford"),
    ("ST. JOHN'S ROAD", "St. John's Road"),
    # hyphenated names, with their small joining words
    ("SMITH-JONES HOUSE", "Smith-Jones House"),
    ("STOKE-ON-TRENT", "Stoke-on-Trent"),
    ("ASHBY-DE-LA-ZOUCH", "Ashby-de-la-Zouch"),
    ("WESTON-SUPER-MARE", "Weston-super-Mare"),
    ("WELLS-NEXT-THE-SEA", "Wells-next-the-Sea"),
    ("BARTON-UNDER-NEEDWOOD", "Barton-under-Needwood"),
    # small words inside a name, a capital where a name starts
    ("NEWCASTLE UPON TYNE", "Newcastle upon Tyne"),
    ("HOUSE OF FRASER", "House of Fraser"),
    ("LAND AND HOUSES", "Land and Houses"),
    ("THE OLD RECTORY", "The Old Rectory"),
    ("FLAT 2, THE OLD MILL", "Flat 2, The Old Mill"),
    ("12 DE VERE GARDENS", "12 De Vere Gardens"),
    ("MILL HOUSE, THE GREEN", "Mill House, The Green"),
    # a few acronyms
    ("NHS TRUST", "NHS Trust"),
    ("YMCA HOSTEL", "YMCA Hostel"),
    # brackets and already mixed text
    ("(REAR OF) 4 CHURCH STREET", "(Rear of) 4 Church Street"),
    ("Rose Cottage", "Rose Cottage"),
]


@pytest.mark.parametrize(("record", "shown"), CASES, ids=[c[0] for c in CASES])
def test_upper_case_record_gets_careful_title_case(record: str, shown: str) -> None:
    assert title_case(record) == shown


def test_mac_names_are_left_alone_because_no_rule_can_tell() -> None:
    # MACHIN is not MacHin; MACDONALD stays Macdonald rather than guess.
    assert title_case("MACHIN ROAD") == "Machin Road"
    assert title_case("MACDONALD ROAD") == "Macdonald Road"


def test_postcodes_are_not_title_cased_by_the_rule() -> None:
    # Words with digits stay upper case, so a postcode passing through is unchanged.
    assert title_case("DE1 1JX") == "DE1 1JX"
