"""Whatever colour an agency picks, the palette keeps WCAG AA contrast."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from app.branding import AA_TEXT, NEAR_BLACK, WHITE, Palette, contrast, luminance, text_on

COLOURS = [
    ("white", "#ffffff"),
    ("white-short", "#fff"),
    ("yellow", "#ffdd00"),
    ("light-grey", "#d3d3d3"),
    ("mid-grey", "#777777"),
    ("pure-green", "#00ff00"),
    ("black", "#000000"),
    ("mid-blue", "#1d70b8"),
    ("pure-blue", "#0000ff"),
    ("red", "#ff0000"),
    ("cyan", "#00FFFF"),
    ("default", "#1d4f91"),
]


@pytest.mark.parametrize("colour", [c for _, c in COLOURS], ids=[name for name, _ in COLOURS])
def test_button_text_and_links_keep_aa_contrast_for_any_brand_colour(colour: str) -> None:
    palette = Palette.from_brand(colour)

    assert contrast(palette.primary, palette.on_primary) >= AA_TEXT
    assert contrast(palette.link, WHITE) >= AA_TEXT


@pytest.mark.parametrize("colour", [c for _, c in COLOURS], ids=[name for name, _ in COLOURS])
def test_button_and_accent_stand_out_from_a_white_page(colour: str) -> None:
    palette = Palette.from_brand(colour)

    assert contrast(palette.primary, WHITE) >= 3
    assert contrast(palette.accent, WHITE) >= 3


def test_readable_brand_colour_is_kept_as_it_is() -> None:
    palette = Palette.from_brand("#1d70b8")

    assert palette == Palette("#1d70b8", WHITE, "#1d70b8", "#1d70b8")


def test_pale_brand_colour_is_darkened_not_replaced() -> None:
    palette = Palette.from_brand("#ffdd00")

    r, g, b = (int(palette.link[i : i + 2], 16) for i in (1, 3, 5))
    assert b == 0 and r > g > 0  # still a yellow hue, only darker


def test_readable_accent_is_kept_and_pale_accent_darkened() -> None:
    assert Palette.from_brand("#1d70b8", "#d4351c").accent == "#d4351c"
    pale = Palette.from_brand("#1d70b8", "#ffdd00").accent
    assert contrast(pale, WHITE) >= 3


hex_colours = st.tuples(st.integers(0, 255), st.integers(0, 255), st.integers(0, 255)).map(
    lambda rgb: "#{:02x}{:02x}{:02x}".format(*rgb)
)


@settings(max_examples=300, deadline=None, database=None)
@given(primary=hex_colours, accent=st.none() | hex_colours)
def test_every_palette_keeps_aa_contrast(primary: str, accent: str | None) -> None:
    palette = Palette.from_brand(primary, accent)

    assert contrast(palette.primary, palette.on_primary) >= AA_TEXT
    assert contrast(palette.link, WHITE) >= AA_TEXT
    assert contrast(palette.primary, WHITE) >= 3
    assert contrast(palette.accent, WHITE) >= 3
    assert palette.on_primary in (WHITE, NEAR_BLACK)


def test_contrast_is_the_wcag_ratio() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#ffffff", "#000000") == pytest.approx(21.0)
    assert contrast("#777777", "#777777") == pytest.approx(1.0)
    assert luminance("#ffffff") == pytest.approx(1.0)
    assert luminance("#000") == pytest.approx(0.0)


def test_text_on_picks_the_more_readable_of_white_and_near_black() -> None:
    assert text_on("#000000") == WHITE
    assert text_on("#ffffff") == NEAR_BLACK
    assert text_on("#ffdd00") == NEAR_BLACK
