"""Which address provider each widget uses: ADDRESS_LOOKUP, ADDRESS_LOOKUP_API_KEY and
ADDRESS_LOOKUP_BASE, each also per widget in WIDGETS_FILE; a bad value stops start-up with one
line."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.settings import SettingsError, load_settings
from app.widgets import load_widgets

pytestmark = pytest.mark.usefixtures("clean_env")


def source_of(**settings: object):
    return load_widgets(load_settings(_env_file=None, **settings))["default"].address_source


def test_no_key_in_development_uses_the_built_in_sandbox() -> None:
    source = source_of()

    assert source.kind == "sandbox"
    assert source.base is None  # in process: works offline


def test_a_live_widget_without_an_address_key_gets_manual_entry_not_made_up_addresses() -> None:
    source = source_of(leadpro_api_key="live-key", secret_key="s" * 32)

    assert source.kind == "off"


def test_ideal_postcodes_with_its_key_and_default_base() -> None:
    source = source_of(address_lookup="ideal-postcodes", address_lookup_api_key="ak_1")

    assert source.kind == "ideal-postcodes"
    assert source.base == "https://api.ideal-postcodes.co.uk"
    assert source.api_key is not None and source.api_key.get_secret_value() == "ak_1"


def test_os_places_with_a_base_for_a_proxy() -> None:
    source = source_of(address_lookup="OS-Places", address_lookup_api_key="os_1",
                       address_lookup_base="https://proxy.example/os/")

    assert source.kind == "os-places"
    assert source.base == "https://proxy.example/os"


def test_sandbox_base_alone_points_at_a_sandbox_server_with_its_key() -> None:
    source = source_of(address_lookup_base="http://127.0.0.1:8001/addresses")

    assert source.kind == "sandbox"
    assert source.base == "http://127.0.0.1:8001/addresses"
    assert source.api_key is not None and source.api_key.get_secret_value() == "sandbox-key"


def test_off_turns_lookup_off() -> None:
    assert source_of(address_lookup="off").kind == "off"


def test_key_is_secret_in_repr() -> None:
    settings = load_settings(_env_file=None, address_lookup_api_key="ak_very_secret")

    assert "ak_very_secret" not in repr(settings)


BAD = [
    ({"address_lookup": "google"}, "Bad setting ADDRESS_LOOKUP: Input should be 'sandbox', "
     "'ideal-postcodes', 'os-places' or 'off'"),
    ({"address_lookup_base": "api.os.uk"},
     "Bad setting ADDRESS_LOOKUP_BASE: must start with http:// or https://"),
    ({"address_lookup_rate_limit_per_ip": "lots"},
     "Bad setting ADDRESS_LOOKUP_RATE_LIMIT_PER_IP: use the notation"),
    ({"address_lookup_rate_limit_per_widget": "x/fortnight"},
     "Bad setting ADDRESS_LOOKUP_RATE_LIMIT_PER_WIDGET: use the notation"),
    ({"address_lookup_timeout": "0"}, "Bad setting ADDRESS_LOOKUP_TIMEOUT: "),
    ({"address_lookup_cache_seconds": "-1"}, "Bad setting ADDRESS_LOOKUP_CACHE_SECONDS: "),
]


@pytest.mark.parametrize(("values", "expected"), BAD, ids=[next(iter(v)) for v, _ in BAD])
def test_bad_address_setting_stops_start_up_with_one_line(
    values: dict[str, str], expected: str
) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(_env_file=None, **values)

    assert str(caught.value).startswith(expected)
    assert "\n" not in str(caught.value)


def test_paid_provider_without_a_key_stops_start_up() -> None:
    with pytest.raises(SettingsError) as caught:
        source_of(address_lookup="ideal-postcodes")

    assert str(caught.value).startswith(
        "Bad setting ADDRESS_LOOKUP: address lookup ideal-postcodes needs a key"
    )


def test_key_without_its_provider_stops_start_up() -> None:
    with pytest.raises(SettingsError) as caught:
        source_of(address_lookup_api_key="ak_1")

    assert "set ADDRESS_LOOKUP (or address_lookup) to ideal-postcodes or os-places" in str(
        caught.value
    )


WIDGETS = """
[widgets.acme]
agency_name = "Acme Estates"
address_lookup = "os-places"
address_lookup_api_key_env = "ACME_OS_KEY"

[widgets.bloggs]
agency_name = "Bloggs Lettings"
address_lookup_api_key_file = "{key_file}"

[widgets.manual]
agency_name = "Manual Homes"
address_lookup = "off"
"""


def test_each_widget_may_name_its_own_provider_key_and_base(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACME_OS_KEY", "os-acme")
    key_file = tmp_path / "bloggs.key"
    key_file.write_text("ak_bloggs\n")
    widgets_file = tmp_path / "widgets.toml"
    widgets_file.write_text(WIDGETS.format(key_file=key_file))

    widgets = load_widgets(load_settings(
        _env_file=None, widgets_file=widgets_file, address_lookup="ideal-postcodes",
        address_lookup_base="https://ideal-proxy.example",
    ))

    acme, bloggs = widgets["acme"].address_source, widgets["bloggs"].address_source
    assert (acme.kind, acme.base) == ("os-places", "https://api.os.uk")  # not the IP proxy
    assert acme.api_key is not None and acme.api_key.get_secret_value() == "os-acme"
    assert (bloggs.kind, bloggs.base) == ("ideal-postcodes", "https://ideal-proxy.example")
    assert bloggs.api_key is not None and bloggs.api_key.get_secret_value() == "ak_bloggs"
    assert widgets["manual"].address_source.kind == "off"


WIDGET_ERRORS = [
    ('address_lookup = "yahoo"', "widget 'acme': address_lookup: Input should be"),
    ('address_lookup = "os-places"', "widget 'acme': address_lookup: address lookup os-places "
     "needs a key"),
    ('address_lookup_api_key_env = "MISSING_KEY"',
     "widget 'acme': address_lookup_api_key_env: environment variable MISSING_KEY is not set"),
    ('address_lookup_base = "ftp://x"',
     "widget 'acme': address_lookup_base: must start with http:// or https://"),
]


@pytest.mark.parametrize(("line", "expected"), WIDGET_ERRORS, ids=[w[0] for w in WIDGET_ERRORS])
def test_bad_widget_address_setting_names_the_widget_and_field(
    tmp_path: Path, line: str, expected: str
) -> None:
    widgets_file = tmp_path / "widgets.toml"
    widgets_file.write_text(f'[widgets.acme]\nagency_name = "Acme"\n{line}\n')

    with pytest.raises(SettingsError) as caught:
        load_widgets(load_settings(_env_file=None, widgets_file=widgets_file))

    assert str(caught.value).startswith(f"Bad setting WIDGETS_FILE: {expected}")
