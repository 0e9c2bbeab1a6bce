"""The one small interface every address provider offers."""

from __future__ import annotations

from typing import Protocol

from app.addresses.errors import InvalidPostcode
from app.addresses.model import Address
from app.validation import normalise_postcode


class AddressProvider(Protocol):
    """Postcode → addresses. `name` labels logs and metrics (`ideal-postcodes`, `os-places`,
    `sandbox`)."""

    name: str

    async def lookup(self, postcode: str) -> list[Address]:
        """Every address of `postcode` (any case and spacing), in the provider's order; `[]` when
        it holds none. Raises an `AddressLookupError` subclass for every other outcome."""
        ...

    async def aclose(self) -> None:
        """Close the provider's connection pool."""
        ...


def checked_postcode(postcode: str) -> str:
    """`de11jx` → `DE1 1JX` (the form's own rule); `InvalidPostcode` when it is not one."""
    normalised = normalise_postcode(postcode)
    if normalised is None:
        raise InvalidPostcode("not the shape of a UK postcode")
    return normalised
