"""Deterministic, plausible UK sale and rent estimates for the sandbox.

Not a valuation model: just enough realism that a homeowner in Derby sees Derby-ish numbers and a
demo looks right. The same input always gives the same figures.
"""

from __future__ import annotations

import hashlib
import math
import re
from dataclasses import dataclass
from typing import Any

SUCCESS = "Success"
INSUFFICIENT_DATA = "Insufficient data"


@dataclass(frozen=True)
class AreaPrices:
    average_price: int  # pounds, a typical (roughly 3-bedroom, semi-detached) home
    gross_yield: float  # annual rent as a share of price


# Average house price by postcode AREA (the leading letters of a postcode).
# Source: HM Land Registry / ONS UK House Price Index, 2023 annual average prices for the main
# local authority (or authorities) each postcode area covers, rounded to £10,000; gross rental
# yields are typical regional figures (about 4% in London up to 6% in the North East and Scotland).
# Indicative sandbox figures, not a valuation. Areas absent here (e.g. BT, GY, JE, IM, ZE) are
# ones the sandbox cannot value.
AREAS: dict[str, AreaPrices] = {
    # London
    "E": AreaPrices(480_000, 0.042), "EC": AreaPrices(750_000, 0.038),
    "N": AreaPrices(600_000, 0.040), "NW": AreaPrices(650_000, 0.040),
    "SE": AreaPrices(480_000, 0.042), "SW": AreaPrices(650_000, 0.038),
    "W": AreaPrices(750_000, 0.038), "WC": AreaPrices(900_000, 0.036),
    "BR": AreaPrices(500_000, 0.040), "CR": AreaPrices(420_000, 0.043),
    "KT": AreaPrices(540_000, 0.040), "TW": AreaPrices(520_000, 0.040),
    "HA": AreaPrices(520_000, 0.041), "IG": AreaPrices(470_000, 0.042),
    # South East and East
    "GU": AreaPrices(480_000, 0.040), "RH": AreaPrices(430_000, 0.042),
    "BN": AreaPrices(420_000, 0.043), "TN": AreaPrices(420_000, 0.042),
    "ME": AreaPrices(300_000, 0.047), "CT": AreaPrices(330_000, 0.045),
    "OX": AreaPrices(460_000, 0.042), "RG": AreaPrices(380_000, 0.044),
    "SL": AreaPrices(430_000, 0.043), "SO": AreaPrices(320_000, 0.045),
    "PO": AreaPrices(300_000, 0.046), "MK": AreaPrices(330_000, 0.046),
    "AL": AreaPrices(600_000, 0.040), "CB": AreaPrices(450_000, 0.042),
    "CM": AreaPrices(400_000, 0.043), "SS": AreaPrices(360_000, 0.044),
    "NR": AreaPrices(270_000, 0.047), "LU": AreaPrices(290_000, 0.048),
    # South West
    "BS": AreaPrices(340_000, 0.047), "BA": AreaPrices(380_000, 0.043),
    "EX": AreaPrices(320_000, 0.045), "PL": AreaPrices(230_000, 0.052),
    "BH": AreaPrices(360_000, 0.044), "GL": AreaPrices(300_000, 0.047),
    # Midlands
    "B": AreaPrices(240_000, 0.052), "CV": AreaPrices(260_000, 0.051),
    "DE": AreaPrices(240_000, 0.050), "NG": AreaPrices(230_000, 0.051),
    "LE": AreaPrices(260_000, 0.050), "ST": AreaPrices(190_000, 0.055),
    "WV": AreaPrices(210_000, 0.054), "NN": AreaPrices(270_000, 0.050),
    # North
    "M": AreaPrices(240_000, 0.056), "L": AreaPrices(190_000, 0.058),
    "WA": AreaPrices(260_000, 0.052), "CH": AreaPrices(270_000, 0.050),
    "LS": AreaPrices(250_000, 0.054), "S": AreaPrices(210_000, 0.055),
    "BD": AreaPrices(170_000, 0.058), "HU": AreaPrices(160_000, 0.060),
    "YO": AreaPrices(290_000, 0.048), "NE": AreaPrices(180_000, 0.058),
    "SR": AreaPrices(140_000, 0.062), "TS": AreaPrices(150_000, 0.062),
    # Wales and Scotland
    "CF": AreaPrices(260_000, 0.052), "SA": AreaPrices(200_000, 0.055),
    "EH": AreaPrices(300_000, 0.050), "G": AreaPrices(180_000, 0.060),
    "AB": AreaPrices(160_000, 0.060),
}

# Price relative to the area average (a typical 3-bedroom home) by number of bedrooms (0 = studio).
BEDROOM_FACTORS = (0.45, 0.55, 0.75, 1.00, 1.35, 1.70, 2.00, 2.25, 2.50, 2.75, 3.00)
PROPERTY_TYPE_FACTORS = {
    "detached": 1.30,
    "semi-detached": 1.00,
    "terraced": 0.88,
    "flat-maisonette": 0.75,
}

# A full UK postcode, spaces removed: area letters, district, then sector digit and unit letters.
_POSTCODE = re.compile(r"([A-Z]{1,2})(\d[A-Z\d]?)(\d[A-Z]{2})")


def normalise_postcode(postcode: str) -> str | None:
    """``"De1 1JX"`` -> ``"DE11JX"``; ``None`` when it doesn't look like a full UK postcode."""
    compact = re.sub(r"\s+", "", postcode).upper()
    return compact if _POSTCODE.fullmatch(compact) else None


def postcode_area(postcode: str) -> str | None:
    compact = normalise_postcode(postcode)
    match = _POSTCODE.fullmatch(compact) if compact else None
    return match.group(1) if match else None


def round_to(value: float, step: int) -> int:
    return math.floor(value / step + 0.5) * step


def round_sale(value: float) -> int:
    # Agents quote round figures: to the nearest £5,000, or £1,000 for cheaper homes.
    return round_to(value, 5_000 if value >= 200_000 else 1_000)


def local_variation(compact_postcode: str) -> float:
    """A stable factor in [0.95, 1.05) so neighbouring postcodes differ a little (hash, no RNG)."""
    digest = hashlib.sha256(compact_postcode.encode("ascii")).digest()
    return 0.95 + 0.10 * int.from_bytes(digest[:4], "big") / 2**32


def bedroom_factor(bedrooms: Any) -> float:
    if isinstance(bedrooms, bool) or not isinstance(bedrooms, int | float):
        return 1.0  # not given: assume a typical home
    index = min(max(int(bedrooms), 0), len(BEDROOM_FACTORS) - 1)
    return BEDROOM_FACTORS[index]


def type_factor(property_type: Any) -> float:
    if not isinstance(property_type, str):
        return 1.0  # not given: assume a semi-detached home
    return PROPERTY_TYPE_FACTORS.get(property_type, 1.0)


def estimate(postcode: Any, bedrooms: Any = None, property_type: Any = None) -> dict[str, Any]:
    """The valuation part of a ``POST /leads/valuation`` response for these property details."""
    compact = normalise_postcode(postcode) if isinstance(postcode, str) else None
    area = AREAS.get(postcode_area(compact) or "") if compact else None
    if compact is None or area is None:
        return {"valuation_status": INSUFFICIENT_DATA}

    average = (
        area.average_price
        * bedroom_factor(bedrooms)
        * type_factor(property_type)
        * local_variation(compact)
    )
    sale = {"minimum": average * 0.9, "average": average, "maximum": average * 1.1}
    figures: dict[str, Any] = {}
    for level, price in sale.items():
        figures[f"{level}_sale_estimation"] = round_sale(price)
    for level, price in sale.items():
        # Rent per calendar month from the gross yield on the (unrounded) price.
        figures[f"{level}_rent_estimation"] = round_to(price * area.gross_yield / 12, 5)
    figures["valuation_status"] = SUCCESS
    return figures
