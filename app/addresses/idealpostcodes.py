"""Ideal Postcodes' postcode lookup: `GET {base}/v1/postcodes/{postcode}`.

Written from the provider's public documentation (see the README's address providers
section): 200 `{"result": [ADDRESS, ...], "code": 2000}`; 404 code 4040 for a postcode that does
not exist; 401 code 4010 for a bad key; 402 code 4020 (balance used up) or 4021 (a daily
limit); 5xx or any body that is not that JSON means the provider is unavailable. The key goes
in the `Authorization` header (the documented alternative to `?api_key=`), so no URL holds it.
"""

from __future__ import annotations

from typing import Any

import httpx
from pydantic import SecretStr

from app.addresses import http
from app.addresses.config import DEFAULT_BASES
from app.addresses.errors import (
    ProviderLimited,
    ProviderOutOfCredit,
    ProviderRefusedKey,
    ProviderUnavailable,
    UnknownPostcode,
)
from app.addresses.model import Address, AddressParts
from app.addresses.provider import checked_postcode
from app.addresses.titlecase import title_case

DEFAULT_BASE = DEFAULT_BASES["ideal-postcodes"]
NOT_FOUND = 4040
BALANCE_EXHAUSTED = 4020
LIMIT_REACHED = 4021


class IdealPostcodes:
    """The Ideal Postcodes adapter. `base` without a trailing slash; `transport` replaces the
    network (an ASGI app in process, a mock in tests); the pooled client is this object's."""

    def __init__(
        self,
        api_key: SecretStr,
        base: str = DEFAULT_BASE,
        transport: httpx.AsyncBaseTransport | None = None,
        name: str = "ideal-postcodes",
    ):
        self.name = name
        self._key = api_key
        self._base = base.rstrip("/")
        self._client = http.new_client(transport)

    async def lookup(self, postcode: str) -> list[Address]:
        """Addresses of `postcode`; see `AddressProvider.lookup` for the errors raised."""
        compact = checked_postcode(postcode).replace(" ", "")
        request = self._client.build_request(
            "GET",
            f"{self._base}/v1/postcodes/{compact}",
            headers={"Authorization": f'api_key="{self._key.get_secret_value()}"'},
        )
        response = await http.send(self._client, request, self.name)
        return self._addresses(response)

    def _addresses(self, response: httpx.Response) -> list[Address]:
        status = response.status_code
        if status >= 500:
            raise ProviderUnavailable(f"{self.name} answered {status}")
        body = http.read_json(response, self.name)
        code = body.get("code") if isinstance(body, dict) else None
        if status == 200 and isinstance(body, dict) and isinstance(body.get("result"), list):
            return [address_from_record(r) for r in body["result"] if isinstance(r, dict)]
        if status == 404 and code == NOT_FOUND:
            raise UnknownPostcode(f"{self.name}: no such postcode (4040)")
        if status in (401, 403):
            raise ProviderRefusedKey(f"{self.name} refused the key ({status}, code {code})")
        if status == 402 and code == LIMIT_REACHED:
            raise ProviderLimited(f"{self.name}: a daily limit was reached (402, 4021)")
        if status == 402:
            raise ProviderOutOfCredit(f"{self.name}: the key's balance is used up (402, {code})")
        if status == 429:
            raise ProviderLimited(f"{self.name}: rate limited (429)")
        raise ProviderUnavailable(f"{self.name} answered {status} with an unexpected body")

    async def aclose(self) -> None:
        await self._client.aclose()


def _text(record: dict[str, Any], name: str) -> str:
    value = record.get(name)
    return str(value).strip() if value not in (None, "") else ""


def address_from_record(record: dict[str, Any]) -> Address:
    """One documented ADDRESS object → `Address`. Lines and elements are already mixed case;
    the post town is upper case and gets the careful title case."""
    parts = AddressParts(
        organisation=_text(record, "organisation_name"),
        department=_text(record, "department_name"),
        sub_building=_text(record, "sub_building_name"),
        building_name=_text(record, "building_name"),
        building_number=_text(record, "building_number"),
        dependent_thoroughfare=_text(record, "dependant_thoroughfare"),
        thoroughfare=_text(record, "thoroughfare"),
        double_dependent_locality=_text(record, "double_dependant_locality"),
        dependent_locality=_text(record, "dependant_locality"),
        po_box=_text(record, "po_box"),
    )
    lines = tuple(line for line in (_text(record, f"line_{n}") for n in (1, 2, 3)) if line)
    return Address(
        lines=lines or parts.display_lines(),
        post_town=title_case(_text(record, "post_town")),
        postcode=_text(record, "postcode").upper(),
        uprn=_text(record, "uprn") or None,
        udprn=_text(record, "udprn") or None,
        parts=parts,
    )
