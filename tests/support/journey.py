"""Walk the step-by-step journey over HTTP as a browser without script would.

`Journey(http).start()` gets the first page; `press(page, go=..., **fields)` submits a step's form
the way a browser does: every field the page holds as it is filled (hidden token and signed
answers, typed values, checked boxes, the selected option), with `fields` typed over them, to
the form's address or, for a button with `go`, to that button's own address. `finish` presses
"Get my valuation" and follows the 303 to the result page. Every page shown is kept in `pages`.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlencode

import httpx

from tests.support.apps import SAME_ORIGIN

VOID = frozenset((
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param",
    "source", "track", "wbr",
))
Value = str | Sequence[str] | None

# The answers of a homeowner who sells a semi-detached house (names the log scan looks for).
PROPERTY = {"property_type": "semi-detached", "property_bedrooms": "3"}
HOMEOWNER = {
    "title": "Mrs",
    "first_name": "Marla",
    "last_name": "Singer",
    "email": "marla@example.com",
    "phone": "07911 123456",
    "gdpr_checkbox": "yes",
}


@dataclass
class Node:
    """One element of a parsed page: its tag, attributes and children (nodes and text)."""

    tag: str
    attrs: dict[str, str]
    children: list[Node | str] = field(default_factory=list)

    def walk(self) -> Iterator[Node]:
        yield self
        for child in self.children:
            if isinstance(child, Node):
                yield from child.walk()

    def find_all(self, tag: str | None = None, **attrs: str) -> list[Node]:
        """Elements below (and including) this one with `tag` and every attribute of `attrs`
        (`class_` for class, matched as one of the element's classes)."""
        found = []
        for node in self.walk():
            if tag is not None and node.tag != tag:
                continue
            if all(_attr_matches(node, name, value) for name, value in attrs.items()):
                found.append(node)
        return found

    def find(self, tag: str | None = None, **attrs: str) -> Node | None:
        return next(iter(self.find_all(tag, **attrs)), None)

    @property
    def text(self) -> str:
        """The text inside, whitespace collapsed (scripts and styles left out)."""
        if self.tag in ("script", "style"):
            return ""
        parts = [c if isinstance(c, str) else c.text for c in self.children]
        return " ".join(" ".join(parts).split())


def _attr_matches(node: Node, name: str, value: str) -> bool:
    if name == "class_":
        return value in node.attrs.get("class", "").split()
    return node.attrs.get(name.replace("_", "-")) == value


class _TreeBuilder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {name: value or "" for name, value in attrs})
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Node(tag, {name: value or "" for name, value in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse_html(html: str) -> Node:
    builder = _TreeBuilder()
    builder.feed(html)
    builder.close()
    return builder.root


@dataclass
class Button:
    name: str
    value: str
    text: str  # its accessible name: the visible text with any visually hidden part
    formaction: str | None


class StepPage:
    """One page of the journey as the homeowner's browser received it."""

    def __init__(self, response: httpx.Response):
        self.response = response
        self.root = parse_html(response.text)
        self.form = self.root.find("form", method="post")

    @property
    def status(self) -> int:
        return self.response.status_code

    @property
    def step(self) -> str | None:
        """The step's name (`data-step`), None on a page that is not a step."""
        return self.form.attrs.get("data-step") if self.form else None

    @property
    def heading(self) -> str:
        h1 = self.root.find("h1")
        return h1.text if h1 else ""

    @property
    def text(self) -> str:
        body = self.root.find("body") or self.root
        return body.text

    @property
    def action(self) -> str:
        assert self.form is not None, f"no form on this page: {self.text[:300]}"
        return self.form.attrs["action"]

    def hidden(self) -> dict[str, str]:
        """The form's hidden inputs: token, signed answers, return_to, host and utm_*."""
        assert self.form is not None
        return {
            node.attrs["name"]: node.attrs.get("value", "")
            for node in self.form.find_all("input", type="hidden")
        }

    @property
    def token(self) -> str:
        return self.hidden()["token"]

    @property
    def carried(self) -> str | None:
        """The signed answers of the other steps (absent on the first page)."""
        return self.hidden().get("answers")

    def buttons(self) -> list[Button]:
        assert self.form is not None
        return [
            Button(b.attrs.get("name", ""), b.attrs.get("value", ""), b.text,
                   b.attrs.get("formaction"))
            for b in self.form.find_all("button")
            if b.attrs.get("aria-hidden") != "true"
        ]

    def button(self, go: str) -> Button:
        """The secondary button that presses with `go` (Back, Change, skip, manual entry)."""
        found = [b for b in self.buttons() if b.name == "go" and b.value == go]
        assert found, f"the {self.step} page offers no button go={go}: {self.buttons()}"
        return found[0]

    @property
    def main_button(self) -> str:
        assert self.form is not None
        main = self.form.find("button", class_="b")
        assert main is not None
        return main.text

    def options(self, name: str) -> list[tuple[str, str]]:
        """A select's options as (value, text)."""
        select = self.root.find("select", name=name)
        assert select is not None, f"no select {name} on the {self.step} page"
        return [(o.attrs.get("value", ""), o.text) for o in select.find_all("option")]

    def form_data(self) -> dict[str, list[str]]:
        """What a browser sends for this form as it stands, buttons aside."""
        assert self.form is not None
        data: dict[str, list[str]] = {}
        for node in self.form.walk():
            name = node.attrs.get("name")
            if not name or node.tag not in ("input", "select", "textarea"):
                continue
            kind = node.attrs.get("type", "text")
            if node.tag == "input" and kind in ("radio", "checkbox"):
                if "checked" in node.attrs:
                    data.setdefault(name, []).append(node.attrs.get("value", "on"))
            elif node.tag == "select":
                options = node.find_all("option")
                chosen = [o for o in options if "selected" in o.attrs] or options[:1]
                data.setdefault(name, []).extend(o.attrs.get("value", o.text) for o in chosen)
            elif node.tag == "textarea":
                data.setdefault(name, []).append(node.text)
            elif node.tag == "input" and kind not in ("submit", "button", "image"):
                data.setdefault(name, []).append(node.attrs.get("value", ""))
        return data

    def values(self) -> dict[str, str | list[str]]:
        """The answers the page shows filled in: one value per field, a list for the visit's
        times (checked), "" for nothing."""
        shown: dict[str, str | list[str]] = {}
        for name, values in self.form_data().items():
            if name in ("token", "answers", "return_to"):
                continue
            shown[name] = values if name == "appointment_availability" else values[0]
        return shown

    def errors(self) -> dict[str, str]:
        """The error message shown at each field, by the field's id."""
        found = {}
        for node in self.root.find_all("p", class_="em"):
            field_id = node.attrs.get("id", "").removesuffix("-error")
            found[field_id] = node.text.removeprefix("Error:").strip()
        return found

    def error_summary(self) -> list[str]:
        summary = self.root.find("div", class_="error-summary")
        return [li.text for li in summary.find_all("li")] if summary else []

    @property
    def notice(self) -> str | None:
        note = self.root.find("div", class_="note")
        return note.text if note else None

    def summary(self) -> dict[str, str]:
        """The details page's summary of answers: row name → answer."""
        rows = {}
        dl = self.root.find("dl", class_="sl")
        assert dl is not None, "no summary of answers on this page"
        for row in dl.find_all("div"):
            dt, dd = row.find("dt"), row.find("dd")
            if dt and dd:
                rows[dt.text] = dd.text
        return rows


def _encode(data: Mapping[str, list[str]]) -> list[tuple[str, str]]:
    return [(name, value) for name, values in data.items() for value in values]


class Journey:
    """A homeowner's walk through one widget's journey, over `http` (any httpx client)."""

    def __init__(self, http: httpx.Client, widget: str = "default"):
        self.http = http
        self.widget = widget
        self.pages: list[httpx.Response] = []

    def start(self, query: str = "") -> StepPage:
        response = self.http.get(f"/w/{self.widget}{query}")
        assert response.status_code == 200, response.text[:500]
        self.pages.append(response)
        return StepPage(response)

    def post(self, url: str, data: Mapping[str, list[str]]) -> httpx.Response:
        response = self.http.post(
            url,
            content=urlencode(_encode(data)).encode(),
            headers={**SAME_ORIGIN, "content-type": "application/x-www-form-urlencoded"},
            follow_redirects=False,
        )
        if response.status_code != 303:
            self.pages.append(response)
        return response

    def submit(self, page: StepPage, go: str | None = None, **fields: Value) -> httpx.Response:
        """Press a button of `page` with `fields` typed over what it holds (None: empty a field,
        as unticking a box or clearing a choice does). Without `go`, the main button."""
        data = page.form_data()
        for name, value in fields.items():
            if value is None:
                data.pop(name, None)
            else:
                data[name] = [value] if isinstance(value, str) else list(value)
        url = page.action
        if go is not None:
            button = page.button(go)
            data["go"] = [go]
            url = button.formaction or url
        return self.post(url, data)

    def press(self, page: StepPage, go: str | None = None, **fields: Value) -> StepPage:
        """`submit`, expecting the next page (a step shown directly, no redirect)."""
        response = self.submit(page, go, **fields)
        assert response.status_code != 303, "a step press answered with a redirect"
        return StepPage(response)

    def finish(self, page: StepPage, **fields: Value) -> httpx.Response:
        """Press "Get my valuation" on the details page and follow to the result page."""
        assert page.step == "details", f"finish from the {page.step} page"
        assert page.main_button == "Get my valuation"
        response = self.submit(page, **fields)
        assert response.status_code == 303, StepPage(response).error_summary()
        assert re.search(rf"/w/{self.widget}/result/", response.headers["location"])
        result = self.http.get(response.headers["location"])
        self.pages.append(result)
        return result

    def finish_refused(self, page: StepPage, **fields: Value) -> StepPage:
        """Press "Get my valuation" expecting a step page back (an error, a timed-out form)."""
        assert page.step == "details", f"finish from the {page.step} page"
        response = self.submit(page, **fields)
        assert response.status_code != 303, "the final press was accepted"
        return StepPage(response)

    # The usual answers, step by step.

    def postcode(self, page: StepPage, postcode: str, **fields: Value) -> StepPage:
        extra: dict[str, Value] = {"type": "vendor"} if page.root.find(
            "input", name="type"
        ) else {}
        return self.press(page, **{**extra, "postcode": postcode, **fields})

    def choose(self, page: StepPage, index: int = 1) -> tuple[StepPage, tuple[str, str]]:
        """Choose the `index`th address of the list (1: the first); the next page and the
        chosen option (value, text)."""
        option = page.options("address_key")[index]
        return self.press(page, address_key=option[0]), option

    def through_property_and_visit(self, page: StepPage, **fields: Value) -> StepPage:
        """Property answered, the visit skipped: the details page."""
        assert page.step == "property", page.step
        visit = self.press(page, **{**PROPERTY, **fields})
        assert visit.step == "visit", (visit.step, visit.error_summary())
        return self.press(visit, go="skip")


def token_payload(token: str) -> dict[str, Any]:
    """What a form token says (widget, submission id, time, attribution), unverified."""
    body = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
