"""The one Jinja environment: auto-escaping everywhere, a few filters the pages share.

Also the blank-form cache: rendering the form (macros, 42 availability boxes) costs several
milliseconds, yet for a blank form only a handful of values change from one request to the next.
`BlankPages` renders such a page once with random marks in place of those values and fills each
request's values in, escaped exactly as Jinja's auto-escaping would.
"""

from __future__ import annotations

import logging
import re
import secrets
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass
from pathlib import Path

from fastapi.templating import Jinja2Templates
from markupsafe import escape

ROOT = Path(__file__).resolve().parent.parent
TEMPLATES_DIR = ROOT / "templates"
STATIC_DIR = ROOT / "static"

log = logging.getLogger(__name__)


def money(value: int | float) -> str:
    """£285,000: whole pounds, thousands separated."""
    return f"£{round(value):,}"


@dataclass(frozen=True)
class Marks:
    """Stand-ins rendered in place of per-request values: random, so no content holds one.

    `optional` values sit alone on a line (a hidden input) that the page only has when the value
    is set: a line holding such a mark is dropped when the request has no value for it.
    `query` is the query string a form's action keeps (the page and campaign), "" for none.
    """

    token: str
    nonce: str
    parent_origin: str
    query: str
    optional: Mapping[str, str]

    @classmethod
    def new(cls, optional: tuple[str, ...]) -> Marks:
        def mark() -> str:
            return f"mark{secrets.token_hex(16)}"

        return cls(mark(), mark(), mark(), mark(), {name: mark() for name in optional})


class FilledPage:
    """A page rendered with `Marks`, split once into UTF-8 text and holes; `fill` is a join
    of bytes (the page is encoded once, not on every request)."""

    def __init__(self, html: str, marks: Marks):
        holes: dict[str, tuple[str, str]] = {
            marks.token: ("token", ""),
            marks.nonce: ("nonce", ""),
            marks.parent_origin: ("parent_origin", ""),
            marks.query: ("query", ""),
        }
        for name, mark in marks.optional.items():
            holes[mark] = ("optional", name)
        lines = [rf"[^\n]*{re.escape(m)}[^\n]*\n" for m in marks.optional.values()]
        singles = [
            re.escape(m) for m in (marks.token, marks.nonce, marks.parent_origin, marks.query)
        ]
        pattern = re.compile("|".join(lines + singles))
        self._parts: list[bytes | tuple[str, str, bytes, bytes]] = []
        found: dict[str, int] = {}
        position = 0
        for match in pattern.finditer(html):
            text = match.group()
            mark = next(m for m in holes if m in text)
            if sum(m in text for m in holes) != 1:
                raise ValueError("two per-request values on one line")
            kind, name = holes[mark]
            found[kind + name] = found.get(kind + name, 0) + 1
            self._parts.append(html[position : match.start()].encode())
            self._parts.append((kind, name, text.encode(), mark.encode()))
            position = match.end()
        self._parts.append(html[position:].encode())
        expected = {"token": 1, "parent_origin": 1, "query": 1} | {
            "optional" + n: 1 for n in marks.optional
        }
        if any(found.get(key, 0) != count for key, count in expected.items()):
            raise ValueError(f"the page does not hold each mark once: {found}")
        # Filled with the marks themselves it must give back the very page that was rendered.
        same = self.fill(marks.token, marks.nonce, marks.parent_origin, marks.optional, marks.query)
        if same != html.encode():
            raise ValueError("the page cannot be rebuilt from its parts")

    def fill(
        self,
        token: str,
        nonce: str,
        parent_origin: str | None,
        optional: Mapping[str, str],
        query: str = "",
    ) -> bytes:
        """The page as UTF-8 with these values in its holes, each escaped as Jinja would."""
        values = {
            "token": token,
            "nonce": nonce,
            "parent_origin": parent_origin or "",
            "query": query,
        }
        out: list[bytes] = []
        for part in self._parts:
            if isinstance(part, bytes):
                out.append(part)
                continue
            kind, name, text, mark = part
            value = optional.get(name) if kind == "optional" else values[kind]
            if value or kind != "optional":
                out.append(text.replace(mark, str(escape(value)).encode()))
        return b"".join(out)


class BlankPages:
    """Pages rendered once per key (e.g. widget and day), filled per request. Bounded."""

    def __init__(self, size: int = 64):
        self.size = size
        self._pages: dict[Hashable, FilledPage | None] = {}

    def get(
        self, key: Hashable, optional: tuple[str, ...], draw: Callable[[Marks], str]
    ) -> FilledPage | None:
        """The page for `key`, drawn on first use; None if the template cannot be cached."""
        if key in self._pages:
            return self._pages[key]
        marks = Marks.new(optional)
        try:
            page: FilledPage | None = FilledPage(draw(marks), marks)
        except ValueError:
            # A template change broke the assumptions above: render every time, and say so.
            log.warning("templating.blank_page_not_cached", exc_info=True)
            page = None
        if len(self._pages) >= self.size:
            self._pages.pop(next(iter(self._pages)))  # the oldest (e.g. yesterday's)
        self._pages[key] = page
        return page


class Templates(Jinja2Templates):
    """Starlette's Jinja2Templates, plus the blank-page cache of this app."""

    blank_pages: BlankPages


def build_templates() -> Templates:
    templates = Templates(directory=str(TEMPLATES_DIR))
    templates.blank_pages = BlankPages()
    env = templates.env
    env.autoescape = True
    env.filters["money"] = money
    env.trim_blocks = True
    env.lstrip_blocks = True
    return templates
