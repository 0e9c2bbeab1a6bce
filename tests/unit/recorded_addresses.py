"""Provider responses in the documented shapes, as recorded for the adapters' unit tests.

Ideal Postcodes: `GET /v1/postcodes/SW1A2AA` (the documentation's example postcode, whose UPRN
and UDPRN are the ones the Lead API notes quote). OS Places: DPA records, upper case, with the
fields a record leaves out when they have no value.
"""

from __future__ import annotations

from typing import Any

IDEAL_DOWNING_STREET: dict[str, Any] = {
    "postcode": "SW1A 2AA",
    "postcode_inward": "2AA",
    "postcode_outward": "SW1A",
    "post_town": "LONDON",
    "dependant_locality": "",
    "double_dependant_locality": "",
    "thoroughfare": "Downing Street",
    "dependant_thoroughfare": "",
    "building_number": "10",
    "building_name": "",
    "sub_building_name": "",
    "po_box": "",
    "department_name": "",
    "organisation_name": "Prime Minister & First Lord of the Treasury",
    "udprn": 23747771,
    "umprn": "",
    "postcode_type": "L",
    "su_organisation_indicator": "",
    "delivery_point_suffix": "1A",
    "line_1": "Prime Minister & First Lord of the Treasury",
    "line_2": "10 Downing Street",
    "line_3": "",
    "premise": "10",
    "longitude": -0.1276348,
    "latitude": 51.5035398,
    "eastings": 530047,
    "northings": 179951,
    "country": "England",
    "traditional_county": "Greater London",
    "administrative_county": "",
    "postal_county": "London",
    "county": "London",
    "district": "Westminster",
    "ward": "St James's",
    "uprn": "100023336956",
    "id": "paf_23747771",
    "country_iso": "GBR",
    "country_iso_2": "GB",
    "county_code": "",
    "language": "en",
    "umprn_hash": "",
}

IDEAL_FLAT: dict[str, Any] = {
    **IDEAL_DOWNING_STREET,
    "organisation_name": "",
    "sub_building_name": "Flat 2A",
    "building_name": "Mill House",
    "building_number": "3",
    "thoroughfare": "Station Road",
    "dependant_locality": "Allestree",
    "line_1": "Flat 2A, Mill House",
    "line_2": "3 Station Road",
    "line_3": "Allestree",
    "post_town": "DERBY",
    "postcode": "DE22 2GP",
    "udprn": 51234567,
    "uprn": "",  # a documented possibility: no UPRN known
}


def ideal_success(*records: dict[str, Any]) -> dict[str, Any]:
    return {"result": list(records), "code": 2000, "message": "Success"}


IDEAL_NOT_FOUND = {
    "code": 4040,
    "message": "Postcode not found",
    "suggestions": ["SW1A 2AB", "SW1A 2AD"],
}
IDEAL_BAD_KEY = {"code": 4010, "message": "Invalid Key. Please check your API key"}
IDEAL_NO_CREDIT = {"code": 4020, "message": "Token balance depleted"}
IDEAL_DAILY_LIMIT = {"code": 4021, "message": "Limit reached"}


def dpa(**fields: Any) -> dict[str, Any]:
    """One OS Places result: `{"DPA": {...}}` with the always-present fields filled in."""
    record = {
        "UPRN": "10093397437",
        "UDPRN": "52094817",
        "STATUS": "APPROVED",
        "LOGICAL_STATUS_CODE": "1",
        "CLASSIFICATION_CODE": "RD06",
        "X_COORDINATE": 434021.0,
        "Y_COORDINATE": 337410.0,
        "LANGUAGE": "EN",
        "MATCH": 1.0,
        "MATCH_DESCRIPTION": "EXACT",
    }
    record.update(fields)
    return {"DPA": record}


OS_FLAT = dpa(
    ADDRESS="FLAT 2A, MCDONALD HOUSE, 14 O'BRIEN STREET, DERBY, DE1 1JX",
    SUB_BUILDING_NAME="FLAT 2A",
    BUILDING_NAME="MCDONALD HOUSE",
    BUILDING_NUMBER="14",
    THOROUGHFARE_NAME="O'BRIEN STREET",
    POST_TOWN="DERBY",
    POSTCODE="DE1 1JX",
)
OS_NAMED_HOUSE = dpa(
    UPRN="10093397438",
    UDPRN="52094818",
    ADDRESS="THE OLD RECTORY, CHURCH LANE, ASHBY-DE-LA-ZOUCH, LE65 1AB",
    BUILDING_NAME="THE OLD RECTORY",
    THOROUGHFARE_NAME="CHURCH LANE",
    POST_TOWN="ASHBY-DE-LA-ZOUCH",
    POSTCODE="LE65 1AB",
)
# A Welsh address comes back once per language without `lr`: one UPRN, two records.
OS_WELSH_EN = dpa(
    UPRN="100100116985",
    UDPRN="14528811",
    ADDRESS="2, HEOL Y FELIN, LLANDAFF, CARDIFF, CF5 2AA",
    BUILDING_NUMBER="2",
    THOROUGHFARE_NAME="HEOL Y FELIN",
    DEPENDENT_LOCALITY="LLANDAFF",
    POST_TOWN="CARDIFF",
    POSTCODE="CF5 2AA",
)
OS_WELSH_CY = dpa(
    **{**OS_WELSH_EN["DPA"], "LANGUAGE": "CY", "DEPENDENT_LOCALITY": "LLANDAF",
       "POST_TOWN": "CAERDYDD", "ADDRESS": "2, HEOL Y FELIN, LLANDAF, CAERDYDD, CF5 2AA"}
)


def os_page(results: list[dict[str, Any]], total: int, offset: int = 0) -> dict[str, Any]:
    """An OS Places answer; `results` is left out when there are none, as documented."""
    page: dict[str, Any] = {
        "header": {
            "uri": "https://api.os.uk/search/places/v1/postcode?postcode=DE1%201JX",
            "query": "postcode=DE1 1JX",
            "offset": offset,
            "totalresults": total,
            "format": "JSON",
            "dataset": "DPA",
            "lr": "EN",
            "maxresults": 100,
            "epoch": "112",
            "lastupdate": "2024-11-21",
            "output_srs": "EPSG:27700",
        }
    }
    if results:
        page["results"] = results
    return page


OS_BAD_POSTCODE = {
    "error": {
        "statuscode": 400,
        "message": "Requested postcode must contain a minimum of the sector plus 1 digit of "
        "the district e.g. SO1 6. Requested postcode was DE",
    }
}
OS_BAD_KEY = {
    "fault": {
        "faultstring": "Invalid ApiKey",
        "detail": {"errorcode": "oauth.v2.InvalidApiKey"},
    }
}
