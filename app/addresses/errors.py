"""Why an address lookup gave no list: one exception per outcome the journey acts on.

Every failure except `UnknownPostcode` and `InvalidPostcode` sends the homeowner straight to
manual entry with the postcode kept; those two put an error on the postcode field (manual entry
still offered). Messages name the provider and the status, never the key or a URL.
"""

from __future__ import annotations

from typing import ClassVar, Literal, get_args

Outcome = Literal[
    "found",  # a list of addresses
    "no_addresses",  # the postcode exists (or, for OS Places, may exist) but holds none
    "unknown_postcode",  # the provider says no such postcode exists
    "invalid_postcode",  # not the shape of a UK postcode: never sent to the provider
    "timeout",  # no answer within the overall bound (about 2 s)
    "unavailable",  # connection error, 5xx, a body that is not the documented JSON
    "no_credit",  # the key's balance is used up (Ideal Postcodes 402, code 4020)
    "limited",  # the provider's own limit (Ideal Postcodes 402/4021, 429 from either)
    "bad_key",  # the provider refused the key (401/403): the operator's set-up
    "rate_limited",  # this service's own limit per client address or per widget
    "off",  # ADDRESS_LOOKUP=off: manual entry only
]
OUTCOMES: tuple[Outcome, ...] = get_args(Outcome)


class AddressLookupError(Exception):
    """Base of every lookup failure; `outcome` says which, for the journey and the metrics."""

    outcome: ClassVar[Outcome]


class InvalidPostcode(AddressLookupError):
    outcome = "invalid_postcode"


class UnknownPostcode(AddressLookupError):
    outcome = "unknown_postcode"


class ProviderUnavailable(AddressLookupError):
    outcome: ClassVar[Outcome] = "unavailable"


class ProviderTimeout(ProviderUnavailable):
    outcome: ClassVar[Outcome] = "timeout"


class ProviderOutOfCredit(AddressLookupError):
    outcome = "no_credit"


class ProviderLimited(AddressLookupError):
    outcome = "limited"


class ProviderRefusedKey(AddressLookupError):
    outcome = "bad_key"


class LookupRateLimited(AddressLookupError):
    outcome = "rate_limited"
