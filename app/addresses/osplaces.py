"""Ordnance Survey's Places API, postcode search over the DPA dataset (Royal Mail's PAF).

Written from OS's public documentation (see the README's address providers section):
`GET {base}/search/places/v1/postcode?postcode=..&key=..&dataset=DPA&maxresults=100&offset=..`;
the header's `totalresults` says how many there are and `results` is absent when there are
none; 400 for a malformed postcode; 401 for a bad key; 429 over the rate limit; 5xx outages.

Records are upper case and get the careful title case (`titlecase.py`). `lr=EN` asks for one
language, and records are also kept once per UPRN, so a Welsh address never shows twice. OS
cannot tell a well-formed postcode that does not exist from one with no addresses: both are
"no addresses". The key travels in the query string, as documented, so nothing here logs a URL
(and `http.RedactKeys` guards httpx's own log lines).
"""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from pydantic import SecretStr

from app.addresses import http
from app.addresses.config import DEFAULT_BASES
from app.addresses.errors import (
    ProviderLimited,
    ProviderRefusedKey,
    ProviderUnavailable,
    UnknownPostcode,
)
from app.addresses.model import Address, AddressParts
from app.addresses.provider import checked_postcode
from app.addresses.titlecase import title_case

PATH = "/search/places/v1/postcode"
DEFAULT_BASE = DEFAULT_BASES["os-places"]
PAGE_SIZE = 100  # the API's largest page
# The largest postcodes (blocks of flats) hold a few hundred delivery points; each page is a
# paid transaction, so stop at 3 pages.
MAX_ADDRESSES = 300


class OsPlaces:
    """The OS Places adapter. `transport` replaces the network (tests); the
    pooled client is this object's."""

    def __init__(
        self,
        api_key: SecretStr,
        base: str = DEFAULT_BASE,
        transport: httpx.AsyncBaseTransport | None = None,
        name: str = "os-places",
    ):
        self.name = name
        self._key = api_key
        self._base = base.rstrip("/")
        self._client = http.new_client(transport)

    async def lookup(self, postcode: str) -> list[Address]:
        """Addresses of `postcode` (at most `MAX_ADDRESSES`); see `AddressProvider.lookup`."""
        postcode = checked_postcode(postcode)
        first = await self._page(postcode, 0)
        total = min(_total(first), MAX_ADDRESSES)
        # The other pages together, once the first says how many there are.
        rest = await asyncio.gather(
            *(self._page(postcode, offset) for offset in range(PAGE_SIZE, total, PAGE_SIZE))
        )
        records = [record for page in (first, *rest) for record in _dpa_records(page)]
        return _one_per_uprn(address_from_dpa(record) for record in records)[:MAX_ADDRESSES]

    async def _page(self, postcode: str, offset: int) -> dict[str, Any]:
        request = self._client.build_request(
            "GET",
            f"{self._base}{PATH}",
            params={
                "postcode": postcode,
                "key": self._key.get_secret_value(),
                "dataset": "DPA",
                "lr": "EN",
                "maxresults": PAGE_SIZE,
                "offset": offset,
            },
        )
        response = await http.send(self._client, request, self.name)
        status = response.status_code
        if status >= 500:
            raise ProviderUnavailable(f"{self.name} answered {status}")
        if status in (401, 403):
            raise ProviderRefusedKey(f"{self.name} refused the key ({status})")
        if status == 429:
            raise ProviderLimited(f"{self.name}: rate limited (429)")
        body = http.read_json(response, self.name)
        if status == 400:
            raise UnknownPostcode(f"{self.name}: not a postcode (400)")
        if status != 200 or not isinstance(body, dict) or not isinstance(body.get("header"), dict):
            raise ProviderUnavailable(f"{self.name} answered {status} with an unexpected body")
        return body

    async def aclose(self) -> None:
        await self._client.aclose()


def _total(page: dict[str, Any]) -> int:
    total = page["header"].get("totalresults")
    return total if isinstance(total, int) and not isinstance(total, bool) else 0


def _dpa_records(page: dict[str, Any]) -> list[dict[str, Any]]:
    results = page.get("results") or []
    return [r["DPA"] for r in results if isinstance(r, dict) and isinstance(r.get("DPA"), dict)]


def _one_per_uprn(addresses: Any) -> list[Address]:
    seen: set[str] = set()
    kept = []
    for address in addresses:
        if address.uprn and address.uprn in seen:
            continue
        if address.uprn:
            seen.add(address.uprn)
        kept.append(address)
    return kept


def _field(record: dict[str, Any], name: str) -> str:
    value = record.get(name)
    return title_case(str(value).strip()) if value not in (None, "") else ""


def address_from_dpa(record: dict[str, Any]) -> Address:
    """One DPA record → `Address`, title-cased; the postcode stays upper case."""
    parts = AddressParts(
        organisation=_field(record, "ORGANISATION_NAME"),
        department=_field(record, "DEPARTMENT_NAME"),
        sub_building=_field(record, "SUB_BUILDING_NAME"),
        building_name=_field(record, "BUILDING_NAME"),
        building_number=str(record.get("BUILDING_NUMBER") or "").strip(),
        dependent_thoroughfare=_field(record, "DEPENDENT_THOROUGHFARE_NAME"),
        thoroughfare=_field(record, "THOROUGHFARE_NAME"),
        double_dependent_locality=_field(record, "DOUBLE_DEPENDENT_LOCALITY"),
        dependent_locality=_field(record, "DEPENDENT_LOCALITY"),
        po_box=str(record.get("PO_BOX_NUMBER") or "").strip(),
    )
    return Address(
        lines=parts.display_lines() or _lines_from_one_line(record),
        post_town=_field(record, "POST_TOWN"),
        postcode=str(record.get("POSTCODE") or "").strip().upper(),
        uprn=str(record["UPRN"]).strip() if record.get("UPRN") else None,
        udprn=str(record["UDPRN"]).strip() if record.get("UDPRN") else None,
        parts=parts,
    )


def _lines_from_one_line(record: dict[str, Any]) -> tuple[str, ...]:
    """`ADDRESS` without its last two parts (post town, postcode), for a record whose elements
    are all missing."""
    pieces = [p.strip() for p in str(record.get("ADDRESS") or "").split(",") if p.strip()]
    return tuple(title_case(p) for p in pieces[:-2])
