"""CPU and statements per step of a quiz, in process: a before/after figure a loaded machine does not blur.

    DATABASE_URL=postgresql://.../lms_bench python bench/quiz_cpu.py [--flows 60] [--trainees 20]
        [--statements] [--profile STEP] [--seed N]

Logs in ``--trainees`` generated trainees with an active enrolment in the course of one practice quiz, as
``quiz_http.py`` chooses them (the same quiz every run; trainees with no more than three attempts at it, as
exam time finds them), runs three unmeasured flows, then ``--flows`` flows, each by the next trainee in turn:
start → attempt page → save every answer → submit. Prints, per step, this process's CPU milliseconds (what
the web worker spends), wall milliseconds, statements and, with a PostgreSQL server on this machine, the CPU
milliseconds its processes serving this one spent (``/proc/<pid>/schedstat`` of each backend): the two CPU
figures together are what one flow costs the machine.
``--statements`` prints the statements of one flow with the code that sent them; ``--profile submit`` (or
start, page, save, all) a cProfile clocked by this process's CPU. ``--seed N`` instead takes one trainee (the
same for the same seed) at their own course's practice quiz for every flow, however many attempts they have
piled up (before session 8 the only way: a trainee with a thousand attempts measures the totalling of a
thousand attempts at each submission). The attempts stay in the database, like the HTTP benchmark's.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import random
import sys
import time
import traceback
from pathlib import Path

import sqlalchemy as sa
from werkzeug.datastructures import MultiDict

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.profile_page import logged_in_client  # noqa: E402
from bench.quiz_http import _ATTEMPT, _TOKEN, answers_from, choose  # noqa: E402
from lms import create_app  # noqa: E402
from lms.config import normalise_database_url  # noqa: E402
from lms.extensions import db  # noqa: E402

STEPS = ("start", "page", "save", "submit")


def _origin() -> str:
    frames = [f for f in traceback.extract_stack() if f"{os.sep}lms{os.sep}" in f.filename]
    return " <- ".join(f"{f.filename.rsplit('/lms/', 1)[-1]}:{f.lineno}" for f in frames[-3:][::-1])


def _server_cpu(backends: set[int]) -> float:
    """Seconds of CPU the database server's processes for this process have used (Linux, local server)."""
    total = 0
    for pid in backends:
        try:
            with open(f"/proc/{pid}/schedstat") as stat:
                total += int(stat.read().split()[0])  # nanoseconds on a CPU
        except (OSError, ValueError, IndexError):
            continue
    return total / 1e9


def _server_text(seconds: float, backends: set[int]) -> str:
    if not backends or not any(os.path.exists(f"/proc/{pid}/schedstat") for pid in backends):
        return ""
    return f" {seconds * 1000:6.2f} ms database CPU"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--flows", type=int, default=40)
    parser.add_argument("--statements", action="store_true")
    parser.add_argument("--profile", choices=(*STEPS, "all"), default="")
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--dump", default="", help="also write the profile to this file (pstats format)")
    parser.add_argument("--trainees", type=int, default=20, help="trainees taking turns (one quiz)")
    parser.add_argument(
        "--seed", type=int, default=None, help="one trainee for every flow: the same seed, the same trainee"
    )
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL")
    if not url:
        raise SystemExit("set DATABASE_URL")
    app = create_app({"SQLALCHEMY_DATABASE_URI": normalise_database_url(url), "RATELIMIT_ENABLED": False})
    if args.seed is not None:
        candidates = choose(url, 400, fresh=False, same_quiz=False)
        chosen = [random.Random(args.seed).choice(candidates[len(candidates) // 4 :] or candidates)]  # noqa: S311
    else:
        chosen = choose(url, args.trainees)
    if not chosen:
        raise SystemExit(
            "no trainee with an active enrolment and a practice quiz left: generate the data again"
        )
    quiz_id = chosen[0][1]
    clients = [logged_in_client(app, login) for login, _quiz in chosen]
    sent: list[str] = []
    with app.app_context():
        engine = db.engine
    backends: set[int] = set()  # the PostgreSQL server processes serving this process (local server only)
    if engine.dialect.name == "postgresql" and engine.url.host in (None, "", "localhost", "127.0.0.1", "::1"):
        sa.event.listen(engine, "checkout", lambda dbapi, record, proxy: backends.add(dbapi.info.backend_pid))
    sa.event.listen(
        engine,
        "before_cursor_execute",
        lambda conn, cursor, statement, *rest: sent.append(
            " ".join(statement.split())[:100] + ("  @ " + _origin() if args.statements else "")
        ),
    )
    tokens = [_TOKEN.search(c.get(f"/quizzes/{quiz_id}").get_data(as_text=True)).group(1) for c in clients]
    turn = {"client": clients[0]}
    cpu = dict.fromkeys(STEPS, 0.0)
    wall, count, server = dict(cpu), dict(cpu), dict(cpu)
    profiles = {step: cProfile.Profile(time.process_time) for step in STEPS}
    shown: dict[str, list[str]] = {}

    def step(name, method, path, data=None):
        sent.clear()
        profile = profiles[name] if args.profile in (name, "all") else None
        started_cpu, started = time.process_time(), time.perf_counter()
        started_server = _server_cpu(backends)
        if profile:
            profile.enable()
        response = turn["client"].open(path, method=method, data=data)
        if profile:
            profile.disable()
        cpu[name] += time.process_time() - started_cpu
        server[name] += _server_cpu(backends) - started_server
        wall[name] += time.perf_counter() - started
        count[name] += len(sent)
        shown.setdefault(name, list(sent))
        return response

    for flow in range(args.flows + 3):
        turn["client"], token = clients[flow % len(clients)], tokens[flow % len(clients)]
        if flow == 3:  # warmed up: count from here
            for table in (cpu, wall, count, server):
                table.update(dict.fromkeys(STEPS, 0.0))
            shown.clear()
        started = step("start", "POST", f"/quizzes/{quiz_id}/start", {"csrf_token": token})
        attempt = f"/quizzes/attempts/{_ATTEMPT.search(started.headers['Location']).group(1)}"
        page = step("page", "GET", attempt)
        answers = answers_from(page.get_data(as_text=True))
        form = MultiDict([("csrf_token", token), *answers, ("go", "summary")])
        saved = step("save", "POST", attempt, form)
        submitted = step("submit", "POST", f"{attempt}/submit", {"csrf_token": token})
        if saved.status_code != 302 or "result" not in submitted.headers.get("Location", ""):
            raise SystemExit(
                f"flow {flow}: save HTTP {saved.status_code}, submit HTTP {submitted.status_code}"
            )
    n = args.flows
    who = chosen[0][0] if len(chosen) == 1 else f"{len(chosen)} trainees in turn"
    print(f"{who}, quiz {quiz_id}, {n} flows")
    for name in STEPS:
        print(
            f"  {name:<7} {cpu[name] / n * 1000:6.2f} ms CPU {wall[name] / n * 1000:7.2f} ms wall "
            f"{count[name] / n:5.1f} statements{_server_text(server[name] / n, backends)}"
        )
    print(
        f"  flow    {sum(cpu.values()) / n * 1000:6.2f} ms CPU {sum(count.values()) / n:5.1f} statements"
        f"{_server_text(sum(server.values()) / n, backends)}"
    )
    if args.statements:
        for name in STEPS:
            print(f"-- {name}")
            for statement in shown.get(name, []):
                print("   " + statement)
    if args.profile:
        out = io.StringIO()
        chosen = STEPS if args.profile == "all" else (args.profile,)
        stats = pstats.Stats(profiles[chosen[0]], stream=out)
        for name in chosen[1:]:
            stats.add(profiles[name])
        if args.dump:
            stats.dump_stats(args.dump)
        stats.sort_stats(args.sort).print_stats(60)
        print(out.getvalue())


if __name__ == "__main__":
    main()
