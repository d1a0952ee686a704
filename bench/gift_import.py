"""GIFT import speed: a file of N questions of every GIFT type into a course's bank, dry run and real import.

    .venv/bin/python bench/gift_import.py [--questions 10000]

SQLite in a temporary folder by default; with DATABASE_URL (PostgreSQL) the tables go into a temporary schema
that is dropped at the end (as bench/quiz_submit.py does). Prints questions per second of the dry run (parse
and check against the bank) and of the import (the same, then every row written, committed), with this
process's CPU and, when PostgreSQL runs on this machine and its process can be read, the CPU of the server
process that did the work (their sum does not depend on what else the machine runs, unlike the wall clock).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402

from bench.quiz_submit import build_app  # noqa: E402
from lms.extensions import db  # noqa: E402

TEMPLATES = [
    "::Q{n} choice:: Which document proves origin ({n})? {{=Certificate of origin ~Invoice ~Bill of lading}}",
    "::Q{n} multi:: Which are AEO criteria ({n})? {{~%50%Internal control ~%50%Solvency ~%-100%Colour}}",
    "::Q{n} true:: Customs may audit an AEO after certification ({n}). {{T}}",
    "::Q{n} short:: The HS code has how many digits at international level ({n})? {{=six =6}}",
    "::Q{n} number:: How many months does a re-application wait ({n})? {{#12:1}}",
    "::Q{n} match:: Match each term ({n}). {{=AEO -> Authorised operator =HS -> Harmonised system "
    "=CIQ -> Inspection}}",
    "::Q{n} essay:: Describe your enterprise's internal control ({n}). {{}}",
]


def gift_text(count: int) -> str:
    parts = ["$CATEGORY: bench/imported\n"]
    for n in range(count):
        parts.append(TEMPLATES[n % len(TEMPLATES)].format(n=n) + "\n")
    return "\n".join(parts)


def server_cpu(pid: int | None) -> float | None:
    """CPU seconds used so far by the PostgreSQL server process ``pid`` (None when it cannot be read here)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError, TypeError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_pid() -> int | None:
    if db.engine.dialect.name != "postgresql":
        return None
    return db.session.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()


def cpu_text(own: float, server_before: float | None, pid: int | None) -> str:
    after = server_cpu(pid)
    if server_before is None or after is None:
        return f"this process's CPU {own:.2f} s"
    return f"this process's CPU {own:.2f} s, PostgreSQL's {after - server_before:.2f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=10_000)
    args = parser.parse_args()
    text = gift_text(args.questions)
    with tempfile.TemporaryDirectory() as tmp:
        app, schema = build_app(tmp)
        try:
            with app.app_context():
                from lms.courses.models import Course
                from lms.quizzes.bank import import_gift
                from lms.quizzes.models import Question

                course = Course(slug="gift-bench")
                db.session.add(course)
                db.session.commit()
                pid = server_pid()
                server = server_cpu(pid)
                started, cpu = time.perf_counter(), time.process_time()
                report = import_gift(None, course, text, dry_run=True)
                dry, dry_cpu = time.perf_counter() - started, time.process_time() - cpu
                dry_cpu_text = cpu_text(dry_cpu, server, pid)
                db.session.rollback()
                if not report.ok:
                    raise SystemExit(f"the generated file has problems: {report.problems[:3]}")
                course = db.session.get(Course, course.id)
                pid = server_pid()
                server = server_cpu(pid)
                started, cpu = time.perf_counter(), time.process_time()
                report = import_gift(None, course, text)
                db.session.commit()
                real, real_cpu = time.perf_counter() - started, time.process_time() - cpu
                real_cpu_text = cpu_text(real_cpu, server, pid)
                stored = db.session.execute(
                    sa.select(sa.func.count(Question.id)).where(Question.course_id == course.id)
                ).scalar_one()
                n = len(report.items)
                print(
                    f"GIFT dry run: {n} questions in {dry:.2f} s = {n / dry:,.0f} questions/s "
                    f"({dry_cpu_text}; {db.engine.dialect.name})"
                )
                print(
                    f"GIFT import:  {n} questions in {real:.2f} s = {n / real:,.0f} questions/s "
                    f"({real_cpu_text}); {stored} stored"
                )
                db.session.remove()
        finally:
            with app.app_context():
                if schema:
                    with db.engine.begin() as connection:
                        connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
                db.engine.dispose()


if __name__ == "__main__":
    main()
