"""The Lead API's `address`: one readable line of at most 100 characters, shortened by the rule
in `app.addresses.model.shorten_for_lead` (least useful parts first, never half a word)."""

from __future__ import annotations

import re

import pytest

from app.addresses.model import LEAD_ADDRESS_MAX, Address, AddressParts, shorten_for_lead

ORG = "Northern Regional Chartered Surveyors and Property Consultants Limited"  # 70 characters


def address(post_town: str = "Derby", **parts: str) -> Address:
    elements = AddressParts(**parts)
    return Address(elements.display_lines(), post_town, "DE1 1JX", "100023336956", "23747771",
                   elements)


def test_short_address_is_sent_whole_without_postcode() -> None:
    home = address(sub_building="Flat 2", building_name="Mill House", building_number="3",
                   thoroughfare="Station Road", dependent_locality="Allestree")

    assert shorten_for_lead(home) == "Flat 2, Mill House, 3 Station Road, Allestree, Derby"


def test_organisation_and_department_go_first() -> None:
    office = address(organisation=ORG, department="Residential Lettings",
                     sub_building="Suite 1", building_name="The Old Cotton Exchange",
                     building_number="12", thoroughfare="St John's Road",
                     dependent_locality="Upper Stanton")

    line = shorten_for_lead(office)

    assert line == "Suite 1, The Old Cotton Exchange, 12 St John's Road, Upper Stanton, Derby"


def test_organisation_is_kept_when_it_fits() -> None:
    shop = address(organisation="Acme Lettings Ltd", building_number="3",
                   thoroughfare="Station Road")

    assert shorten_for_lead(shop) == "Acme Lettings Ltd, 3 Station Road, Derby"


def test_localities_go_before_the_post_town_double_dependent_first() -> None:
    long_building = "The Old Cotton Exchange Buildings"  # whole line: 108 characters
    home = address(post_town="Newcastle upon Tyne", sub_building="Apartment 12",
                   building_name=long_building, building_number="1",
                   thoroughfare="Quayside", double_dependent_locality="Sandgate Quarter",
                   dependent_locality="Ouseburn")

    line = shorten_for_lead(home)

    assert "Sandgate Quarter" not in line
    assert line == (
        f"Apartment 12, {long_building}, 1 Quayside, Ouseburn, Newcastle upon Tyne"
    )


def test_post_town_goes_before_the_door() -> None:
    home = address(post_town="Stratford-upon-Avon", sub_building="Penthouse Apartment 4",
                   building_name="The Former Royal Shakespeare Warehouse Building",
                   building_number="22", thoroughfare="Waterside")

    line = shorten_for_lead(home)

    assert line == (
        "Penthouse Apartment 4, The Former Royal Shakespeare Warehouse Building, 22 Waterside"
    )
    assert len(line) <= 100


def test_main_street_goes_when_the_dependent_street_keeps_the_number() -> None:
    home = address(sub_building="Flat 10", building_name="Kingfisher Court Retirement Apartments",
                   building_number="7", dependent_thoroughfare="Riverside Mews Gardens",
                   thoroughfare="Great Northern Railway Embankment Road")

    line = shorten_for_lead(home)

    assert line == "Flat 10, Kingfisher Court Retirement Apartments, 7 Riverside Mews Gardens"


def test_a_door_too_long_ends_at_a_whole_word() -> None:
    home = address(sub_building="Flat 10", building_name="Kingfisher Court Retirement "
                   "Apartments and Sheltered Housing", building_number="7",
                   thoroughfare="Great Northern Railway Embankment Road West")

    line = shorten_for_lead(home)

    assert len(line) <= LEAD_ADDRESS_MAX
    full = "Flat 10, Kingfisher Court Retirement Apartments and Sheltered Housing, " \
           "7 Great Northern Railway Embankment Road West"
    assert full.startswith(line)
    assert full[len(line)] in " ,"  # the next character starts a new word: none was cut
    assert not line.endswith((",", " "))


def test_address_without_elements_shortens_its_lines_at_a_word() -> None:
    lines = ("The Very Long Name of a Building Somewhere in the Countryside of England",
             "Off the Old Drovers Road Past the Church")
    bare = Address(lines, "Little Snoring", "NR21 0AA")

    line = shorten_for_lead(bare)

    assert len(line) <= 100
    assert re.fullmatch(r"[\w ,]+", line)
    assert f"{lines[0]}, {lines[1]}, Little Snoring".startswith(line)


@pytest.mark.parametrize("limit", [20, 35, 60, 100])
def test_no_line_is_longer_than_the_limit_or_cuts_a_word(limit: int) -> None:
    office = address(organisation=ORG, sub_building="Suite 1", building_name="Exchange",
                     building_number="12", thoroughfare="St John's Road")
    words = set(re.findall(r"[\w']+", ", ".join([ORG, "Suite 1", "Exchange", "12 St John's Road",
                                                 "Derby"])))

    line = shorten_for_lead(office, limit)

    assert len(line) <= limit
    assert set(re.findall(r"[\w']+", line)) <= words


def test_for_lead_gives_address_postcode_and_string_ids() -> None:
    home = address(building_number="10", thoroughfare="Downing Street")

    lead = home.for_lead()

    assert lead.address == "10 Downing Street, Derby"
    assert lead.postcode == "DE1 1JX"
    assert lead.meta == {"uprn": "100023336956", "udprn": "23747771"}


def test_for_lead_leaves_out_ids_that_are_not_known() -> None:
    home = Address(("3 Station Road",), "Derby", "DE1 1JX", uprn=None, udprn="51234567",
                   parts=AddressParts(building_number="3", thoroughfare="Station Road"))

    assert home.for_lead().meta == {"udprn": "51234567"}


def test_address_survives_a_round_trip_through_plain_data() -> None:
    home = address(sub_building="Flat 2", building_name="Mill House", building_number="3",
                   thoroughfare="Station Road")

    assert Address.from_dict(home.as_dict()) == home
