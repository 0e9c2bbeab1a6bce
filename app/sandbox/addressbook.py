"""Deterministic, plausible addresses for any well-formed postcode, in Ideal Postcodes' shape.

Not real data: a street of numbered houses, sometimes a few named houses, sometimes a building
of flats, a few dozen addresses at most, each with a UPRN and a UDPRN. The same postcode always
gives the same addresses. Documented rules, by the postcode's last two letters (its unit):

- `ZZ` (e.g. `DE1 1ZZ`): no such postcode (404, code 4040);
- `YY` (e.g. `DE1 1YY`): the postcode exists but holds no addresses (an empty list);
- `LL` (e.g. `DE1 1LL`): businesses with long names in a long-named building, whose full line
  exceeds the Lead API's 100 characters (to see the shortening at work);
- a postcode that is not the shape of one: 404, code 4040, as the real service answers.
"""

from __future__ import annotations

import hashlib
import random
from typing import Any

from app.sandbox.estimates import normalise_postcode, postcode_area

NO_SUCH_POSTCODE_UNIT = "ZZ"
NO_ADDRESSES_UNIT = "YY"
LONG_ADDRESSES_UNIT = "LL"

# The main post town of some postcode areas; others get "SANDBOX TOWN".
POST_TOWNS = {
    "AB": "ABERDEEN", "B": "BIRMINGHAM", "BA": "BATH", "BD": "BRADFORD", "BH": "BOURNEMOUTH",
    "BN": "BRIGHTON", "BS": "BRISTOL", "CB": "CAMBRIDGE", "CF": "CARDIFF", "CH": "CHESTER",
    "CV": "COVENTRY", "DE": "DERBY", "DN": "DONCASTER", "E": "LONDON", "EC": "LONDON",
    "EH": "EDINBURGH", "EX": "EXETER", "G": "GLASGOW", "GL": "GLOUCESTER", "HU": "HULL",
    "L": "LIVERPOOL", "LE": "LEICESTER", "LS": "LEEDS", "M": "MANCHESTER", "MK": "MILTON KEYNES",
    "N": "LONDON", "NE": "NEWCASTLE UPON TYNE", "NG": "NOTTINGHAM", "NR": "NORWICH",
    "NW": "LONDON", "OX": "OXFORD", "PL": "PLYMOUTH", "PO": "PORTSMOUTH", "RG": "READING",
    "S": "SHEFFIELD", "SE": "LONDON", "SO": "SOUTHAMPTON", "ST": "STOKE-ON-TRENT",
    "SW": "LONDON", "W": "LONDON", "WC": "LONDON", "YO": "YORK",
}
STREETS = (
    "Station Road", "Church Lane", "Victoria Street", "Mill Lane", "Park Avenue", "High Street",
    "Queens Road", "The Crescent", "Orchard Close", "Kingsway", "Albert Road", "Elm Grove",
    "Chapel Street", "Manor Drive", "Willow Way", "St John's Road", "Meadow View",
)
LOCALITIES = ("Littleover", "Westfield", "Northbrook", "Ashford Green", "Upper Stanton")
HOUSE_NAMES = (
    "Rose Cottage", "The Old Forge", "Orchard House", "The Coach House", "Holly Lodge",
    "The Old School House", "Ivy Cottage", "Fairview",
)
BUILDINGS = ("Mill House", "Victoria Court", "Albion Works", "Chapel Mews", "Riverside House")
LONG_BUILDING = "The Old Cotton Exchange Buildings"
LONG_ORGANISATIONS = (
    "Northern Regional Chartered Surveyors and Property Consultants Limited",
    "Independent Financial Advisers and Mortgage Brokers Partnership LLP",
)


def lookup(postcode: str) -> list[dict[str, Any]] | None:
    """The addresses of `postcode` (any case and spacing); None when it does not exist."""
    compact = normalise_postcode(postcode)
    if compact is None or compact.endswith(NO_SUCH_POSTCODE_UNIT):
        return None
    if compact.endswith(NO_ADDRESSES_UNIT):
        return []
    return _Street(compact).addresses()


class _Street:
    """One postcode's addresses, drawn from a generator seeded by the postcode itself."""

    def __init__(self, compact: str):
        self.outward, self.inward = compact[:-3], compact[-3:]
        self.postcode = f"{self.outward} {self.inward}"
        seed = int.from_bytes(hashlib.sha256(compact.encode()).digest()[:8], "big")
        self.rng = random.Random(seed)
        self.town = POST_TOWNS.get(postcode_area(compact) or "", "SANDBOX TOWN")
        self.street = self.rng.choice(STREETS)
        self.locality = self.rng.choice(LOCALITIES) if self.rng.random() < 0.3 else ""
        self.eastings = self.rng.randrange(300_000, 500_000)
        self.northings = self.rng.randrange(100_000, 500_000)
        self.records: list[dict[str, Any]] = []

    def addresses(self) -> list[dict[str, Any]]:
        rng = self.rng
        if self.inward.endswith(LONG_ADDRESSES_UNIT):
            self.locality = "Upper Stanton"
            for flat, organisation in enumerate(LONG_ORGANISATIONS, start=1):
                self.add(number="12", building=LONG_BUILDING, sub=f"Suite {flat}",
                         organisation=organisation, department="Residential Lettings")
            self.add(number="12", building=LONG_BUILDING, sub="Flat 3")
            return self.records
        first, step = rng.choice((1, 2)), 2
        houses = rng.randrange(6, 21)
        numbers = [first + step * i for i in range(houses)]
        flats_at = rng.choice(numbers) if rng.random() < 0.5 else None
        for number in numbers:
            if number == flats_at:
                building = rng.choice(BUILDINGS)
                for flat in range(1, rng.randrange(4, 13)):
                    self.add(number=str(number), building=building, sub=f"Flat {flat}")
            else:
                self.add(number=str(number))
        for name in rng.sample(HOUSE_NAMES, rng.randrange(0, 4)):
            self.add(building=name)
        return self.records

    def add(
        self,
        number: str = "",
        building: str = "",
        sub: str = "",
        organisation: str = "",
        department: str = "",
    ) -> None:
        index = len(self.records)
        digest = hashlib.sha256(f"{self.postcode}/{index}".encode()).digest()
        udprn = 10_000_000 + int.from_bytes(digest[:4], "big") % 90_000_000
        uprn = str(100_000_000_000 + int.from_bytes(digest[4:9], "big") % 900_000_000_000)
        premise = ", ".join(p for p in (sub, building, number) if p)
        lines = [
            ", ".join(p for p in (organisation, department) if p),
            ", ".join(p for p in (sub, building) if p),
            f"{number} {self.street}".strip(),
            self.locality,
        ]
        lines = [line for line in lines if line]
        if len(lines) > 3:
            lines = [*lines[:2], ", ".join(lines[2:])]
        lines += [""] * (3 - len(lines))
        self.records.append({
            "postcode": self.postcode,
            "postcode_inward": self.inward,
            "postcode_outward": self.outward,
            "post_town": self.town,
            "line_1": lines[0], "line_2": lines[1], "line_3": lines[2],
            "premise": premise,
            "organisation_name": organisation,
            "department_name": department,
            "building_name": building,
            "building_number": number,
            "sub_building_name": sub,
            "thoroughfare": self.street,
            "dependant_thoroughfare": "",
            "dependant_locality": self.locality,
            "double_dependant_locality": "",
            "po_box": "",
            "county": "Sandboxshire", "postal_county": "", "traditional_county": "Sandboxshire",
            "district": self.town.title(), "ward": "Central", "country": "England",
            "udprn": udprn,
            "uprn": uprn,
            "eastings": self.eastings + index * 7,
            "northings": self.northings + index * 5,
            "longitude": round(-1.5 + (self.eastings % 1000) / 10_000, 6),
            "latitude": round(52.9 + (self.northings % 1000) / 10_000, 6),
        })
