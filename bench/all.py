"""Every row of the issue-10 table in one run (``make bench``).

    DATABASE_URL=postgresql://.../lms_bench CEILING_DATABASE_URL=postgresql://.../ceiling \
        python bench/all.py [--seconds 10] [--skip-pages] [--skip-quiz] [--skip-verify] [--skip-import]
        [--with-queries]

1. pages against the ceiling (bench/pages.py: trainee pages with wrk, report pages and exports with a
   sequential client; both servers ``gunicorn -w 2 -k sync``);
2. quizzes over HTTP (bench/quiz_http.py: the whole flow, then submit only; 16 clients);
3. ``evidence verify`` on the whole ledger with the command's worker processes (entries per second, wall
   and CPU time of this process);
4. GIFT import of 10,000 questions (bench/gift_import.py, dry run and import, into a temporary schema);
5. with ``--with-queries``, bench/run.py as well (every dashboard query).

Then prints the table: page, req/s, ceiling req/s, ratio, p50, p99, target, met?, and the load average.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness, pages, quiz_http  # noqa: E402


def verify_timing(database_url: str, echo=print) -> tuple[float, float, int, bool]:
    from lms import create_app
    from lms.config import normalise_database_url
    from lms.evidence.verify import verify_ledger

    workers = min(4, os.cpu_count() or 1)  # as `flask --app lms evidence verify` by default
    app = create_app({"SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url)})
    with app.app_context():
        started, cpu = time.perf_counter(), time.process_time()
        result = verify_ledger(snapshot=True, workers=workers)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    echo(
        f"evidence verify: {result.checked:,} entries, {result.subjects_checked:,} records in {wall:.1f} s "
        f"with {workers} worker(s) (this process's CPU {cpu:.1f} s) = "
        f"{result.checked / wall:,.0f} entries/s; "
        f"{'OK' if result.ok else f'{result.problem_count} problem(s)'} (load {harness.load_average()})"
    )
    return wall, cpu, result.checked, result.ok


def import_timing(database_url: str, echo=print) -> list[str]:
    output = subprocess.run(  # noqa: S603 - our own script
        [sys.executable, str(Path(__file__).with_name("gift_import.py")), "--questions", "10000"],
        env={**os.environ, "DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        check=False,
    )
    lines = [line for line in output.stdout.splitlines() if line.startswith("GIFT")]
    for line in lines or [
        output.stderr.strip().splitlines()[-1] if output.stderr.strip() else "GIFT: failed"
    ]:
        echo(line)
    return lines


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--ceiling-url", default=os.environ.get("CEILING_DATABASE_URL"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", 5120)))
    parser.add_argument("--ceiling-port", type=int, default=int(os.environ.get("CEILING_PORT", 5129)))
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--only", default="", help="page keys for the page benchmark (default: all)")
    for part in ("pages", "quiz", "verify", "import"):
        parser.add_argument(f"--skip-{part}", action="store_true")
    parser.add_argument("--with-queries", action="store_true", help="also bench/run.py (dashboard queries)")
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("set DATABASE_URL (a database filled by bench/generate.py)")
    print(f"{time.strftime('%Y-%m-%d %H:%M')}, {os.cpu_count()} CPUs, load average {harness.load_average()}")
    rows, lines = [], []
    if not args.skip_pages:
        if not args.ceiling_url:
            parser.error("set CEILING_DATABASE_URL (the ceiling's database, seeded by its seed.py)")
        print(pages.HEADER)
        rows = pages.run(
            args.database_url,
            args.ceiling_url,
            args.port,
            args.ceiling_port,
            args.seconds,
            set(filter(None, args.only.split(","))) or None,
        )
    if not args.skip_quiz:
        results = quiz_http.run(args.database_url, args.port, 16, max(args.seconds, 20), "both")
        if "flow" in results:
            rate, stats = results["flow"]
            submit = stats.times.get("submit", [])
            lines.append(
                f"quiz flow over HTTP (16 clients): {rate:.1f} graded/s, submit "
                f"{quiz_http._summary(submit)}, {stats.errors} errors; target ≥ 100/s, 0 errors: "
                f"{'yes' if rate >= 100 and not stats.errors else 'NO'}"
            )
        if "submit" in results:
            rate, stats = results["submit"]
            lines.append(
                f"quiz submit only (16 clients): {rate:.1f} graded/s, "
                f"{quiz_http._summary(stats.times.get('submit', []))}, {stats.errors} errors; "
                f"target ≥ 300/s, 0 errors: {'yes' if rate >= 300 and not stats.errors else 'NO'}"
            )
    if not args.skip_verify:
        wall, cpu, checked, ok = verify_timing(args.database_url)
        rate = checked / wall if wall else 0
        lines.append(
            f"evidence verify: {rate:,.0f} entries/s ({checked:,} in {wall:.1f} s, CPU {cpu:.1f} s), "
            f"{'OK' if ok else 'FAILED'}; target ≥ 100,000/s: {'yes' if rate >= 100_000 and ok else 'NO'}"
        )
    if not args.skip_import:
        for line in import_timing(args.database_url):
            rate = float(line.split(" = ")[1].split()[0].replace(",", "")) if " = " in line else 0.0
            lines.append(f"{line}; target ≥ 10,000/s: {'yes' if rate >= 10_000 else 'NO'}")
    if args.with_queries:
        subprocess.run(  # noqa: S603 - our own script
            [sys.executable, str(Path(__file__).with_name("run.py")), "--skip-verify"],  # noqa: S603
            env={**os.environ, "DATABASE_URL": args.database_url},
            check=False,
        )
    print()
    print(f"Issue 10 table — {time.strftime('%Y-%m-%d %H:%M')}, load average {harness.load_average()}")
    if rows:
        print(pages.HEADER)
        for row in rows:
            print(pages.format_row(row))
    for line in lines:
        print(line)


if __name__ == "__main__":
    main()
