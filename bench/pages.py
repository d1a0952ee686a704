"""Pages per second against the stack's ceiling, on the data set of bench/generate.py.

    DATABASE_URL=postgresql://.../lms_bench CEILING_DATABASE_URL=postgresql://.../ceiling \
        python bench/pages.py [--seconds 10] [--only course,lesson] [--port 5120 --ceiling-port 5129]

Starts the LMS (``gunicorn -w 2 -k sync``, production settings) and the ceiling app of ``../shared/ceiling``
(the same), logs in 16 generated trainees and the officers, then for every page measures the ceiling and the
page one after the other (ceiling, page, ceiling, page, …), so each page's ratio compares runs a few seconds
apart on a shared machine. Trainee pages are loaded with ``wrk`` (16 connections, a Lua script that gives each
request its trainee's session cookie, every request a 200 or counted as an error); report pages and exports
with a sequential Python client (one officer, one request after another: median time, and the first byte of
downloads), and the ceiling the same way next to them. Prints one row per page; ``bench/all.py`` prints them
in the table of issue 10. Both servers are stopped at the end.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import harness  # noqa: E402

TRAINEES = 16


@dataclass
class Row:
    key: str
    label: str
    target: str
    page: harness.Measure
    ceiling: harness.Measure
    size: int = 0  # bytes of one response

    @property
    def ratio(self) -> float:
        return self.page.rps / self.ceiling.rps if self.ceiling.rps else 0.0

    def met(self) -> bool:
        if self.page.errors:
            return False
        if self.target.startswith("ratio"):
            return self.ratio >= 0.5 and (self.page.p99 or 1e9) <= 100
        if self.target.startswith("median"):
            return (self.page.p50 or 1e9) <= 300
        if self.target.startswith("download"):
            return (self.page.ttfb50 or 1e9) <= 300 and (self.page.p50 or 1e9) <= 2000
        return True


def _engine(url: str) -> sa.Engine:
    from lms.config import normalise_database_url

    return sa.create_engine(normalise_database_url(url))


def choose(url: str) -> dict:
    """The people and the paths, drawn from the data set (the same ones on every run)."""
    engine = _engine(url)
    with engine.connect() as c:
        trainees = c.execute(
            sa.text(
                "SELECT u.id, u.login_name FROM \"user\" u WHERE u.role = 'trainee' AND u.active "
                "AND EXISTS (SELECT 1 FROM certificate ce WHERE ce.user_id = u.id AND ce.revoked_at IS NULL) "
                "ORDER BY u.id LIMIT :n"
            ),
            {"n": TRAINEES},
        ).all()
        course_of, lesson_of = {}, {}
        for user_id, _login in trainees:
            slug, lesson = c.execute(
                sa.text(
                    "SELECT co.slug, l.slug FROM enrollment e JOIN course co ON co.id = e.course_id "
                    "JOIN lesson l ON l.version_id = co.published_version_id "
                    "WHERE e.user_id = :u AND e.status <> 'withdrawn' ORDER BY e.id, l.position LIMIT 1"
                ),
                {"u": user_id},
            ).one()
            course_of[user_id], lesson_of[user_id] = slug, lesson
        codes = c.execute(sa.text("SELECT code FROM certificate ORDER BY id LIMIT 200")).scalars().all()
        admin = c.execute(
            sa.text("SELECT login_name FROM \"user\" WHERE role = 'admin' ORDER BY id LIMIT 1")
        ).scalar_one()
        region_id, regional = c.execute(
            sa.text(
                'SELECT cu.id, u.login_name FROM customs_unit cu JOIN "user" u ON u.unit_id = cu.id '
                "AND u.role = 'officer' WHERE cu.level = 'regional' ORDER BY cu.id LIMIT 1"
            )
        ).one()
        local_id, local = c.execute(
            sa.text(
                'SELECT cu.id, u.login_name FROM customs_unit cu JOIN "user" u ON u.unit_id = cu.id '
                "AND u.role = 'officer' WHERE cu.level = 'local' AND cu.parent_id = :r ORDER BY cu.id LIMIT 1"
            ),
            {"r": region_id},
        ).one()
        root_id = c.execute(sa.text("SELECT id FROM customs_unit WHERE parent_id IS NULL")).scalar_one()
        enterprise_id = c.execute(
            sa.text(
                "SELECT e.id FROM enterprise e JOIN customs_unit cu ON cu.id = e.unit_id "
                "WHERE cu.path LIKE (SELECT path FROM customs_unit WHERE id = :r) || '%' "
                "ORDER BY e.id LIMIT 1"
            ),
            {"r": region_id},
        ).scalar_one()
        first, last = c.execute(sa.text("SELECT min(enrolled_at), max(enrolled_at) FROM enrollment")).one()
    engine.dispose()
    start, end = first.date(), last.date() + timedelta(days=90)
    return {
        "trainees": trainees,
        "course_of": course_of,
        "lesson_of": lesson_of,
        "codes": codes,
        "admin": admin,
        "regional": regional,
        "local": local,
        "region_id": region_id,
        "local_id": local_id,
        "root_id": root_id,
        "enterprise_id": enterprise_id,
        "period": f"?period=custom&start={start}&end={end}",
        "start": start,
        "end": end,
    }


def pages(data: dict, cookies: dict) -> list[tuple[str, str, str, str, list[tuple[str, str]]]]:
    """(key, label, target, client, items): every row of the issue-10 table that is a page."""
    t = [(user_id, cookies[login]) for user_id, login in data["trainees"]]
    q = data["period"]
    admin, regional, local = cookies[data["admin"]], cookies[data["regional"]], cookies[data["local"]]
    root, region, local_id = data["root_id"], data["region_id"], data["local_id"]
    ratio, median, download = "ratio ≥ 50 %, p99 ≤ 100 ms", "median ≤ 300 ms", "download"
    return [
        ("course", "course page", ratio, "wrk", [(f"/courses/{data['course_of'][u]}", c) for u, c in t]),
        (
            "lesson",
            "lesson page",
            ratio,
            "wrk",
            [(f"/courses/{data['course_of'][u]}/lessons/{data['lesson_of'][u]}", c) for u, c in t],
        ),
        ("home", "trainee home", ratio, "wrk", [("/", c) for _u, c in t]),
        ("my", "/courses/my", ratio, "wrk", [("/courses/my", c) for _u, c in t]),
        ("quizzes", "/quizzes/", ratio, "wrk", [("/quizzes/", c) for _u, c in t]),
        ("catalog", "catalog /courses/", ratio, "wrk", [("/courses/", c) for _u, c in t]),
        (
            "certificates",
            "/evidence/certificates/mine",
            ratio,
            "wrk",
            [("/evidence/certificates/mine", c) for _u, c in t],
        ),
        ("verify", "/verify/<code>", ratio, "wrk", [(f"/verify/{code}", "") for code in data["codes"]]),
        ("reports_admin", "/reports/ as administrator", median, "seq", [(f"/reports/{q}", admin)]),
        ("admin_home", "administrator's home page", median, "seq", [("/", admin)]),
        ("reports_regional", "/reports/ as regional officer", median, "seq", [(f"/reports/{q}", regional)]),
        ("reports_local", "/reports/ as local officer", median, "seq", [(f"/reports/{q}", local)]),
        (
            "drilldown",
            "enterprise drill-down (regional)",
            median,
            "seq",
            [(f"/reports/enterprises/{data['enterprise_id']}{q}", regional)],
        ),
        (
            "csv",
            "national CSV (by course)",
            download,
            "seq",
            [(f"/reports/unit/{root}/export/courses.csv{q}", admin)],
        ),
        (
            "xlsx",
            "national XLSX (by course)",
            download,
            "seq",
            [(f"/reports/unit/{root}/export/courses.xlsx{q}", admin)],
        ),
        (
            "region_csv",
            "regional CSV (by unit)",
            download,
            "seq",
            [(f"/reports/unit/{region}/export/units.csv{q}", regional)],
        ),
        (
            "local_size",
            "report page size, local officer",
            "size ≤ 150 KB",
            "seq",
            [(f"/reports/units/{local_id}{q}", local)],
        ),
    ]


def run(
    database_url: str,
    ceiling_url: str,
    port: int,
    ceiling_port: int,
    seconds: int,
    only: set[str] | None = None,
    echo=print,
) -> list[Row]:
    data = choose(database_url)
    lms = harness.start_lms(database_url, port)
    ceiling = harness.start_ceiling(ceiling_url, ceiling_port)
    rows: list[Row] = []
    try:
        logins = [login for _id, login in data["trainees"]] + [data["admin"], data["regional"], data["local"]]
        cookies = {login: harness.login(port, login) for login in logins}
        ceiling_items = [(f"/course/{n}", "") for n in range(1, 1001, 37)]
        for key, label, target, client, items in pages(data, cookies):
            if only and key not in only:
                continue
            # Warm both (and check the page answers 200 for every item before loading it).
            status, body, _t, _e = harness.get(port, items[0][0], items[0][1])
            for path, cookie in items[1:4]:
                harness.get(port, path, cookie)
            if client == "wrk":
                # Both warmed the same way: two seconds of the same load, not measured.
                harness.wrk_ceiling(ceiling_port, seconds=2)
                ceiling_m = harness.wrk_ceiling(ceiling_port, seconds=seconds)
                harness.wrk(port, items, label, seconds=2)
                page_m = harness.wrk(port, items, label, seconds=seconds)
            else:
                ceiling_m = harness.sequential(
                    ceiling_port, ceiling_items, "ceiling", seconds=seconds, at_most=10_000
                )
                page_m = harness.sequential(
                    port, items, label, seconds=seconds, at_most=20 if key != "local_size" else 3
                )
            if status != 200:
                page_m.errors += 1
            row = Row(key, label, target, page_m, ceiling_m, size=len(body))
            if key == "local_size":
                row.page.extra["size_ok"] = len(body) <= 150 * 1024
            rows.append(row)
            echo(format_row(row) + f"   (load {harness.load_average()})")
    finally:
        lms.stop()
        ceiling.stop()
    return rows


def _ms(value) -> str:
    return "—" if value is None else f"{value:,.0f}" if value >= 10 else f"{value:.1f}"


def met(row: Row) -> bool:
    if row.key == "local_size":
        return row.size <= 150 * 1024 and not row.page.errors
    return row.met()


def format_row(row: Row) -> str:
    extra = f" first byte {_ms(row.page.ttfb50)} ms" if row.target == "download" else ""
    if row.key == "local_size":
        extra = f" {row.size / 1024:,.0f} KB"
    return (
        f"{row.label:<36} {row.page.rps:>8.1f} {row.ceiling.rps:>8.1f} {row.ratio * 100:>6.1f} % "
        f"{_ms(row.page.p50):>8} {_ms(row.page.p99):>8} {row.page.errors:>4}  {row.target:<26} "
        f"{'yes' if met(row) else 'NO':<4}{extra}"
    )


HEADER = (
    f"{'page':<36} {'req/s':>8} {'ceiling':>8} {'ratio':>8} {'p50 ms':>8} {'p99 ms':>8} {'err':>4}  "
    f"{'target':<26} met?"
)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    parser.add_argument("--ceiling-url", default=os.environ.get("CEILING_DATABASE_URL"))
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", 5120)))
    parser.add_argument("--ceiling-port", type=int, default=int(os.environ.get("CEILING_PORT", 5129)))
    parser.add_argument("--seconds", type=int, default=10, help="length of each load run")
    parser.add_argument("--only", default="", help="comma-separated page keys (course, lesson, home, ...)")
    args = parser.parse_args(argv)
    if not args.database_url or not args.ceiling_url:
        parser.error("set DATABASE_URL (bench data) and CEILING_DATABASE_URL (the ceiling's seeded database)")
    print(
        f"{date.today()}, load average {harness.load_average()}; gunicorn -w {harness.WORKERS} -k sync; "
        f"wrk -c{harness.CONNECTIONS} for trainee pages, one sequential client for reports"
    )
    print(HEADER)
    run(
        args.database_url,
        args.ceiling_url,
        args.port,
        args.ceiling_port,
        args.seconds,
        set(filter(None, args.only.split(","))) or None,
    )


if __name__ == "__main__":
    main()
