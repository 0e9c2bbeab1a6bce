"""Which address provider a widget uses, with which key and base URL.

Settings `ADDRESS_LOOKUP`, `ADDRESS_LOOKUP_API_KEY` and `ADDRESS_LOOKUP_BASE` give the service's
default; a widget in WIDGETS_FILE may set its own (`address_lookup`, `address_lookup_api_key_env`
or `address_lookup_api_key_file`, `address_lookup_base`).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, SecretStr

ProviderKind = Literal["sandbox", "ideal-postcodes", "os-places", "off"]
PAID_PROVIDERS = ("ideal-postcodes", "os-places")
DEFAULT_BASES = {
    "ideal-postcodes": "https://api.ideal-postcodes.co.uk",
    "os-places": "https://api.os.uk",
}
SANDBOX_KEY = "sandbox-key"


class AddressSource(BaseModel):
    """A widget's resolved address lookup: `kind`, its key, and its base URL. For `sandbox`, a
    `base` of None means the built-in sandbox in this process; otherwise a sandbox server
    speaking the Ideal Postcodes format at `base`."""

    model_config = ConfigDict(frozen=True)

    kind: ProviderKind = "off"
    api_key: SecretStr | None = None
    base: str | None = None

    @property
    def identity(self) -> tuple[str, str | None, str | None]:
        """Widgets with the same identity share one provider: one pool and one cache."""
        key = self.api_key.get_secret_value() if self.api_key else None
        return (self.kind, self.base, key)


def resolve_source(
    kind: ProviderKind | None,
    api_key: SecretStr | None,
    base: str | None,
    *,
    default_kind: ProviderKind | None,
    default_key: SecretStr | None,
    default_base: str | None,
    live_lead_api: bool,
) -> AddressSource:
    """A widget's own values over the service's defaults. Raises ValueError (one line).

    With no provider named: `sandbox` when there is no address key, except for a widget that
    sends real leads (a Lead API key): that one gets `off` (manual entry), so homeowners never
    pick from made-up addresses. A key with no provider named is an error (which provider is it
    for?), as is a paid provider without a key.
    """
    key = api_key or default_key
    chosen = kind or default_kind
    if chosen is None:
        if key is not None:
            raise ValueError(
                "an address lookup key is set but not its provider: set ADDRESS_LOOKUP "
                "(or address_lookup) to ideal-postcodes or os-places"
            )
        chosen = "off" if live_lead_api else "sandbox"
    if chosen == "off":
        return AddressSource(kind="off")
    if chosen in PAID_PROVIDERS and key is None:
        raise ValueError(
            f"address lookup {chosen} needs a key: ADDRESS_LOOKUP_API_KEY, or "
            "address_lookup_api_key_env / address_lookup_api_key_file in WIDGETS_FILE"
        )
    # The service's base applies only to the provider it was given for.
    inherited = default_base if chosen == (default_kind or chosen) else None
    chosen_base = base or inherited or DEFAULT_BASES.get(chosen)
    if chosen == "sandbox" and key is None and chosen_base:
        key = SecretStr(SANDBOX_KEY)
    return AddressSource(kind=chosen, api_key=key, base=chosen_base)
