"""Time the dashboards, `evidence verify` and the xAPI export on the database in DATABASE_URL.

    python bench/generate.py --scale 1 --reset      # once: the national-scale data set
    DATABASE_URL=postgresql://... python bench/run.py [--xapi-limit 500000] [--timeout 300] [--skip-pages]

Prints one line per measurement: every metric of lms/reports/metrics.py for the whole country and by unit,
enterprise, course, expert and month (as an administrator), the same figures for a regional officer, the
drill-down from a unit to an enterprise to a trainee, the report pages themselves over HTTP, the ledger
verification (chain and records), and the throughput of the xAPI statement export.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lms import create_app  # noqa: E402
from lms.config import normalise_database_url  # noqa: E402
from lms.extensions import db  # noqa: E402

BENCH_PASSWORD = "bench-2026"  # noqa: S105 - the password bench/generate.py gives every account


def timed(label: str, function, results: list, echo=print):
    """Run ``function`` once, print and keep its time; a failure is reported, not raised."""
    db.session.rollback()
    started = time.perf_counter()
    try:
        value = function()
    except Exception as error:  # noqa: BLE001 - one broken measurement must not hide the others
        db.session.rollback()
        echo(f"  {label:<58} FAILED: {type(error).__name__}: {str(error).splitlines()[0][:80]}")
        results.append((label, None, "failed"))
        return None
    elapsed = time.perf_counter() - started
    detail = _size(value)
    echo(f"  {label:<58} {elapsed * 1000:9.0f} ms  {detail}")
    results.append((label, elapsed, detail))
    return value


def _size(value) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, dict | list | tuple):
        return f"({len(value)} rows)"
    return ""


def data_period() -> tuple[date, date]:
    from lms.courses.models import Enrollment

    first, last = db.session.execute(
        sa.select(sa.func.min(Enrollment.enrolled_at), sa.func.max(Enrollment.enrolled_at))
    ).one()
    if first is None:
        raise SystemExit("The database has no enrolments: run bench/generate.py first.")
    return first.date(), last.date() + timedelta(days=90)


def people():
    from lms.auth.models import User
    from lms.org.models import CustomsUnit

    admin = db.session.execute(
        sa.select(User).where(User.role == "admin").order_by(User.id).limit(1)
    ).scalar_one()
    region = db.session.execute(
        sa.select(CustomsUnit).where(CustomsUnit.level == "regional").order_by(CustomsUnit.id).limit(1)
    ).scalar_one()
    officer = db.session.execute(
        sa.select(User).where(User.role == "officer", User.unit_id == region.id).limit(1)
    ).scalar_one()
    root = db.session.execute(sa.select(CustomsUnit).where(CustomsUnit.parent_id.is_(None))).scalar_one()
    return admin, officer, root, region


def metric_measurements(results: list, echo=print) -> None:
    """Every metric function of the reports area, grouped every way the dashboards group them."""
    from lms.reports import metrics
    from lms.reports.filters import Filters

    start, end = data_period()
    admin, officer, root, region = people()
    filters = Filters(preset="custom", start=start, end=end)
    echo(f"Dashboard queries (period {start} – {end})")
    national = metrics.Scope(actor=admin, filters=filters)
    regional = metrics.Scope(actor=officer, filters=filters)
    functions = [
        (name, getattr(metrics, name))
        for name in ("completion", "outcomes", "learning_gain", "attendance", "satisfaction", "funnel")
        if hasattr(metrics, name)
    ]
    dims = [
        ("total", metrics.TOTAL),
        ("by unit", metrics.Dim("unit", node=root)),
        ("by course", metrics.Dim("course")),
        ("by expert", metrics.Dim("expert")),
        ("by month", metrics.Dim("month")),
    ]
    for name, function in functions:
        for dim_label, dim in dims:
            if name == "funnel" and dim.kind in ("course", "expert"):
                continue  # cases belong to enterprises, not to courses or experts
            timed(f"{name} {dim_label} (national)", lambda f=function, d=dim: f(national, d), results, echo)
    for name in ("completion_trend", "score_distribution"):
        if hasattr(metrics, name):
            timed(f"{name} (national)", lambda f=getattr(metrics, name): f(national), results, echo)
    enterprise_dim = metrics.Dim("enterprise")
    for name, function in functions:
        timed(
            f"{name} by enterprise (regional officer)",
            lambda f=function: f(regional, enterprise_dim),
            results,
            echo,
        )
    if hasattr(metrics, "figures"):
        timed("figures, all five, total (regional officer)", lambda: metrics.figures(regional), results, echo)
        # Drill-down: the region's units, then one of its enterprises, then that enterprise's trainees.
        timed(
            "drill-down: region by unit",
            lambda: metrics.figures(
                metrics.Scope(actor=officer, filters=filters, unit=region), metrics.Dim("unit", node=region)
            ),
            results,
            echo,
        )
        enterprise_id = _an_enterprise_under(region)
        timed(
            "drill-down: one enterprise by trainee",
            lambda: metrics.figures(
                metrics.Scope(actor=officer, filters=filters, enterprise_id=enterprise_id),
                metrics.Dim("trainee"),
            ),
            results,
            echo,
        )


def _an_enterprise_under(unit) -> int:
    from lms.org.models import CustomsUnit, Enterprise

    return db.session.execute(
        sa.select(Enterprise.id)
        .join(CustomsUnit, CustomsUnit.id == Enterprise.unit_id)
        .where(CustomsUnit.path.startswith(unit.path))
        .order_by(Enterprise.id)
        .limit(1)
    ).scalar_one()


def page_measurements(app, results: list, echo=print) -> None:
    """The report pages over HTTP, as the administrator and as a regional officer would load them."""
    from itsdangerous import URLSafeTimedSerializer

    start, end = data_period()
    admin, officer, root, region = people()
    enterprise_id = _an_enterprise_under(region)
    trainee_id = db.session.execute(
        sa.text('SELECT id FROM "user" WHERE enterprise_id = :e ORDER BY id LIMIT 1'), {"e": enterprise_id}
    ).scalar_one()
    query = f"?period=custom&start={start}&end={end}"
    db.session.rollback()
    echo("Report pages (HTTP, full render)")
    app.logger.disabled = True  # a page that fails is reported on one line, without its traceback
    for who in (admin, officer):
        client = app.test_client()
        with client.session_transaction() as session:
            raw = hashlib.sha1(os.urandom(32)).hexdigest()  # noqa: S324 - a CSRF nonce, as Flask-WTF makes it
            session["csrf_token"] = raw
        token = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token").dumps(raw)
        response = client.post(
            "/login", data={"identifier": who.login_name, "password": BENCH_PASSWORD, "csrf_token": token}
        )
        if response.status_code != 302:
            echo(f"  login as {who.login_name} failed ({response.status_code}); pages not timed")
            continue
        pages = [
            ("/reports/" + query, "dashboard"),
            (f"/reports/units/{region.id}{query}", "region"),
            (f"/reports/enterprises/{enterprise_id}{query}", "enterprise"),
            (f"/reports/trainees/{trainee_id}{query}", "trainee"),
        ]
        for url, label in pages:

            def get(url=url, client=client):
                response = client.get(url)
                if response.status_code != 200:
                    raise RuntimeError(f"HTTP {response.status_code}")
                return f"({len(response.data) // 1024} KB)"

            timed(f"GET {label} page as {who.role}", get, results, echo)


def verify_measurement(results: list, echo=print) -> None:
    from lms.evidence.verify import verify_ledger

    echo("Evidence ledger")
    result = timed(
        "evidence verify (chain + every record)", lambda: verify_ledger(snapshot=True), results, echo
    )
    if result is not None:
        echo(
            f"    {result.checked:,} entries checked, {result.subjects_checked:,} records compared, "
            f"{'OK' if result.ok else f'{result.problem_count} problem(s)'}"
        )


def xapi_measurement(limit: int, results: list, echo=print) -> None:
    import lms.xapi.models  # noqa: F401
    from lms.xapi.statements import STREAMS, Vocabulary, dumps, iter_stream

    echo(f"xAPI export (up to {limit:,} statements per stream, serialised as JSON Lines)")
    vocabulary = Vocabulary.from_app()
    for stream in STREAMS:
        db.session.rollback()
        count = size = 0
        started = time.perf_counter()
        for item in iter_stream(vocabulary, stream):
            size += len(dumps(item.statement).encode("utf-8")) + 1
            count += 1
            if count >= limit:
                break
        elapsed = time.perf_counter() - started
        rate = count / elapsed if elapsed else 0
        echo(
            f"  {stream:<20} {count:>10,} statements in {elapsed:7.1f} s = {rate:>9,.0f} /s "
            f"({size / elapsed / 1e6 if elapsed else 0:.1f} MB/s)"
        )
        results.append((f"xapi {stream}", elapsed, f"{count} statements, {rate:.0f}/s"))
    db.session.rollback()


def counts(echo=print) -> None:
    tables = (
        "enterprise",
        "user",
        "enrollment",
        "attempt",
        "attempt_question",
        "registration",
        "session_feedback",
        "cultivation_case",
        "certificate",
        "ledger_entry",
    )
    parts = []
    for table in tables:
        number = db.session.execute(sa.select(sa.func.count()).select_from(sa.table(table))).scalar_one()
        parts.append(f"{table} {number:,}")
    echo("Data: " + ", ".join(parts))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--xapi-limit", type=int, default=500_000, help="statements timed per xAPI stream")
    parser.add_argument("--skip-verify", action="store_true")
    parser.add_argument("--skip-pages", action="store_true")
    parser.add_argument("--skip-xapi", action="store_true")
    parser.add_argument(
        "--timeout",
        type=int,
        default=300,
        help="PostgreSQL: seconds a statement may run before it is cancelled (0: no limit)",
    )
    args = parser.parse_args(argv)
    if not args.database_url:
        parser.error("set DATABASE_URL (a database filled by bench/generate.py) or give --database-url")
    url = normalise_database_url(args.database_url)
    engine_options: dict = {"pool_pre_ping": True}
    if url.startswith("postgresql") and args.timeout:
        # A query that runs away is reported as failed instead of holding the benchmark (and the server).
        engine_options["connect_args"] = {"options": f"-c statement_timeout={args.timeout * 1000}"}
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SQLALCHEMY_ENGINE_OPTIONS": engine_options,
            "RATELIMIT_ENABLED": False,
            "WTF_CSRF_ENABLED": True,
        }
    )
    results: list = []
    began = time.perf_counter()
    with app.app_context(), app.test_request_context():
        echo = print
        echo(
            f"Database: {db.engine.url.render_as_string(hide_password=True)}; "
            f"{os.cpu_count()} CPU(s); load average {', '.join(f'{x:.1f}' for x in os.getloadavg())}"
        )
        counts(echo)
        metric_measurements(results, echo)
        if not args.skip_pages:
            page_measurements(app, results, echo)
        if not args.skip_verify:
            verify_measurement(results, echo)
        if not args.skip_xapi:
            xapi_measurement(args.xapi_limit, results, echo)
    failed = [label for label, elapsed, _detail in results if elapsed is None]
    print(
        f"Total {time.perf_counter() - began:.1f} s; {len(results)} measurements"
        + (f", {len(failed)} failed" if failed else "")
    )


if __name__ == "__main__":
    main()
