"""Pieces shared by the HTTP benchmarks: the two servers, logging in, and the two load clients.

The LMS and the ceiling (``../shared/ceiling``, a bare Flask app on the same stack) are both served by
``gunicorn -w 2 -k sync`` on this machine. Pages are loaded with ``wrk`` (the Debian package) driven by a
Lua script that gives every request the session cookie of the person it is for; the report pages and exports,
which take long enough that a client's own cost does not matter, are loaded by a small Python client that
also times the first byte. Every response's status is checked: a page that answers anything but 200 counts as
an error.
"""

from __future__ import annotations

import http.client
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CEILING_DIR = Path(os.environ.get("LMS_CEILING_DIR", ROOT.parent.parent / "shared" / "ceiling"))
if not CEILING_DIR.exists():
    CEILING_DIR = Path("/work/shared/ceiling")
BENCH_PASSWORD = "bench-2026"  # noqa: S105 - the password bench/generate.py gives every account
WORKERS = 2
CONNECTIONS = 16

LUA = r"""
-- Each line of the file: path <TAB> cookie (empty for an anonymous request). Requests go round-robin.
local lines = {}
local index = 0
errors = 0
local thread_list = {}

function setup(thread)
  table.insert(thread_list, thread)
end

function init(args)
  for line in io.lines(args[1]) do
    local path, cookie = line:match("^([^\t]*)\t?(.*)$")
    table.insert(lines, {path, cookie})
  end
  index = math.random(1, #lines)
end

function request()
  index = index % #lines + 1
  local item = lines[index]
  local headers = {}
  if item[2] ~= "" then headers["Cookie"] = item[2] end
  return wrk.format("GET", item[1], headers)
end

function response(status, headers, body)
  if status ~= 200 then errors = errors + 1 end
end

function done(summary, latency, requests)
  local total = 0
  for _, thread in ipairs(thread_list) do total = total + thread:get("errors") end
  io.write(string.format("BAD_STATUS %d\n", total))
end
"""


@dataclass
class Measure:
    """One load run against one server."""

    label: str
    requests: int = 0
    seconds: float = 0.0
    rps: float = 0.0
    p50: float | None = None  # milliseconds
    p99: float | None = None
    errors: int = 0
    ttfb50: float | None = None
    extra: dict = field(default_factory=dict)


def load_average() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


# ------------------------------------------------------------------------------------------------------------
# Servers


class Server:
    """A gunicorn process group, stopped by its own process id."""

    def __init__(self, name: str, app: str, port: int, env: dict, cwd: Path, workers: int = WORKERS):
        self.name, self.port = name, port
        gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
        self.log = tempfile.NamedTemporaryFile(prefix=f"bench-{name}-", suffix=".log", delete=False)
        self.process = subprocess.Popen(  # noqa: S603 - our own command line
            [
                gunicorn,
                "-w",
                str(workers),
                "-k",
                "sync",
                "-b",
                f"127.0.0.1:{port}",
                "--timeout",
                "120",
                "--log-level",
                "warning",
                app,
            ],
            cwd=str(cwd),
            env={**os.environ, **env},
            stdout=self.log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._wait_ready()

    def _wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"{self.name} server exited; see {self.log.name}")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                connection.request("GET", "/")
                connection.getresponse().read()
                return
            except OSError:
                time.sleep(0.3)
        raise SystemExit(f"{self.name} server did not answer on port {self.port}")

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def start_lms(database_url: str, port: int) -> Server:
    env = {
        "LMS_ENV": "production",
        "LMS_SECRET_KEY": "bench-secret-key-0123456789abcdef0123456789",
        "DATABASE_URL": database_url,
        "LMS_LOGIN_RATE_LIMIT": "100000 per minute",
        "LMS_CERTIFICATE_VERIFY_RATE_LIMIT": "1000000 per minute",
    }
    # LMS_BENCH_APP_DIR: serve another checkout of the application (a "before" measurement) from there.
    return Server("lms", "lms:create_app()", port, env, Path(os.environ.get("LMS_BENCH_APP_DIR") or ROOT))


def start_ceiling(database_url: str, port: int) -> Server:
    url = database_url.replace("postgresql://", "postgresql+psycopg://", 1)
    return Server("ceiling", "app:app", port, {"DB_URL": url, "PYTHONDONTWRITEBYTECODE": "1"}, CEILING_DIR)


# ------------------------------------------------------------------------------------------------------------
# Logging in (production cookies are Secure, so the cookie header is kept by hand)


def _cookies(response: http.client.HTTPResponse, jar: dict) -> None:
    for name, value in response.getheaders():
        if name.lower() == "set-cookie":
            pair = value.split(";", 1)[0]
            key, _, val = pair.partition("=")
            jar[key.strip()] = val.strip()


def cookie_header(jar: dict) -> str:
    return "; ".join(f"{k}={v}" for k, v in jar.items())


def login(port: int, login_name: str, password: str = BENCH_PASSWORD) -> str:
    """Log in through the form and return the Cookie header of the session."""
    jar: dict = {}
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("GET", "/login")
    response = connection.getresponse()
    body = response.read().decode()
    _cookies(response, jar)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', body)
    if token is None:
        raise SystemExit("no CSRF token on the login page")
    form = urllib.parse.urlencode(
        {"identifier": login_name, "password": password, "csrf_token": token.group(1)}
    )
    connection.request(
        "POST",
        "/login",
        body=form,
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie_header(jar)},
    )
    response = connection.getresponse()
    response.read()
    if response.status != 302:
        raise SystemExit(f"login as {login_name} failed: HTTP {response.status}")
    _cookies(response, jar)
    # Follow the redirect as a browser does, and keep the cookie it sets: the first page after signing in
    # puts the session's CSRF token in it (the login starts a new session), so the pages measured next do not
    # each write a new one.
    location = urllib.parse.urlsplit(response.getheader("Location") or "/")
    connection.request("GET", location.path or "/", headers={"Cookie": cookie_header(jar)})
    response = connection.getresponse()
    response.read()
    _cookies(response, jar)
    connection.close()
    return cookie_header(jar)


def get(port: int, path: str, cookie: str = "", timeout: float = 120) -> tuple[int, bytes, float, float]:
    """One GET: status, body, seconds to the first byte, seconds in all."""
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    connection.request("GET", path, headers={"Cookie": cookie} if cookie else {})
    response = connection.getresponse()
    first = response.read(1)
    ttfb = time.perf_counter() - started
    body = first + response.read()
    elapsed = time.perf_counter() - started
    connection.close()
    return response.status, body, ttfb, elapsed


# ------------------------------------------------------------------------------------------------------------
# Load clients


_LATENCY = re.compile(r"^\s+(50|75|90|99)%\s+([\d.]+)(us|ms|s)\s*$", re.M)
_UNIT = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def _wrk() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise SystemExit("wrk is not installed (apt-get install -y wrk)")
    return path


def wrk(
    port: int, items: list[tuple[str, str]], label: str, seconds: int = 10, connections: int = CONNECTIONS
) -> Measure:
    """``wrk -t1 -cN -dS --latency`` over the (path, cookie) items, round-robin."""
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install -y wrk)")
    with tempfile.TemporaryDirectory() as tmp:
        script, data = Path(tmp) / "items.lua", Path(tmp) / "items.txt"
        script.write_text(LUA)
        data.write_text("".join(f"{path}\t{cookie}\n" for path, cookie in items))
        output = subprocess.run(  # noqa: S603 - our own command line
            [
                _wrk(),
                "-t1",
                f"-c{connections}",
                f"-d{seconds}s",
                "--latency",
                "--timeout",
                "30s",
                "-s",
                str(script),
                f"http://127.0.0.1:{port}",
                "--",
                str(data),
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    return _parse_wrk(output, label)


def wrk_ceiling(port: int, seconds: int = 10, connections: int = CONNECTIONS) -> Measure:
    """The ceiling exactly as its README runs it (its own course.lua)."""
    output = subprocess.run(  # noqa: S603 - our own command line
        [
            _wrk(),
            "-t1",
            f"-c{connections}",
            f"-d{seconds}s",
            "--latency",
            "-s",
            str(CEILING_DIR / "course.lua"),
            f"http://127.0.0.1:{port}/",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return _parse_wrk(output, "ceiling")


def _parse_wrk(output: str, label: str) -> Measure:
    measure = Measure(label)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", output)
    total = re.search(r"(\d+) requests in ([\d.]+)(\w+)", output)
    measure.rps = float(rps.group(1)) if rps else 0.0
    if total:
        measure.requests = int(total.group(1))
    latencies = {p: float(v) * _UNIT[u] for p, v, u in _LATENCY.findall(output)}
    measure.p50, measure.p99 = latencies.get("50"), latencies.get("99")
    bad = re.search(r"BAD_STATUS (\d+)", output)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    measure.errors = (int(bad.group(1)) if bad else int(non2xx.group(1)) if non2xx else 0) + (
        sum(int(x) for x in errors.groups()) if errors else 0
    )
    return measure


def sequential(
    port: int,
    items: list[tuple[str, str]],
    label: str,
    seconds: float = 10,
    at_least: int = 3,
    at_most: int = 40,
) -> Measure:
    """One client, one request after another (for slow pages and downloads): first byte and whole body."""
    times, ttfbs, errors, index = [], [], 0, 0
    started = time.perf_counter()
    while (len(times) < at_least or time.perf_counter() - started < seconds) and len(times) < at_most:
        path, cookie = items[index % len(items)]
        index += 1
        try:
            status, _body, ttfb, elapsed = get(port, path, cookie)
        except OSError:
            errors += 1
            continue
        if status != 200:
            errors += 1
        times.append(elapsed * 1000)
        ttfbs.append(ttfb * 1000)
    wall = time.perf_counter() - started
    measure = Measure(
        label, requests=len(times), seconds=wall, rps=len(times) / wall if wall else 0.0, errors=errors
    )
    measure.p50 = statistics.median(times)
    measure.p99 = _percentile(times, 99)
    measure.ttfb50 = statistics.median(ttfbs)
    return measure


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[k]
