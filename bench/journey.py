"""`make bench`, the step-by-step journey: the server's time per step, and address lookups per lead.

Part of `python -m bench.run` (after its table), or alone with `--journey-only`. It starts the
sandbox Lead API and the app as real processes on free ports, as bench/run.py does, and drives
the journey as a browser does: each press posts the page's own form (its hidden inputs, the
fields as shown, the button pressed) to the form's `action` or the button's `formaction`.

**Time per step.** `--journeys` homeowners (after `--journey-warmup` unrecorded ones) go through
the journey one request at a time: the first page, "Find address" (a postcode of their own, so
every one is a call to the in-process sandbox provider), "Change postcode" and "Find address"
again (now answered from the cache), an address, the property, "Skip this question", and
"Get my valuation" up to its 303. After every request to the app, one `GET /page` to the plain
FastAPI app of bench/run.py (the first page's bytes from a constant), so load from elsewhere on
the machine touches both alike. A server's time for a request is the `ms` of its access log
line (found by the X-Request-ID the bench sends; the plain app writes the app's own line, see
bench/plain_page.py), and its CPU time is read from /proc (every thread's schedstat, in ns)
just before and after the request. The table gives, per step, the median and p90 server time,
the median divided by the plain page's median, and the mean CPU per request beside the plain
page's. Figures only: nothing is asserted.

**Lookups per lead.** `--homeowners` simulated homeowners (seeded by `--seed`) go through the
journey against an app whose provider is the sandbox Lead API's own address sandbox (over HTTP,
so the provider's calls are counted by the provider: `/addresses/_sandbox/stats`), once with the
lookup cache on (`ADDRESS_LOOKUP_CACHE_SECONDS` at its default) and once with it off (0), the
same homeowners doing the same things both times. Some share a postcode (a new estate, a block of
flats), some check the postcode on the list page and find it again, mistype it, press Continue
with no address selected, go Back from the property to the list, change the address from the
details page, type an address that is not listed, make an error on the details page, or leave
before the end. It prints provider calls per lead (and per homeowner) for both, with the app's
own counts (`address_lookups_total`, `address_lookup_requests_total`) beside the provider's.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import os
import random
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx

from bench.run import BENCH_KEY, Server, process_tree, settings_free_env, start_server, stop_server
from tests.support.servers import NO_FAULTS_ENV, free_port

WIDGET = "default"
FIRST_PAGE = f"/w/{WIDGET}"
SAME_ORIGIN = {"sec-fetch-site": "same-origin"}  # a form posted from its own page, as a browser
GENEROUS = "10000000/minute"  # one client sends every homeowner's requests: no rate limit applies
# Letters a postcode's unit may end with that the sandbox gives an ordinary street of addresses
# for (`ZZ`: no such postcode, `YY`: no addresses, `LL`: long business names).
UNIT_LETTERS = "ABDEFGHJNPQRSTUWX"

# The timed steps, in the order a homeowner meets them, with what the table calls them.
STEP_LABELS = {
    "first page": "first page, GET /w/default",
    "postcode": "Find address (a call to the sandbox provider)",
    "back to postcode": "Change postcode (Back from the list)",
    "postcode, cached": "Find address again (answer from the cache)",
    "address": "address chosen, Continue",
    "property": "property, Continue",
    "visit skipped": "Skip this question (visit)",
    "final press": "Get my valuation, up to the 303 (Lead API sandbox answers)",
}
PLAIN = "plain"


# A page as the browser holds it


@dataclass
class Page:
    """One answer of the app: its status, and the journey's form on it when there is one."""

    status: int
    step: str = ""
    action: str = ""
    fields: list[tuple[str, str]] = field(default_factory=list)  # what the form would send
    choices: dict[str, list[str]] = field(default_factory=dict)  # radio, checkbox, option values
    buttons: dict[str, str] = field(default_factory=dict)  # `go` value -> where it posts
    location: str = ""


class FormParser(HTMLParser):
    """The first form of a page as a browser would send it: hidden and text inputs with their
    values, checked boxes and radios, each select's selected (else first) option, textareas."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page(status=0)
        self._state = "before"  # before, in, after the form
        self._select: str | None = None
        self._selected: str | None = None
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        names = {name for name, _ in attrs}
        if tag == "form" and self._state == "before":
            self._state = "in"
            self.page.action = values.get("action", "")
            self.page.step = values.get("data-step", "")
            return
        if self._state != "in":
            return
        name = values.get("name", "")
        if tag == "input" and name:
            kind = values.get("type", "text")
            if kind in ("radio", "checkbox"):
                self.page.choices.setdefault(name, []).append(values.get("value", "on"))
                if "checked" in names:
                    self.page.fields.append((name, values.get("value", "on")))
            elif kind not in ("submit", "button", "image", "reset"):
                self.page.fields.append((name, values.get("value", "")))
        elif tag == "button" and name == "go":
            self.page.buttons[values.get("value", "")] = values.get("formaction", self.page.action)
        elif tag == "select" and name:
            self._select, self._selected = name, None
            self.page.choices[name] = []
        elif tag == "option" and self._select:
            value = values.get("value", "")
            self.page.choices[self._select].append(value)
            if "selected" in names or self._selected is None:  # else the first one
                self._selected = value
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []

    def handle_endtag(self, tag: str) -> None:
        if self._state != "in":
            return
        if tag == "select" and self._select:
            self.page.fields.append((self._select, self._selected or ""))
            self._select = None
        elif tag == "textarea" and self._textarea:
            self.page.fields.append((self._textarea, "".join(self._text)))
            self._textarea = None
        elif tag == "form":
            self._state = "after"

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self._text.append(data)


def read_page(response: httpx.Response) -> Page:
    if response.is_redirect:
        return Page(response.status_code, location=response.headers.get("location", ""))
    parser = FormParser()
    parser.feed(response.text)
    parser.page.status = response.status_code
    return parser.page


# CPU time, to the nanosecond


def thread_cpu_ns(pids: list[int]) -> dict[tuple[int, int], int]:
    """Time on a CPU so far of every thread of `pids` (their schedstat, in nanoseconds)."""
    times = {}
    for pid in pids:
        with contextlib.suppress(OSError):
            for tid in os.listdir(f"/proc/{pid}/task"):
                path = Path(f"/proc/{pid}/task/{tid}/schedstat")
                with contextlib.suppress(OSError, ValueError, IndexError):
                    times[(pid, int(tid))] = int(path.read_text().split()[0])
    return times


def cpu_spent_ns(before: dict[tuple[int, int], int], after: dict[tuple[int, int], int]) -> int:
    """CPU time between two readings (a thread started in between counts from 0)."""
    return sum(ns - before.get(thread, 0) for thread, ns in after.items())


# The browser


@dataclass
class Timing:
    label: str
    request_id: str
    cpu_ns: int


class Browser:
    """One homeowner's browser at a time: GETs the first page, presses buttons. With `timings`
    given, every request it makes is recorded under a label, and each is followed by one GET
    of the plain app's page (recorded as `plain`)."""

    def __init__(
        self,
        app: Server,
        plain: Server | None = None,
        timings: list[Timing] | None = None,
    ) -> None:
        self.http = httpx.Client(base_url=app.base_url, timeout=30, headers=SAME_ORIGIN)
        self.app_pids = process_tree(app.popen.pid)
        self.plain_http = httpx.Client(base_url=plain.base_url, timeout=30) if plain else None
        self.plain_pids = process_tree(plain.popen.pid) if plain else []
        self.timings = timings
        self.prefix = secrets.token_hex(4)
        self.count = 0

    def close(self) -> None:
        self.http.close()
        if self.plain_http:
            self.plain_http.close()

    def _send(
        self, client: httpx.Client, pids: list[int], label: str, request: httpx.Request
    ) -> httpx.Response:
        self.count += 1
        request_id = f"jb-{self.prefix}-{self.count:07d}"
        request.headers["x-request-id"] = request_id
        before = thread_cpu_ns(pids) if self.timings is not None else {}
        response = client.send(request)
        response.read()
        if self.timings is not None:
            spent = cpu_spent_ns(before, thread_cpu_ns(pids))
            self.timings.append(Timing(label, request_id, spent))
        return response

    def _app(self, label: str, request: httpx.Request) -> httpx.Response:
        response = self._send(self.http, self.app_pids, label, request)
        if self.timings is not None and self.plain_http is not None:
            plain = self.plain_http.build_request("GET", "/page")
            self._send(self.plain_http, self.plain_pids, PLAIN, plain).raise_for_status()
        return response

    def open(self, label: str = "first page") -> Page:
        page = read_page(self._app(label, self.http.build_request("GET", FIRST_PAGE)))
        expect(page, 200, "postcode", "the first page")
        return page

    def press(
        self,
        page: Page,
        changes: dict[str, str | list[str]] | None = None,
        go: str | None = None,
        label: str = "",
    ) -> Page:
        """Press the page's main button (or the `go` one) with `changes` made to its fields."""
        changes = changes or {}
        pairs = [(name, value) for name, value in page.fields if name not in changes]
        for name, value in changes.items():
            pairs += [(name, v) for v in ([value] if isinstance(value, str) else value)]
        url = page.action
        if go is not None:
            url = page.buttons[go]
            pairs.append(("go", go))
        request = self.http.build_request(
            "POST",
            url,
            content=urlencode(pairs).encode(),
            headers={"content-type": "application/x-www-form-urlencoded"},
        )
        return read_page(self._app(label or page.step, request))


def expect(page: Page, status: int | tuple[int, ...], step: str, what: str) -> Page:
    """The page is the one the journey shows next; else the bench stops (its figures would be
    some other page's)."""
    if page.status not in (status if isinstance(status, tuple) else (status,)) or (
        step and page.step != step
    ):
        raise SystemExit(
            f"bench: journey: {what}: expected {status} {step or '(no form)'}, got "
            f"{page.status} {page.step or page.location or '(no form)'}"
        )
    return page


def postcodes(rng: random.Random, outward: str) -> Iterator[str]:
    """Distinct postcodes of ordinary streets in the sandbox, in a random order."""
    seen: set[str] = set()
    while True:
        code = (
            f"{outward}{rng.randrange(1, 100)} {rng.randrange(10)}"
            f"{rng.choice(UNIT_LETTERS)}{rng.choice(UNIT_LETTERS)}"
        )
        if code not in seen:
            seen.add(code)
            yield code


DETAILS = {
    "first_name": "Bench",
    "last_name": "Journey",
    "email": "journey@example.com",
    "phone": "07911 123456",
    "gdpr_checkbox": "yes",
}


def first_address(page: Page) -> str:
    return next(key for key in page.choices.get("address_key", []) if key)


# Servers


@dataclass
class Stack:
    """The sandbox Lead API for every app of this part, and where their files go."""

    workdir: Path
    base_env: dict[str, str]
    sandbox: Server
    workers: int

    def app_env(self, name: str, port: int, **extra: str) -> dict[str, str]:
        return {
            **self.base_env,
            "HOST": "127.0.0.1",
            "PORT": str(port),
            "WORKERS": str(self.workers),
            "LEADPRO_API_BASE": self.sandbox.base_url,
            "LEADPRO_API_KEY": BENCH_KEY,
            "SECRET_KEY": secrets.token_urlsafe(32),
            "DATABASE_URL": f"sqlite:///{self.workdir}/{name}.db",
            "MIN_FILL_SECONDS": "0",
            "RATE_LIMIT_PER_IP": GENEROUS,
            "RATE_LIMIT_PER_WIDGET": GENEROUS,
            "ADDRESS_LOOKUP": "sandbox",
            "ADDRESS_LOOKUP_RATE_LIMIT_PER_IP": GENEROUS,
            "ADDRESS_LOOKUP_RATE_LIMIT_PER_WIDGET": GENEROUS,
            "LOG_FORMAT": "json",
            **extra,
        }

    @contextlib.contextmanager
    def app(self, name: str, **extra: str) -> Iterator[Server]:
        port = free_port()
        cmd = [sys.executable, "-m", "app", "serve"]
        server = start_server(
            name, cmd, port, "/readyz", self.app_env(name, port, **extra), self.workdir
        )
        try:
            yield server
        finally:
            stop_server(server)


@contextlib.contextmanager
def stack(workers: int) -> Iterator[Stack]:
    workdir = Path(tempfile.mkdtemp(prefix="widget-bench-journey-"))
    base_env = settings_free_env()
    port = free_port()
    cmd = [sys.executable, "-m", "app.sandbox", "--host", "127.0.0.1", "--port", str(port)]
    cmd += ["--keys", BENCH_KEY]
    sandbox = start_server(
        "sandbox", cmd, port, "/_sandbox/faults", {**base_env, **NO_FAULTS_ENV}, workdir
    )
    try:
        yield Stack(workdir, base_env, sandbox, workers)
    finally:
        stop_server(sandbox)
        shutil.rmtree(workdir, ignore_errors=True)


# Time per step


def timed_journey(browser: Browser, postcode: str) -> None:
    page = browser.open()
    page = browser.press(page, {"type": "vendor", "postcode": postcode}, label="postcode")
    expect(page, 200, "address", "Find address")
    page = expect(browser.press(page, go="back", label="back to postcode"), 200, "postcode", "Back")
    page = browser.press(page, label="postcode, cached")
    expect(page, 200, "address", "Find address again")
    page = browser.press(page, {"address_key": first_address(page)}, label="address")
    expect(page, 200, "property", "the address")
    changes: dict[str, str | list[str]] = {"property_type": "semi-detached"}
    page = browser.press(page, {**changes, "property_bedrooms": "3"}, label="property")
    expect(page, 200, "visit", "the property")
    page = browser.press(page, go="skip", label="visit skipped")
    expect(page, 200, "details", "Skip this question")
    page = browser.press(page, dict(DETAILS), label="final press")
    expect(page, 303, "", "Get my valuation")


def access_log_ms(server: Server) -> dict[str, float]:
    """Milliseconds per request id, from a server's access log lines."""
    found = {}
    for line in server.log_path.read_text(errors="replace").splitlines():
        with contextlib.suppress(ValueError, KeyError, TypeError):
            record = json.loads(line)
            request_id = str(record.get("request_id") or "")
            if record.get("event") == "request" and request_id.startswith("jb-"):
                found[request_id] = float(record["ms"])
    return found


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def measure_steps(env: Stack, args: argparse.Namespace) -> dict[str, Any]:
    rng = random.Random(args.seed)
    codes = postcodes(rng, "DE")
    timings: list[Timing] = []
    with env.app("journey-app") as app:
        page_file = env.workdir / "first-page.html"
        page_file.write_bytes(httpx.get(app.base_url + FIRST_PAGE, timeout=30).content)
        plain_cmd = [sys.executable, "-m", "bench.plain_page"]
        plain_env = env.app_env("plain", free_port(), BENCH_PAGE_FILE=str(page_file))
        plain_env["BENCH_APP_ACCESS_LOG"] = "1"
        plain = start_server(
            "plain-journey", plain_cmd, int(plain_env["PORT"]), "/page", plain_env, env.workdir
        )
        try:
            print(
                f"bench: journey: {args.journey_warmup} warm-up journeys, then "
                f"{args.journeys} timed, one request at a time",
                file=sys.stderr,
            )
            warm = Browser(app, plain, [])  # both servers warm, nothing kept
            for _ in range(args.journey_warmup):
                timed_journey(warm, next(codes))
            warm.close()
            browser = Browser(app, plain, timings)
            started = time.monotonic()
            for _ in range(args.journeys):
                timed_journey(browser, next(codes))
            elapsed = time.monotonic() - started
            browser.close()
            time.sleep(0.5)  # the last lines reach the log files
            logged = access_log_ms(app) | access_log_ms(plain)
        finally:
            stop_server(plain)
    by_label: dict[str, dict[str, list[float]]] = defaultdict(lambda: {"ms": [], "cpu_ms": []})
    for timing in timings:
        if timing.request_id in logged:
            by_label[timing.label]["ms"].append(logged[timing.request_id])
            by_label[timing.label]["cpu_ms"].append(timing.cpu_ns / 1e6)
    missing = sum(1 for t in timings if t.request_id not in logged)
    steps = {}
    for label, values in by_label.items():
        steps[label] = {
            "requests": len(values["ms"]),
            "p50_ms": statistics.median(values["ms"]),
            "p90_ms": percentile(values["ms"], 90),
            "cpu_ms_per_request": statistics.fmean(values["cpu_ms"]),
        }
    return {"journeys": args.journeys, "seconds": elapsed, "unlogged": missing, "steps": steps}


# Lookups per lead


@dataclass
class Homeowner:
    """What one simulated homeowner does (drawn once, then replayed against each app)."""

    postcode: str
    lead_type: str
    mistyped_shape: bool = False  # "DE1" first: refused before any lookup
    unknown_first: str = ""  # a postcode that does not exist first (a provider call)
    checks_postcode: bool = False  # Change postcode on the list, Find address again
    continues_unselected: bool = False  # Continue with no address selected: the list again
    not_listed: bool = False  # "My address is not listed", then types it
    back_from_property: bool = False  # Back to the list, Continue again
    property_error: bool = False  # Continue with no bedrooms
    visit_times: bool = False  # chooses two times instead of skipping
    changes_address: bool = False  # Change address from the details page
    details_error: bool = False  # a wrong email first
    leaves_at: str = ""  # "property" or "details": never sends


def homeowners(count: int, seed: int) -> list[Homeowner]:
    """`count` homeowners of one agency's widget: about one in seven shares a postcode with
    others (a new estate, a block of flats), the rest have their own."""
    rng = random.Random(seed)
    codes = postcodes(rng, "NG")
    shared = [next(codes) for _ in range(6)]
    unknown = postcodes(rng, "ST")
    people = []
    for number in range(count):
        if rng.random() < 0.15:
            postcode = rng.choice(shared)
        elif rng.random() < 0.03:
            postcode = f"NG{number % 90 + 1} 1YY"  # exists, but no addresses: typed by hand
        else:
            postcode = next(codes)
        leave = rng.random()
        people.append(
            Homeowner(
                postcode=postcode,
                lead_type=rng.choice(("vendor", "vendor", "landlord")),
                mistyped_shape=rng.random() < 0.06,
                unknown_first=next(unknown)[:-2] + "ZZ" if rng.random() < 0.04 else "",
                checks_postcode=rng.random() < 0.15,
                continues_unselected=rng.random() < 0.08,
                not_listed=rng.random() < 0.05,
                back_from_property=rng.random() < 0.10,
                property_error=rng.random() < 0.08,
                visit_times=rng.random() < 0.5,
                changes_address=rng.random() < 0.06,
                details_error=rng.random() < 0.12,
                leaves_at="property" if leave < 0.10 else "details" if leave < 0.20 else "",
            )
        )
    return people


def choose_address(browser: Browser, page: Page, person: Homeowner) -> Page:
    """On the list (or the manual entry page): the homeowner's address, Continue."""
    if page.step == "address" and person.not_listed:
        page = expect(browser.press(page, go="manual"), 200, "manual-address", "not listed")
    if page.step == "manual-address":
        typed = {"address_line_1": "2 The Paddocks", "address_line_2": "", "town": "Nottingham"}
        return browser.press(page, typed)
    expect(page, (200, 422), "address", "the address list")  # 422: Continue with none selected
    return browser.press(page, {"address_key": first_address(page)})


def simulated_journey(browser: Browser, person: Homeowner) -> bool:
    """One homeowner's journey; True when it ended with a lead sent (the 303)."""
    page = browser.open()
    first = {"type": person.lead_type}
    if person.mistyped_shape:
        page = browser.press(page, {**first, "postcode": person.postcode.split()[0]})
        expect(page, 422, "postcode", "a postcode cut short")
    if person.unknown_first:
        page = browser.press(page, {**first, "postcode": person.unknown_first})
        expect(page, 422, "postcode", "a postcode that does not exist")
    page = browser.press(page, {**first, "postcode": person.postcode})
    if page.step == "address":
        if person.checks_postcode:
            page = expect(browser.press(page, go="back"), 200, "postcode", "Change postcode")
            page = expect(browser.press(page), 200, "address", "Find address again")
        if person.continues_unselected:
            page = expect(browser.press(page, {"address_key": ""}), 422, "address", "no address")
    page = expect(choose_address(browser, page, person), 200, "property", "the address")
    if person.leaves_at == "property":
        return False
    if person.back_from_property:
        page = browser.press(page, go="back")
        page = expect(choose_address(browser, page, person), 200, "property", "the address again")
    if person.property_error:
        page = browser.press(page, {"property_type": "terraced", "property_bedrooms": ""})
        expect(page, 422, "property", "no bedrooms")
    page = browser.press(page, {"property_type": "terraced", "property_bedrooms": "2"})
    expect(page, 200, "visit", "the property")
    if person.visit_times:
        page = browser.press(
            page, {"appointment_availability": page.choices["appointment_availability"][3:5]}
        )
    else:
        page = browser.press(page, go="skip")
    expect(page, 200, "details", "the visit")
    if person.leaves_at == "details":
        return False
    if person.changes_address:
        page = browser.press(page, go="change-address")
        page = expect(choose_address(browser, page, person), 200, "details", "address changed")
    if person.details_error:
        page = browser.press(page, {**DETAILS, "email": "journey@example"})
        expect(page, 422, "details", "a wrong email")
    expect(browser.press(page, dict(DETAILS)), 303, "", "Get my valuation")
    return True


def app_lookup_counts(app: Server) -> dict[str, float]:
    """The app's own address lookup counters, summed over providers and outcomes."""
    from prometheus_client.parser import text_string_to_metric_families

    text = httpx.get(app.base_url + "/metrics", timeout=30).text
    counts: dict[str, float] = defaultdict(float)
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == "address_lookups_total":
                counts["provider_calls"] += sample.value
            elif sample.name == "address_lookup_requests_total":
                counts[sample.labels["result"]] += sample.value
    return dict(counts)


def count_lookups(env: Stack, people: list[Homeowner], name: str, **extra: str) -> dict[str, Any]:
    stats_url = env.sandbox.base_url + "/addresses/_sandbox/stats"
    base = env.sandbox.base_url + "/addresses"
    with env.app(name, ADDRESS_LOOKUP_BASE=base, ADDRESS_LOOKUP_API_KEY=BENCH_KEY, **extra) as app:
        print(f"bench: journey: {len(people)} homeowners, {name}", file=sys.stderr)
        httpx.delete(stats_url, timeout=30).raise_for_status()
        before = app_lookup_counts(app)
        browser = Browser(app)
        leads = sum(simulated_journey(browser, person) for person in people)
        browser.close()
        after = app_lookup_counts(app)
        stats = httpx.get(stats_url, timeout=30).json()
    app_counts = {k: after.get(k, 0) - before.get(k, 0) for k in after}
    return {
        "homeowners": len(people),
        "leads": leads,
        "provider_calls": stats["received"],
        "provider_stats": stats,
        "app_counts": app_counts,
        "requests": browser.count,
    }


# The report


def print_rows(headers: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(row[i]) for row in [headers, *rows]) for i in range(len(headers))]

    def line(row: list[str]) -> str:
        return "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"

    print(line(headers))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print(line(row))


def report(results: dict[str, Any], args: argparse.Namespace) -> None:
    timing = results["time_per_step"]
    steps = timing["steps"]
    plain = steps[PLAIN]
    machine = results["machine"]
    print()
    print(
        f"The step-by-step journey ({machine['cores']} cores, WORKERS={machine['workers']}, "
        f"SQLite; {timing['journeys']} journeys one request at a time in "
        f"{timing['seconds']:.0f} s, each request followed by one GET of the plain app's page; "
        f"load average {machine['load_average_at_start'][0]:.2f} at start, "
        f"{machine['load_average_at_end'][0]:.2f} at end)"
    )
    print()
    rows = []
    for label, title in [*STEP_LABELS.items(), (PLAIN, "plain FastAPI app, first page's bytes")]:
        step = steps.get(label)
        if step is None:
            continue
        rows.append(
            [
                title,
                str(step["requests"]),
                f"{step['p50_ms']:.2f} ms",
                f"{step['p90_ms']:.2f} ms",
                f"{step['p50_ms'] / plain['p50_ms']:.1f}",
                f"{step['cpu_ms_per_request']:.2f} ms",
                f"{step['cpu_ms_per_request'] / plain['cpu_ms_per_request']:.1f}",
            ]
        )
    print_rows(
        [
            "step (server time: the access log's ms)",
            "requests",
            "p50",
            "p90",
            "p50 ÷ plain",
            "CPU/request",
            "CPU ÷ plain",
        ],
        rows,
    )
    if timing["unlogged"]:
        print(f"note: {timing['unlogged']} request(s) had no access log line and are left out")
    print()
    lookups = results["lookups_per_lead"]
    people = lookups["runs"]["cache on"]["homeowners"]
    print(
        f"Address lookups per lead: {people} simulated homeowners (seed {args.seed}), the same "
        "journeys against each app; provider calls as counted by the provider"
    )
    print()
    rows = []
    for name, counted in lookups["runs"].items():
        calls, leads, app = counted["provider_calls"], counted["leads"], counted["app_counts"]
        rows.append(
            [
                name,
                f"{leads} of {people}",
                str(calls),
                f"{calls / leads:.2f}" if leads else "—",
                f"{calls / people:.2f}",
                f"{app.get('provider_calls', 0):.0f}",
                ", ".join(
                    f"{result} {app.get(result, 0):.0f}"
                    for result in ("provider", "cached", "shared")
                ),
            ]
        )
    print_rows(
        [
            "lookup cache",
            "leads",
            "provider calls",
            "per lead",
            "per homeowner",
            "app's count",
            "lookups asked for, by answer",
        ],
        rows,
    )
    print(
        f"({lookups['distinct_postcodes']} distinct postcodes were looked up: the fewest calls "
        "any cache could make. Each simulation takes seconds, so every repeat of a shared "
        "postcode falls within the cache's lifetime; on a real day, neighbours more than "
        "ADDRESS_LOOKUP_CACHE_SECONDS apart each cost a call.)"
    )


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Both measurements, printed; the figures returned for `--json`."""
    results: dict[str, Any] = {
        "machine": {
            "cores": os.cpu_count(),
            "load_average_at_start": os.getloadavg(),
            "workers": args.workers,
        }
    }
    people = homeowners(args.homeowners, args.seed)
    looked_up = {p.postcode for p in people} | ({p.unknown_first for p in people} - {""})
    with stack(args.workers) as env:
        results["time_per_step"] = measure_steps(env, args)
        results["lookups_per_lead"] = {
            "runs": {
                "cache on": count_lookups(env, people, "journey-cache-on"),
                "cache off": count_lookups(
                    env, people, "journey-cache-off", ADDRESS_LOOKUP_CACHE_SECONDS="0"
                ),
            },
            "distinct_postcodes": len(looked_up),
        }
    results["machine"]["load_average_at_end"] = os.getloadavg()
    report(results, args)
    return results
