"""`make bench`: how fast the widget appears and answers, printed beside its budgets.

Starts the sandbox Lead API, the app (`python -m app serve`, exactly as in production) and a
plain FastAPI app answering the form page's own bytes from a constant (`python -m
bench.plain_page`, the same uvicorn settings and logging) as real processes on free ports,
drives them with wrk (a C load generator, so the Python servers keep the CPU), and prints one
table: metric, result, budget, verdict. It always exits 0 once it has measured: budgets are
reported, not asserted.

    .venv/bin/python -m bench.run [--duration 10] [--connections 32] [--workers 1] [--json FILE]
    .venv/bin/python -m bench.run --profile var/profiles    # also records py-spy flame graphs
    .venv/bin/python -m bench.run --form-only               # the form page against the plain app
    .venv/bin/python -m bench.run --journey-only            # the step-by-step journey alone

First the Lead API client's CPU per call is measured on its own (`bench/leadapi_cpu.py`: the
app's client sending to the sandbox from a process of its own, one call in flight and eight).
Then the form page and the plain app are loaded in turn, A B A B (`--rounds` pairs of
`--ab-seconds` each, after one warm-up each): the report gives the median of the rounds' ratios
of requests/s, so a neighbour's load that comes and goes touches both sides alike. Then submits
to `POST /api/widgets/default/valuations` at `--submit-connections` (submits/s, errors); then at
`--latency-connections` (light load) the app's submits against the same Lead API body POSTed
straight to the sandbox: the difference is the latency the app adds. Peak RSS is sampled from
/proc for the app process and its children throughout. Page weight is measured from the form
page's own HTML, CSS and JS and `/embed.js`, raw and gzip (level 6, as proxies use).

Last, the step-by-step journey (`bench/journey.py`, servers of its own): the server's time per
step against the plain app's page, and address provider calls per lead with the lookup cache on
and off (`--journeys`, `--homeowners`, `--seed`).
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import json
import os
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from tests.support.servers import NO_FAULTS_ENV, REPO_ROOT, free_port

ROOT = REPO_ROOT

WRK_SCRIPT = ROOT / "bench" / "wrk_report.lua"
BENCH_KEY = "bench-key"
KB = 1000  # budgets in kilobytes are counted in 1,000-byte units (the stricter reading)

# The Lead API client is measured one call at a time (a deployment's peak is a few leads a
# second) and with 8 in flight.
LEADAPI_CONCURRENCY = (1, 8)

BUDGET_FORM_RATIO = 0.60
BUDGET_ADDED_P50_MS = 5.0
BUDGET_ADDED_P99_MS = 25.0
BUDGET_SUBMITS_PER_S = 300.0
BUDGET_RSS_MB = 150.0
BUDGET_PAGE_GZIP = 15 * KB
BUDGET_EMBED_GZIP = 3 * KB

APP_SUBMISSION = {
    "submission_id": "__ID__",
    "type": "vendor",
    "first_name": "Bench",
    "last_name": "Mark",
    "email": "bench@example.com",
    "phone": "07911 123456",
    "address": "1 Benchmark Street, Derby",
    "postcode": "DE1 1JX",
    "property_type": "semi-detached",
    "property_bedrooms": 3,
    "gdpr_checkbox": True,
}


# Running the servers


@dataclass
class Server:
    name: str
    base_url: str
    popen: subprocess.Popen[bytes]
    log_path: Path

    def log_tail(self, lines: int = 30) -> str:
        text = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(text[-lines:])


def settings_free_env() -> dict[str, str]:
    """This shell's environment without any of the app's own settings (the bench sets those)."""
    from app.settings import Settings

    names = {name.upper() for name in Settings.model_fields} | {"PROMETHEUS_MULTIPROC_DIR"}
    return {k: v for k, v in os.environ.items() if k.upper() not in names}


def start_server(
    name: str, cmd: list[str], port: int, ready_path: str, env: dict[str, str], workdir: Path
) -> Server:
    log_path = workdir / f"{name}.log"
    with log_path.open("wb") as log:
        popen = subprocess.Popen(
            cmd,
            cwd=workdir,  # no stray .env or ./var of the developer's is picked up
            env={**env, "PYTHONPATH": str(ROOT)},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopping it stops its workers
        )
    server = Server(name, f"http://127.0.0.1:{port}", popen, log_path)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if popen.poll() is not None:
            break
        with contextlib.suppress(httpx.TransportError):
            if httpx.get(server.base_url + ready_path, timeout=2).status_code == 200:
                return server
        time.sleep(0.2)
    stop_server(server)
    raise SystemExit(f"bench: {name} did not start. Its log:\n{server.log_tail()}")


def stop_server(server: Server) -> None:
    if server.popen.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.popen.pid, signal.SIGTERM)
        try:
            server.popen.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(server.popen.pid, signal.SIGKILL)
            server.popen.wait(timeout=5)


# Memory


def process_tree(pid: int) -> list[int]:
    """`pid` and its descendants (uvicorn's workers), from /proc."""
    parents: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = stat.read_text().rsplit(")", 1)[1].split()
            parents.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(parents.get(current, []))
    return found


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) used so far by `pid` and its descendants still running."""
    total = 0
    for member in process_tree(pid):
        with contextlib.suppress(OSError, ValueError, IndexError):
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime in clock ticks
    return total / os.sysconf("SC_CLK_TCK")


def status_kb(pid: int, key: str) -> int:
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


class RssSampler:
    """Samples the total resident memory of a process tree a few times a second."""

    def __init__(self, pid: int, interval: float = 0.2):
        self.pid = pid
        self.interval = interval
        self.peak_kb = 0
        self.phase_peaks: dict[str, int] = {}
        self.phase = "start-up"
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._stop.is_set():
            total = sum(status_kb(pid, "VmRSS") for pid in process_tree(self.pid))
            self.peak_kb = max(self.peak_kb, total)
            self.phase_peaks[self.phase] = max(self.phase_peaks.get(self.phase, 0), total)
            self._stop.wait(self.interval)

    def high_water_kb(self) -> int:
        """The kernel's own peak (VmHWM) summed over the tree: an upper bound on the true peak."""
        return sum(status_kb(pid, "VmHWM") for pid in process_tree(self.pid))


# Load


@dataclass
class Load:
    """One wrk run."""

    url: str
    connections: int
    seconds: float
    requests: int = 0
    duration_s: float = 0.0
    p50_ms: float = 0.0
    p90_ms: float = 0.0
    p99_ms: float = 0.0
    max_ms: float = 0.0
    socket_errors: int = 0
    statuses: dict[str, int] = field(default_factory=dict)
    cpu_ms_per_request: float = 0.0  # the server's own CPU time, steadier on a busy machine
    # For the app's submits: the sandbox's CPU, which shares the same cores.
    upstream_cpu_ms_per_request: float = 0.0

    @property
    def rate(self) -> float:
        return self.requests / self.duration_s if self.duration_s else 0.0

    def count(self, status_prefix: str) -> int:
        return sum(n for s, n in self.statuses.items() if s.startswith(status_prefix))

    @property
    def failures(self) -> int:
        """Socket errors and answers outside 2xx."""
        return self.socket_errors + sum(n for s, n in self.statuses.items() if s[0] != "2")


def wrk(
    url: str,
    connections: int,
    seconds: float,
    body: dict[str, Any] | None = None,
    api_key: str | None = None,
) -> Load:
    env = dict(os.environ)
    env.pop("BENCH_BODY", None)
    env.pop("BENCH_API_KEY", None)
    if api_key:
        env["BENCH_API_KEY"] = api_key  # the direct calls to the sandbox need its key
    if body is not None:
        env["BENCH_BODY"] = json.dumps(body, separators=(",", ":"))
        env["BENCH_SALT"] = secrets.token_hex(8)  # ids never repeat across runs
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", "--timeout", "10s"]
    cmd += ["-s", str(WRK_SCRIPT), url]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=seconds + 60)
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("BENCH_RESULT ")), None)
    if done.returncode != 0 or line is None:
        raise SystemExit(f"bench: wrk failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    raw = json.loads(line.removeprefix("BENCH_RESULT "))
    errors = raw["errors"]
    return Load(
        url=url,
        connections=connections,
        seconds=seconds,
        requests=raw["requests"],
        duration_s=raw["duration_us"] / 1e6,
        p50_ms=raw["p50_us"] / 1000,
        p90_ms=raw["p90_us"] / 1000,
        p99_ms=raw["p99_us"] / 1000,
        max_ms=raw["max_us"] / 1000,
        socket_errors=errors["connect"] + errors["read"] + errors["write"] + errors["timeout"],
        statuses=raw["statuses"],
    )


# Page weight


class ResourceParser(HTMLParser):
    """Collects every URL a page makes the browser fetch (or send a form to)."""

    ATTRIBUTES = frozenset({"src", "href", "action", "poster", "data", "srcset", "formaction"})

    def __init__(self) -> None:
        super().__init__()
        self.stylesheets: list[str] = []
        self.scripts: list[str] = []
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "a":
            return  # a link the homeowner may follow is not a request the page makes
        for name in self.ATTRIBUTES & values.keys():
            for part in values[name].split(","):
                if part.strip():
                    self.urls.append(part.strip().split()[0])
        if tag == "link" and "stylesheet" in values.get("rel", "").split():
            self.stylesheets.append(values["href"])
        if tag == "script" and values.get("src"):
            self.scripts.append(values["src"])


CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)|@import\s+['"]([^'"]+)""")


@dataclass
class Weight:
    raw: int
    gzip: int


def weigh(data: bytes) -> Weight:
    return Weight(len(data), len(gzip.compress(data, compresslevel=6, mtime=0)))


def page_weight(http: httpx.Client, base_url: str) -> dict[str, Any]:
    page = http.get("/w/default")
    page.raise_for_status()
    parser = ResourceParser()
    parser.feed(page.text)
    css = b"".join(http.get(urljoin(base_url + "/", u)).content for u in parser.stylesheets)
    js = b"".join(http.get(urljoin(base_url + "/", u)).content for u in parser.scripts)
    urls = list(parser.urls)
    urls += [a or b for a, b in CSS_URL.findall(css.decode(errors="replace"))]
    own = urlsplit(base_url).netloc
    third_party = sorted(
        {u for u in urls if urlsplit(urljoin(base_url + "/", u)).netloc not in ("", own)}
    )
    embed = http.get("/embed.js")
    return {
        "html": weigh(page.content),
        "css": weigh(css),
        "js": weigh(js),
        "stylesheets": parser.stylesheets,
        "scripts": parser.scripts,
        "embed": weigh(embed.content) if embed.status_code == 200 else None,
        "third_party": third_party,
        "csp": page.headers.get("content-security-policy", ""),
    }


# The report


@dataclass
class Row:
    metric: str
    result: str
    budget: str = "—"
    verdict: str = ""


def verdict(ok: bool) -> str:
    return "meets" if ok else "misses"


def ms(value: float) -> str:
    return f"{value:.1f} ms"


def print_table(rows: list[Row]) -> None:
    headers = Row("metric", "result", "budget", "verdict")
    widths = [max(len(getattr(r, f)) for r in [headers, *rows]) for f in asdict(headers)]

    def line(row: Row) -> str:
        cells = [getattr(row, f).ljust(w) for f, w in zip(asdict(headers), widths, strict=True)]
        return "| " + " | ".join(cells) + " |"

    print(line(headers))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in rows:
        print(line(row))


# The run


def run(args: argparse.Namespace) -> dict[str, Any]:
    if shutil.which("wrk") is None:
        raise SystemExit("bench: wrk is not installed; run `bash scripts/ensure-loadgen.sh`")
    if args.profile and py_spy() is None:
        raise SystemExit("bench: --profile needs py-spy: .venv/bin/pip install -e '.[bench]'")
    workdir = Path(tempfile.mkdtemp(prefix="widget-bench-"))
    base_env = settings_free_env()
    sandbox_port, app_port, plain_port = free_port(), free_port(), free_port()
    sandbox_cmd = [sys.executable, "-m", "app.sandbox", "--host", "127.0.0.1"]
    sandbox_cmd += ["--port", str(sandbox_port), "--keys", BENCH_KEY]
    app_env = {
        **base_env,
        "HOST": "127.0.0.1",
        "PORT": str(app_port),
        "WORKERS": str(args.workers),
        "LEADPRO_API_BASE": f"http://127.0.0.1:{sandbox_port}",
        "LEADPRO_API_KEY": BENCH_KEY,
        "SECRET_KEY": secrets.token_urlsafe(32),
        "DATABASE_URL": f"sqlite:///{workdir}/bench.db",
        "MIN_FILL_SECONDS": "0",
        # Generous limits: the bench is one client sending thousands of submissions a minute.
        "RATE_LIMIT_PER_IP": "10000000/minute",
        "RATE_LIMIT_PER_WIDGET": "10000000/minute",
    }
    results: dict[str, Any] = {
        "machine": {
            "cores": os.cpu_count(),
            "load_average_at_start": os.getloadavg(),
            "python": sys.version.split()[0],
            "workers": args.workers,
        }
    }
    sandbox = start_server(
        "sandbox",
        sandbox_cmd,
        sandbox_port,
        "/_sandbox/faults",
        {**base_env, **NO_FAULTS_ENV},
        workdir,
    )
    app = plain = None
    profilers: list[subprocess.Popen[bytes]] = []
    try:
        results["leadapi_client"] = (
            []
            if args.form_only
            else [
                leadapi_client_cpu(sandbox, base_env, concurrency, args.leadapi_calls)
                for concurrency in LEADAPI_CONCURRENCY
            ]
        )
        # The client's leads (the contract's example, no submission id) are not the app's: the
        # delivery check counts the sandbox's leads and stats, so they start from nothing here.
        httpx.delete(f"{sandbox.base_url}/_sandbox/leads", timeout=30).raise_for_status()
        app_cmd = [sys.executable, "-m", "app", "serve"]
        app = start_server("app", app_cmd, app_port, "/readyz", app_env, workdir)
        with RssSampler(app.popen.pid) as rss, httpx.Client(base_url=app.base_url) as http:
            results["weight"] = page_weight(http, app.base_url)
            page_file = workdir / "form.html"
            page_file.write_bytes(http.get("/w/default").content)
            plain_env = {**app_env, "PORT": str(plain_port), "BENCH_PAGE_FILE": str(page_file)}
            plain_cmd = [sys.executable, "-m", "bench.plain_page"]
            plain = start_server("plain", plain_cmd, plain_port, "/page", plain_env, workdir)

            def phase(
                name: str,
                url: str,
                connections: int,
                body: dict | None = None,
                api_key: str | None = None,
                target: Server | None = None,
                seconds: float = args.duration,
                warmup: float = args.warmup,
            ) -> Load:
                rss.phase = name
                print(
                    f"bench: {name}: warm-up {warmup:.0f} s, then {seconds:.0f} s "
                    f"at {connections} connection(s)",
                    file=sys.stderr,
                )
                if warmup:
                    wrk(url, connections, warmup, body, api_key)
                # CPU is counted for the server under load: the app, or the sandbox alone.
                target = target or (app if url.startswith(app.base_url) else sandbox)
                if args.profile and target is app:
                    profilers.append(start_profile(app.popen.pid, name, args, seconds))
                cpu_before = cpu_seconds(target.popen.pid)
                upstream_before = cpu_seconds(sandbox.popen.pid)
                load = wrk(url, connections, seconds, body, api_key)
                cpu = cpu_seconds(target.popen.pid) - cpu_before
                upstream = cpu_seconds(sandbox.popen.pid) - upstream_before
                per_request = 1000 / load.requests if load.requests else 0.0
                load.cpu_ms_per_request = cpu * per_request
                if target is app and body is not None:
                    load.upstream_cpu_ms_per_request = upstream * per_request
                results.setdefault(name, []).append(asdict(load) | {"rate": load.rate})
                return load

            forms, plains = [], []
            for round_number in range(args.rounds):
                warmup = args.warmup if round_number == 0 else 0
                forms.append(
                    phase(
                        "form",
                        f"{app.base_url}/w/default",
                        args.connections,
                        seconds=args.ab_seconds,
                        warmup=warmup,
                    )
                )
                plains.append(
                    phase(
                        "plain",
                        f"{plain.base_url}/page",
                        args.connections,
                        target=plain,
                        seconds=args.ab_seconds,
                        warmup=warmup,
                    )
                )
            if args.form_only:
                report_form(forms, plains, args)
                return results
            submit_url = f"{app.base_url}/api/widgets/default/valuations"
            submits = phase("submit", submit_url, args.submit_connections, APP_SUBMISSION)
            light = phase("submit_light", submit_url, args.latency_connections, APP_SUBMISSION)
            results["rss_peak_kb"] = rss.peak_kb
            results["rss_phase_peaks_kb"] = dict(rss.phase_peaks)
            results["rss_high_water_kb"] = rss.high_water_kb()
            results["delivery"] = check_delivery(http, sandbox)
            direct = phase(
                "sandbox_direct",
                f"{sandbox.base_url}/leads/valuation",
                args.latency_connections,
                results["delivery"]["lead_body"],
                api_key=BENCH_KEY,
            )
    finally:
        for profiler in profilers:
            with contextlib.suppress(subprocess.TimeoutExpired):
                profiler.wait(timeout=30)
        for server in (plain, app):
            if server:
                stop_server(server)
        stop_server(sandbox)
    shutil.rmtree(workdir, ignore_errors=True)
    results["machine"]["load_average_at_end"] = os.getloadavg()
    report(results, forms, plains, submits, light, direct, args)
    return results


def leadapi_client_cpu(
    sandbox: Server, env: dict[str, str], concurrency: int, calls: int
) -> dict[str, Any]:
    """The Lead API client's CPU per call (`bench/leadapi_cpu.py`, in a process of its own)."""
    print(
        f"bench: Lead API client: {calls} calls at {concurrency} in flight", file=sys.stderr
    )
    cmd = [sys.executable, "-m", "bench.leadapi_cpu", "--base-url", sandbox.base_url]
    cmd += ["--key", BENCH_KEY, "--calls", str(calls), "--concurrency", str(concurrency)]
    done = subprocess.run(
        cmd, cwd=ROOT, env={**env, "PYTHONPATH": str(ROOT)}, capture_output=True, check=True
    )
    return json.loads(done.stdout)


def py_spy() -> Path | None:
    """py-spy from this virtualenv (the `bench` extra) or the PATH."""
    beside = Path(sys.executable).parent / "py-spy"
    found = beside if beside.exists() else shutil.which("py-spy")
    return Path(found) if found else None


def start_profile(
    pid: int, name: str, args: argparse.Namespace, seconds: float
) -> subprocess.Popen[bytes]:
    """py-spy (the `bench` extra) records the app while one phase is measured."""
    out = Path(args.profile).resolve()
    out.mkdir(parents=True, exist_ok=True)
    cmd = [str(py_spy()), "record", "--subprocesses", "-p", str(pid)]
    out_file = out / f"{name}.svg"
    number = 2
    while out_file.exists():  # the A/B rounds profile the same phase more than once
        out_file = out / f"{name}-{number}.svg"
        number += 1
    cmd += ["-d", str(round(seconds)), "-o", str(out_file)]
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def metric_value(text: str, name: str, **labels: str) -> float:
    """One sample from Prometheus text (0 when absent)."""
    from prometheus_client.parser import text_string_to_metric_families

    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return float(sample.value)
    return 0.0


def check_delivery(http: httpx.Client, sandbox: Server) -> dict[str, Any]:
    """Every submission the app stored must reach the sandbox exactly once, none left behind."""
    deadline = time.monotonic() + 15
    while True:
        text = http.get("/metrics").text
        backlog = metric_value(text, "lead_delivery_backlog")
        if backlog == 0 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    stats = httpx.get(f"{sandbox.base_url}/_sandbox/stats", timeout=10).json()
    leads = httpx.get(f"{sandbox.base_url}/_sandbox/leads", timeout=30).json()["leads"]
    body = dict(leads[-1]["body"])
    # The same Lead API body the app sends, with a fresh id each time.
    body["meta"] = {**body.get("meta", {}), "submission_id": "__ID__"}
    return {
        "backlog_after": backlog,
        "app_accepted": metric_value(
            text, "widget_submissions_total", widget="default", outcome="accepted"
        ),
        "app_delivered": metric_value(text, "lead_deliveries_total", result="delivered"),
        "sandbox_accepted": stats["accepted"],
        "sandbox_distinct": len({lead["body"]["meta"]["submission_id"] for lead in leads}),
        "lead_body": body,
    }


def form_rows(forms: list[Load], plains: list[Load], args: argparse.Namespace) -> list[Row]:
    """The form page against the plain app serving its bytes: each side's median round, and
    the median of the rounds' ratios (requests/s, and app CPU per request)."""
    c = args.connections
    ratios = [f.rate / p.rate for f, p in zip(forms, plains, strict=True) if p.rate]
    cpu_ratios = [
        p.cpu_ms_per_request / f.cpu_ms_per_request
        for f, p in zip(forms, plains, strict=True)
        if f.cpu_ms_per_request
    ]
    ratio = statistics.median(ratios) if ratios else 0.0
    cpu_ratio = statistics.median(cpu_ratios) if cpu_ratios else 0.0

    def median_load(loads: list[Load]) -> Load:
        return sorted(loads, key=lambda load: load.rate)[len(loads) // 2]

    def summary(loads: list[Load]) -> str:
        load = median_load(loads)
        rates = ", ".join(f"{x.rate:,.0f}" for x in loads)
        return (
            f"{load.rate:,.0f} req/s (rounds: {rates}); p50 {ms(load.p50_ms)}, "
            f"p99 {ms(load.p99_ms)}; CPU {load.cpu_ms_per_request:.3f} ms/req"
        )

    return [
        Row(f"form page GET /w/default (c={c})", summary(forms)),
        Row(f"plain FastAPI app, same bytes from a constant (c={c})", summary(plains)),
        Row(
            f"form page ÷ plain app (req/s, median of {len(ratios)} A/B rounds)",
            f"{ratio:.2f} (rounds: {', '.join(f'{r:.2f}' for r in ratios)}; "
            f"by CPU per request: {cpu_ratio:.2f})",
            f"≥ {BUDGET_FORM_RATIO:.2f}",
            verdict(ratio >= BUDGET_FORM_RATIO),
        ),
    ]


def report_form(forms: list[Load], plains: list[Load], args: argparse.Namespace) -> None:
    """`--form-only`: the form page rows alone."""
    print()
    print(
        f"Form page against a plain FastAPI app ({os.cpu_count()} cores, {args.rounds} rounds of "
        f"{args.ab_seconds:.0f} s each; load average {os.getloadavg()[0]:.2f} at end)"
    )
    print()
    print_table(form_rows(forms, plains, args))


def report(
    results: dict[str, Any],
    forms: list[Load],
    plains: list[Load],
    submits: Load,
    light: Load,
    direct: Load,
    args: argparse.Namespace,
) -> None:
    weight = results["weight"]
    machine = results["machine"]
    delivery = results["delivery"]

    added_p50 = light.p50_ms - direct.p50_ms
    added_p99 = light.p99_ms - direct.p99_ms
    rss_mb = results["rss_peak_kb"] / 1024
    page_gzip = weight["html"].gzip + weight["css"].gzip + weight["js"].gzip
    page_raw = weight["html"].raw + weight["css"].raw + weight["js"].raw
    embed = weight["embed"]
    # Lost (stored, never delivered) plus duplicated (delivered twice) submissions.
    lost = (delivery["app_accepted"] - delivery["sandbox_distinct"]) + (
        delivery["sandbox_accepted"] - delivery["sandbox_distinct"]
    )
    sc, lc = args.submit_connections, args.latency_connections

    def lat(load: Load) -> str:
        return f"p50 {ms(load.p50_ms)}, p99 {ms(load.p99_ms)}"

    def cpu(load: Load) -> str:
        text = f"; app CPU {load.cpu_ms_per_request:.2f} ms/req"
        if load.upstream_cpu_ms_per_request:
            text += f" (+ sandbox {load.upstream_cpu_ms_per_request:.2f})"
        return text

    rows = [
        Row(
            f"Lead API client CPU per call (httpx, c={client['concurrency']})",
            f"{client['cpu_ms_per_call']:.2f} ms ({client['user_ms_per_call']:.2f} user, "
            f"{client['system_ms_per_call']:.2f} system; {client['errors']} errors)",
        )
        for client in results["leadapi_client"]
    ]
    rows += form_rows(forms, plains, args)
    rows += [
        Row(
            f"submits/s, JSON API → sandbox (c={sc})",
            f"{submits.rate:,.0f}/s; {lat(submits)}{cpu(submits)}",
            f"≥ {BUDGET_SUBMITS_PER_S:.0f}/s",
            verdict(submits.rate >= BUDGET_SUBMITS_PER_S),
        ),
        Row(
            "submit errors (socket errors, non-2xx)",
            f"{submits.failures + light.failures} of {submits.requests + light.requests:,}",
            "0",
            verdict(submits.failures + light.failures == 0),
        ),
        Row(
            "submissions stored but not delivered once",
            f"{lost:.0f} (stored {delivery['app_accepted']:,.0f}, sandbox got "
            f"{delivery['sandbox_accepted']:,}, {delivery['sandbox_distinct']:,} distinct); "
            f"backlog {delivery['backlog_after']:.0f}",
            "0",
            verdict(lost == 0 and delivery["backlog_after"] == 0),
        ),
        Row(f"submit via app, light load (c={lc})", f"{lat(light)}{cpu(light)}"),
        Row(
            f"same body straight to sandbox (c={lc})",
            f"{lat(direct)}; sandbox CPU {direct.cpu_ms_per_request:.2f} ms/req",
        ),
        Row(
            "added latency p50",
            ms(added_p50),
            f"≤ {BUDGET_ADDED_P50_MS:.0f} ms",
            verdict(added_p50 <= BUDGET_ADDED_P50_MS),
        ),
        Row(
            "added latency p99",
            ms(added_p99),
            f"≤ {BUDGET_ADDED_P99_MS:.0f} ms",
            verdict(added_p99 <= BUDGET_ADDED_P99_MS),
        ),
        Row(
            f"peak RSS of the app ({machine['workers']} worker(s), all processes)",
            f"{rss_mb:.0f} MB (kernel high-water {results['rss_high_water_kb'] / 1024:.0f} MB)",
            f"≤ {BUDGET_RSS_MB:.0f} MB",
            verdict(rss_mb <= BUDGET_RSS_MB),
        ),
    ]
    for name in ("html", "css", "js"):
        w = weight[name]
        rows.append(Row(f"form page {name.upper()}", f"{w.raw:,} B raw, {w.gzip:,} B gzip"))
    rows.append(
        Row(
            "form page HTML+CSS+JS, gzip",
            f"{page_gzip:,} B ({page_raw:,} B raw)",
            f"≤ {BUDGET_PAGE_GZIP:,} B",
            verdict(page_gzip <= BUDGET_PAGE_GZIP),
        )
    )
    rows.append(
        Row(
            "/embed.js, gzip",
            f"{embed.gzip:,} B ({embed.raw:,} B raw)" if embed else "missing",
            f"≤ {BUDGET_EMBED_GZIP:,} B",
            verdict(embed.gzip <= BUDGET_EMBED_GZIP) if embed else "missing",
        )
    )
    third = weight["third_party"]
    rows.append(
        Row(
            "third-party requests from the form page",
            ", ".join(third) if third else "none",
            "none",
            verdict(not third),
        )
    )
    print()
    print(
        f"Instant valuation widget — benchmark ({machine['cores']} cores, Python "
        f"{machine['python']}, WORKERS={machine['workers']}, SQLite, wrk, "
        f"{args.duration:.0f} s per phase after {args.warmup:.0f} s warm-up; load average "
        f"{machine['load_average_at_start'][0]:.2f} at start, "
        f"{machine['load_average_at_end'][0]:.2f} at end: figures are only comparable on an "
        "otherwise idle machine)"
    )
    print()
    print_table(rows)
    print()
    misses = [r.metric for r in rows if r.verdict in ("misses", "missing")]
    print(f"{len(misses)} budget(s) missed" + (": " + "; ".join(misses) if misses else "."))
    pending = submits.statuses.get("202", 0) + light.statuses.get("202", 0)
    if pending:
        print(f"note: {pending} submit(s) answered 202 (stored, delivery finished later)")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--duration", type=float, default=10, help="seconds per measured phase")
    parser.add_argument("--warmup", type=float, default=2, help="seconds of warm-up per phase")
    parser.add_argument("--connections", type=int, default=32, help="for the page GETs")
    parser.add_argument(
        "--rounds", type=int, default=3, help="A/B rounds of the form page against the plain app"
    )
    parser.add_argument(
        "--ab-seconds", type=float, default=5, help="seconds per side in each A/B round"
    )
    parser.add_argument(
        "--form-only", action="store_true", help="only the form page against the plain app"
    )
    parser.add_argument(
        "--journey-only", action="store_true", help="only the step-by-step journey (no wrk)"
    )
    parser.add_argument(
        "--journeys", type=int, default=300, help="timed journeys, one request at a time"
    )
    parser.add_argument(
        "--journey-warmup", type=int, default=20, help="journeys before the timed ones"
    )
    parser.add_argument(
        "--homeowners", type=int, default=200, help="simulated for address lookups per lead"
    )
    parser.add_argument("--seed", type=int, default=1, help="for the simulated homeowners")
    parser.add_argument("--submit-connections", type=int, default=16, help="for submits/s")
    parser.add_argument(
        "--latency-connections",
        type=int,
        default=1,
        help="for the added-latency comparison (light load)",
    )
    parser.add_argument(
        "--leadapi-calls", type=int, default=1000, help="calls for the client's CPU per call"
    )
    parser.add_argument("--workers", type=int, default=1, help="the app's WORKERS")
    parser.add_argument("--json", type=Path, help="also write every figure to this file")
    parser.add_argument("--profile", type=Path, help="record py-spy flame graphs into this folder")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    from bench import journey

    args = parse_args(argv)
    if args.journey_only:
        results = {"journey": journey.run(args)}
    else:
        results = run(args)
        if not args.form_only:
            results["journey"] = journey.run(args)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2, default=lambda o: asdict(o)) + "\n")


if __name__ == "__main__":
    main()
