"""Attribution: the host page and utm_* values, trusted only as far as the widget allows."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.attribution import (
    MAX_LENGTH,
    Attribution,
    attribution_from_request,
    resolve_host,
    trim_text,
    trim_url,
)
from app.leadapi import UTM_FIELDS
from app.widgets import Widget

AGENCY = "https://www.acme-estates.co.uk"
OWN = "https://widget.example.com"


@pytest.fixture
def framed(make_widget) -> Widget:
    return make_widget(allowed_origins=(AGENCY, "http://localhost:8080"))


# --- trim_url ----------------------------------------------------------------------------


def test_short_url_is_kept_as_it_is() -> None:
    url = f"{AGENCY}/valuation?utm_source=google&page=2"

    assert trim_url(url) == url


def test_fragment_is_dropped() -> None:
    assert trim_url(f"{AGENCY}/valuation?a=1#contact-form") == f"{AGENCY}/valuation?a=1"


def test_surrounding_whitespace_is_dropped() -> None:
    assert trim_url(f"  {AGENCY}/valuation \n") == f"{AGENCY}/valuation"


def test_overlong_url_loses_its_query_string_before_its_path_is_cut() -> None:
    page = f"{AGENCY}/sell/instant-valuation"
    url = f"{page}?gclid={'g' * 300}&utm_source=google#top"

    assert trim_url(url) == page


def test_overlong_url_without_a_query_is_cut_to_the_limit() -> None:
    url = f"{AGENCY}/{'p' * 400}"

    trimmed = trim_url(url)

    assert len(trimmed) == MAX_LENGTH
    assert url.startswith(trimmed)


def test_overlong_path_and_query_leave_only_the_cut_path() -> None:
    url = f"{AGENCY}/{'p' * 300}?q={'q' * 50}#f"

    trimmed = trim_url(url)

    assert len(trimmed) == MAX_LENGTH
    assert "?" not in trimmed
    assert "#" not in trimmed
    assert trimmed == url[:MAX_LENGTH]


def test_query_that_fits_once_the_fragment_is_gone_is_kept() -> None:
    url = f"{AGENCY}/?q={'q' * 200}#{'f' * 100}"

    assert trim_url(url) == f"{AGENCY}/?q={'q' * 200}"


def test_trim_url_honours_a_smaller_limit() -> None:
    assert trim_url(f"{AGENCY}/page?x=1", limit=len(AGENCY)) == AGENCY


@settings(max_examples=200, deadline=None, database=None)
@given(
    path=st.text(alphabet="abc/-_%.", max_size=400),
    query=st.text(alphabet="abc=&%", max_size=400),
    fragment=st.text(alphabet="abc", min_size=1, max_size=100),
)
def test_trimmed_url_never_exceeds_255_characters_nor_keeps_a_fragment(
    path: str, query: str, fragment: str
) -> None:
    url = f"{AGENCY}/{path}?{query}#{fragment}"

    trimmed = trim_url(url)

    assert len(trimmed) <= MAX_LENGTH
    assert "#" not in trimmed
    assert trimmed.startswith(AGENCY)


# --- trim_text ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("google", "google"),
        ("  spring sale  ", "spring sale"),
        ("spring\x00\x1b sale", "spring sale"),
        ("line\nbreak", "line break"),
        ("spring\u00a0sale\u200b", "spring sale"),
        ("\ufeffnewsletter", "newsletter"),
        ("", None),
        ("   ", None),
        ("\x00\x01", None),
    ],
    ids=[
        "plain",
        "surrounding-spaces",
        "control-characters",
        "newline",
        "no-break-space-and-zero-width-space",
        "byte-order-mark",
        "empty",
        "blank",
        "only-control-characters",
    ],
)
def test_trim_text_reads_text_as_the_answers_are_and_gives_none_for_nothing(
    value: str, expected: str | None
) -> None:
    assert trim_text(value) == expected


def test_trim_text_cuts_to_the_limit_without_a_trailing_space() -> None:
    assert trim_text("a" * 254 + " b") == "a" * 254
    assert trim_text("x" * 300) == "x" * 255
    assert trim_text("abcdef", limit=3) == "abc"


# --- resolve_host ------------------------------------------------------------------------

HOSTS = [
    # (claimed host, Referer, expected)
    (f"{AGENCY}/valuation?utm_source=x#top", None, f"{AGENCY}/valuation?utm_source=x"),
    (f"{AGENCY}/valuation", f"{AGENCY}/other", f"{AGENCY}/valuation"),
    ("https://WWW.ACME-ESTATES.CO.UK/Valuation", None, "https://WWW.ACME-ESTATES.CO.UK/Valuation"),
    ("https://www.acme-estates.co.uk:443/v", None, "https://www.acme-estates.co.uk:443/v"),
    ("http://localhost:8080/test-page", None, "http://localhost:8080/test-page"),
    (f"{OWN}/demo", None, f"{OWN}/demo"),
    ("https://evil.example/valuation", f"{AGENCY}/valuation?x=1", AGENCY),
    (None, f"{AGENCY}/valuation?x=1", AGENCY),
    ("", f"{AGENCY}/valuation", AGENCY),
    ("https://evil.example/valuation", "https://evil.example/", None),
    ("https://www.acme-estates.co.uk.evil.example/", None, None),
    ("http://www.acme-estates.co.uk/", None, None),
    ("https://www.acme-estates.co.uk:8443/", None, None),
    ("http://localhost:9090/", None, None),
    ("javascript:alert(1)", None, None),
    ("not a url", None, None),
    (None, f"{OWN}/widget/default", None),
    (None, None, None),
]


@pytest.mark.parametrize(
    ("claimed", "referer", "expected"),
    HOSTS,
    ids=[
        "allowed-claim-without-fragment",
        "allowed-claim-wins-over-referer",
        "allowed-claim-any-case",
        "allowed-claim-default-port",
        "allowed-claim-with-port",
        "own-origin-claim",
        "untrusted-claim-falls-back-to-allowed-referer-origin",
        "no-claim-allowed-referer-origin",
        "empty-claim-allowed-referer-origin",
        "untrusted-claim-and-referer",
        "lookalike-host",
        "wrong-scheme",
        "wrong-port",
        "wrong-port-localhost",
        "javascript-url",
        "not-a-url",
        "referer-from-own-origin",
        "nothing",
    ],
)
def test_host_is_believed_only_from_allowed_or_own_origins(
    claimed: str | None, referer: str | None, expected: str | None, framed: Widget
) -> None:
    assert resolve_host(claimed, referer, framed, OWN) == expected


def test_without_an_own_origin_only_allowed_origins_are_trusted(framed: Widget) -> None:
    assert resolve_host(f"{OWN}/demo", None, framed, None) is None
    assert resolve_host(f"{AGENCY}/v", None, framed, None) == f"{AGENCY}/v"


def test_widget_with_no_allowed_origins_trusts_only_its_own_origin(widget: Widget) -> None:
    assert resolve_host(f"{AGENCY}/v", f"{AGENCY}/v", widget, OWN) is None
    assert resolve_host(f"{OWN}/demo", None, widget, OWN) == f"{OWN}/demo"


def test_believed_host_is_trimmed_to_the_contracts_255_characters(framed: Widget) -> None:
    claimed = f"{AGENCY}/valuation?gclid={'g' * 400}"

    assert resolve_host(claimed, None, framed, OWN) == f"{AGENCY}/valuation"


# --- attribution_from_request ------------------------------------------------------------


def test_attribution_carries_utms_and_the_believed_host(framed: Widget) -> None:
    params = {
        "host": f"{AGENCY}/valuation#form",
        "utm_source": " google ",
        "utm_medium": "cpc",
        "utm_campaign": "spring\x00sale",
        "utm_term": "x" * 300,
        "utm_content": "",
        "gclid": "ignored",
    }

    attribution = attribution_from_request(params, None, framed, OWN)

    assert attribution == Attribution(
        host=f"{AGENCY}/valuation",
        utm_source="google",
        utm_medium="cpc",
        utm_campaign="springsale",
        utm_term="x" * 255,
        utm_content=None,
    )


def test_attribution_without_parameters_uses_the_referer_origin(framed: Widget) -> None:
    attribution = attribution_from_request({}, f"{AGENCY}/page", framed, OWN)

    assert attribution == Attribution(host=AGENCY)


def test_untrusted_host_is_left_out_but_utms_are_kept(framed: Widget) -> None:
    attribution = attribution_from_request(
        {"host": "https://evil.example/", "utm_source": "newsletter"}, None, framed, OWN
    )

    assert attribution.host is None
    assert attribution.utm_source == "newsletter"


def test_attribution_dict_omits_empty_values_and_round_trips() -> None:
    attribution = Attribution(host=AGENCY, utm_source="google", utm_medium=None)

    assert attribution.as_dict() == {"host": AGENCY, "utm_source": "google"}
    assert Attribution.from_dict(attribution.as_dict()) == attribution


def test_attribution_fields_are_the_contracts_utm_fields() -> None:
    assert set(Attribution.__dataclass_fields__) == {"host", *UTM_FIELDS}


# --- a direct visit: no host from the loader -----------------------------------------------

FORM_ADDRESS = f"{OWN}/w/default"
DIRECT_VISITS = [
    # (claimed host, Referer, expected)
    (None, None, FORM_ADDRESS),
    (None, f"{AGENCY}/sell/valuation", AGENCY),
    (None, "https://www.google.com/", FORM_ADDRESS),
    (None, f"{OWN}/w/default", FORM_ADDRESS),
    ("https://evil.example/", "https://evil.example/", FORM_ADDRESS),
    (f"{AGENCY}/sell", None, f"{AGENCY}/sell"),
]


@pytest.mark.parametrize(
    ("claimed", "referer", "expected"),
    DIRECT_VISITS,
    ids=[
        "no-host-no-referer-gives-the-form-address",
        "allowed-referer-gives-its-origin",
        "referer-from-another-site-gives-the-form-address",
        "referer-from-this-service-gives-the-form-address",
        "untrusted-host-and-referer-give-the-form-address",
        "a-believed-host-still-wins",
    ],
)
def test_a_direct_visit_is_credited_to_the_referer_or_else_the_widgets_form_address(
    claimed: str | None, referer: str | None, expected: str, framed: Widget
) -> None:
    params = {"host": claimed} if claimed else {}

    attribution = attribution_from_request(params, referer, framed, OWN, FORM_ADDRESS)

    assert attribution.host == expected


def test_without_a_form_address_as_for_the_json_api_no_host_is_made_up(framed: Widget) -> None:
    assert attribution_from_request({}, None, framed, OWN).host is None
    assert resolve_host(None, "https://www.google.com/", framed, OWN) is None
