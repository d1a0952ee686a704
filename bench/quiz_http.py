"""Quizzes over HTTP at exam time, on the data set of bench/generate.py.

    DATABASE_URL=postgresql://.../lms_bench python bench/quiz_http.py [--mode flow|submit|both] [--clients 16]
        [--seconds 20] [--port 5120]

Starts the LMS (``gunicorn -w 2 -k sync``, production settings), logs in ``--clients`` generated trainees and
gives each a thread with its own connection and session cookie (a Python client: http.client, one keep-alive
connection per client). Each trainee takes the practice quiz of a course they are enrolled in (unlimited
attempts):

* ``flow``: start → the attempt page → save answers (the page's form, every question answered) → submit,
  again and again for ``--seconds``; prints graded attempts per second and the latency of each step.
* ``submit``: first prepares attempts with their answers saved (not timed), then submits them all at once
  from the clients; prints graded submissions per second and the submit latency.

Every response must be the expected redirect or page; anything else counts as an error. The attempts it
creates stay in the database (they are real attempts with their ledger entries; ``evidence verify`` passes).
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import resource
import statistics
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness  # noqa: E402

_ATTEMPT = re.compile(r"/quizzes/attempts/(\d+)")
_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
_INPUT = re.compile(r"<(input|textarea|select)\b([^>]*)>", re.I)
_ATTR = re.compile(r'(\w[\w-]*)="([^"]*)"')
_OPTION = re.compile(r'<option[^>]*value="([^"]*)"', re.I)


@dataclass
class Stats:
    graded: int = 0
    errors: int = 0
    first_error: str = ""
    times: dict[str, list[float]] = field(default_factory=dict)
    client_cpu: float = 0.0  # seconds of CPU the clients' own process used while measured
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, step: str, seconds: float) -> None:
        with self.lock:
            self.times.setdefault(step, []).append(seconds * 1000)

    def error(self, message: str) -> None:
        with self.lock:
            self.errors += 1
            self.first_error = self.first_error or message


class Client:
    """One trainee on one keep-alive connection."""

    def __init__(self, port: int, cookie: str, quiz_id: int):
        self.port, self.cookie, self.quiz_id = port, cookie, quiz_id
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.token = ""

    def request(self, method: str, path: str, form: dict | list | None = None) -> tuple[int, str, str]:
        headers = {"Cookie": self.cookie}
        body = None
        if form is not None:
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in range(2):
            try:
                self.connection.request(method, path, body=body, headers=headers)
                response = self.connection.getresponse()
                text = response.read().decode("utf-8", "replace")
                return response.status, response.getheader("Location") or "", text
            except (http.client.HTTPException, OSError):
                self.connection.close()
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
                if attempt:
                    raise
        raise RuntimeError("unreachable")

    def ensure_token(self) -> None:
        if not self.token:
            status, _loc, body = self.request("GET", f"/quizzes/{self.quiz_id}")
            match = _TOKEN.search(body)
            if status != 200 or match is None:
                raise RuntimeError(f"quiz page: HTTP {status}")
            self.token = match.group(1)

    def start(self) -> int:
        status, location, _ = self.request(
            "POST", f"/quizzes/{self.quiz_id}/start", {"csrf_token": self.token}
        )
        match = _ATTEMPT.search(location)
        if status != 302 or match is None:
            raise RuntimeError(f"start: HTTP {status} {location}")
        return int(match.group(1))

    def page(self, attempt_id: int) -> list[tuple[str, str]]:
        status, _loc, body = self.request("GET", f"/quizzes/attempts/{attempt_id}")
        if status != 200:
            raise RuntimeError(f"attempt page: HTTP {status}")
        return answers_from(body)

    def save(self, attempt_id: int, answers: list[tuple[str, str]]) -> None:
        form = [("csrf_token", self.token), *answers, ("go", "summary")]
        status, location, _ = self.request("POST", f"/quizzes/attempts/{attempt_id}", form)
        if status != 302 or "summary" not in location:
            raise RuntimeError(f"save: HTTP {status} {location}")

    def submit(self, attempt_id: int) -> None:
        status, location, _ = self.request(
            "POST", f"/quizzes/attempts/{attempt_id}/submit", {"csrf_token": self.token}
        )
        if status != 302 or "result" not in location:
            raise RuntimeError(f"submit: HTTP {status} {location}")


def answers_from(html: str) -> list[tuple[str, str]]:
    """An answer for every question field of the page: the first choice, the first option, or text."""
    answers: dict[str, str] = {}
    for tag, attrs_text in _INPUT.findall(html):
        attrs = dict(_ATTR.findall(attrs_text))
        name = attrs.get("name", "")
        if not re.fullmatch(r"q\d+(_\w+)?", name) or name in answers:
            continue
        kind = attrs.get("type", "text").lower()
        if tag.lower() == "select":
            after = html[html.find(attrs_text) :]
            options = [v for v in _OPTION.findall(after[: after.find("</select>")]) if v]
            if options:
                answers[name] = options[0]
        elif kind in ("radio", "checkbox"):
            answers[name] = attrs.get("value", "")
        elif kind in ("text", "number") or tag.lower() == "textarea":
            answers[name] = "12"
    return list(answers.items())


def choose(url: str, clients: int, *, fresh: bool = True, same_quiz: bool = True) -> list[tuple[str, int]]:
    """Trainees with an active enrolment, and the practice quiz of that course (unlimited attempts): the quiz
    of the newest such trainee, and trainees of that same course, so that every run takes the same quiz.

    Trainees who already have more than three attempts at it (an earlier run's) are passed over: each run
    takes trainees as exam time finds them, not ones with a hundred attempts to total at every submission.
    ``fresh=False, same_quiz=False`` (``quiz_cpu.py``, whose ``--seed`` picks one of them) takes every
    trainee, whatever their course and attempts.
    """
    from lms.config import normalise_database_url

    engine = sa.create_engine(normalise_database_url(url))
    query = (
        'SELECT u.login_name, q.id FROM enrollment e JOIN "user" u ON u.id = e.user_id '
        "JOIN quiz q ON q.course_id = e.course_id AND q.key = 'practice' AND NOT q.archived "
        "WHERE e.status = 'active' AND u.active AND NOT EXISTS (SELECT 1 FROM attempt a "
        "WHERE a.user_id = u.id AND a.quiz_id = q.id AND (a.status = 'in_progress' OR a.number > :most)) "
        "{also} ORDER BY u.id DESC LIMIT :n"
    )
    most = 3 if fresh else 1_000_000_000
    with engine.connect() as c:
        first = c.execute(sa.text(query.format(also="")), {"n": 1, "most": 1_000_000_000}).first()
        rows = []
        if not same_quiz:
            rows = c.execute(sa.text(query.format(also="")), {"n": clients * 3, "most": most}).all()
        elif first is not None:
            rows = c.execute(
                sa.text(query.format(also="AND q.id = :quiz")),
                {"n": clients * 3, "most": most, "quiz": first[1]},
            ).all()
    engine.dispose()
    chosen, seen = [], set()
    for login, quiz_id in rows:
        if login not in seen:
            seen.add(login)
            chosen.append((login, quiz_id))
    return chosen[:clients]


def _summary(values: list[float]) -> str:
    if not values:
        return "—"
    ordered = sorted(values)
    p99 = ordered[min(len(ordered) - 1, int(0.99 * len(ordered)))]
    return f"p50 {statistics.median(ordered):,.0f} ms, p99 {p99:,.0f} ms"


def _per(stats: Stats) -> str:
    per = stats.client_cpu * 1000 / stats.graded if stats.graded else 0.0
    return f"{stats.client_cpu:.2f} s, {per:.2f} ms per graded attempt"


def run_flow(clients: list[Client], seconds: float) -> tuple[Stats, float]:
    stats = Stats()
    stop = time.monotonic() + seconds
    barrier = threading.Barrier(len(clients) + 1)

    def work(client: Client):
        barrier.wait()
        while time.monotonic() < stop:
            try:
                t = time.perf_counter()
                attempt_id = client.start()
                stats.add("start", time.perf_counter() - t)
                t = time.perf_counter()
                answers = client.page(attempt_id)
                stats.add("page", time.perf_counter() - t)
                t = time.perf_counter()
                client.save(attempt_id, answers)
                stats.add("save", time.perf_counter() - t)
                t = time.perf_counter()
                client.submit(attempt_id)
                stats.add("submit", time.perf_counter() - t)
                with stats.lock:
                    stats.graded += 1
            except Exception as error:  # noqa: BLE001 - counted and reported
                stats.error(str(error))

    threads = [threading.Thread(target=work, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    barrier.wait()
    started, cpu = time.perf_counter(), _cpu()
    for thread in threads:
        thread.join()
    stats.client_cpu = _cpu() - cpu
    return stats, time.perf_counter() - started


def _cpu() -> float:
    """Seconds of CPU this process (the clients) has used: it shares the machine with the server."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_submit(groups: list[list[Client]]) -> tuple[Stats, float]:
    """Each thread prepares one attempt (answers saved) per trainee of its group, untimed; then all threads
    submit their attempts at once."""
    prepared: dict[int, list[tuple[Client, int]]] = {}
    stats = Stats()

    def prepare(index: int, group: list[Client]):
        ids = []
        for client in group:
            try:
                attempt_id = client.start()
                client.save(attempt_id, client.page(attempt_id))
                ids.append((client, attempt_id))
            except Exception as error:  # noqa: BLE001 - counted and reported
                stats.error(f"prepare: {error}")
        prepared[index] = ids

    threads = [threading.Thread(target=prepare, args=(i, g)) for i, g in enumerate(groups)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    barrier = threading.Barrier(len(groups) + 1)

    def work(index: int):
        barrier.wait()
        for client, attempt_id in prepared.get(index, []):
            try:
                t = time.perf_counter()
                client.submit(attempt_id)
                stats.add("submit", time.perf_counter() - t)
                with stats.lock:
                    stats.graded += 1
            except Exception as error:  # noqa: BLE001 - counted and reported
                stats.error(str(error))

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(groups))]
    for thread in threads:
        thread.start()
    barrier.wait()
    started, cpu = time.perf_counter(), _cpu()
    for thread in threads:
        thread.join()
    stats.client_cpu = _cpu() - cpu
    return stats, time.perf_counter() - started


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", 5120)))
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--mode", choices=("flow", "submit", "both"), default="both")
    parser.add_argument(
        "--per-client",
        type=int,
        default=20,
        help="submit mode: trainees (one prepared attempt each) per client",
    )
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("set DATABASE_URL (a database filled by bench/generate.py)")
    return run(args.database_url, args.port, args.clients, args.seconds, args.mode, args.per_client)


def run(
    database_url: str, port: int, n_clients: int, seconds: float, mode: str, per_client: int = 20, echo=print
) -> dict:
    wanted = n_clients * (per_client if mode != "flow" else 1)
    people = choose(database_url, wanted)
    server = harness.start_lms(database_url, port)
    results = {}
    try:
        everyone = [Client(port, harness.login(port, login), quiz_id) for login, quiz_id in people]
        for client in everyone:
            client.ensure_token()
        clients = everyone[:n_clients]
        if mode in ("flow", "both"):
            stats, elapsed = run_flow(clients, seconds)
            rate = stats.graded / elapsed if elapsed else 0.0
            echo(
                f"quiz flow over HTTP, {len(clients)} clients, {elapsed:.1f} s: {stats.graded} graded = "
                f"{rate:.1f} graded attempts/s, {stats.errors} errors (load {harness.load_average()})"
            )
            for step in ("start", "page", "save", "submit"):
                echo(f"  {step:<7} {_summary(stats.times.get(step, []))}")
            echo(f"  the clients' own CPU: {_per(stats)}")
            if stats.first_error:
                echo(f"  first error: {stats.first_error}")
            results["flow"] = (rate, stats)
        if mode in ("submit", "both"):
            stats, elapsed = run_submit([everyone[i::n_clients] for i in range(n_clients)])
            rate = stats.graded / elapsed if elapsed else 0.0
            echo(
                f"quiz submit only over HTTP, {len(clients)} clients: {stats.graded} graded "
                f"in {elapsed:.2f} s = "
                f"{rate:.1f} graded/s, {stats.errors} errors (load {harness.load_average()})"
            )
            echo(f"  submit  {_summary(stats.times.get('submit', []))}")
            echo(f"  the clients' own CPU: {_per(stats)}")
            if stats.first_error:
                echo(f"  first error: {stats.first_error}")
            results["submit"] = (rate, stats)
    finally:
        server.stop()
    return results


if __name__ == "__main__":
    main()
