"""Agency colours made safe: whatever colour an agency picks, text on the page keeps AA contrast."""

from __future__ import annotations

import re
from dataclasses import dataclass

HEX_COLOUR = re.compile(r"^#(?:[0-9a-fA-F]{3}){1,2}$")
AA_TEXT = 4.5
WHITE = "#ffffff"
NEAR_BLACK = "#0b0c0c"


def _rgb(colour: str) -> tuple[int, int, int]:
    digits = colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(ch * 2 for ch in digits)
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)


def _hex(rgb: tuple[int, int, int]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb)


def luminance(colour: str) -> float:
    """WCAG relative luminance."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in _rgb(colour))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str) -> float:
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def text_on(background: str) -> str:
    """White or near-black, whichever reads better on `background`."""
    return WHITE if contrast(background, WHITE) >= contrast(background, NEAR_BLACK) else NEAR_BLACK


def darken_until_readable(colour: str, background: str = WHITE) -> str:
    """The agency colour, darkened just enough to be AA text on `background`."""
    r, g, b = _rgb(colour)
    for step in range(0, 101):
        factor = 1 - step / 100
        candidate = _hex((round(r * factor), round(g * factor), round(b * factor)))
        if contrast(candidate, background) >= AA_TEXT:
            return candidate
    return NEAR_BLACK


@dataclass(frozen=True)
class Palette:
    """The colours templates use, all derived from the agency's choice."""

    primary: str  # button background
    on_primary: str  # text on buttons
    link: str  # links and focus accents on white
    accent: str  # range bar and highlights (never the only carrier of information)

    @classmethod
    def from_brand(cls, primary: str, accent: str | None = None) -> Palette:
        # A button must read both as text-on-colour and as a shape on white (3:1, non-text).
        button = primary if contrast(primary, WHITE) >= 3 else darken_until_readable(primary)
        if contrast(button, text_on(button)) < AA_TEXT:
            button = darken_until_readable(button)
        return cls(
            primary=button,
            on_primary=text_on(button),
            link=darken_until_readable(primary),
            accent=darken_until_readable(accent or primary, WHITE)
            if contrast(accent or primary, WHITE) < 3
            else (accent or primary),
        )
