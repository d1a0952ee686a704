"""CPU per page load, in process: a quick before/after figure that a loaded machine does not blur.

    DATABASE_URL=postgresql://.../lms_bench python bench/page_cpu.py --as bench.t722 [--repeat 30] PATH...

Logs in as the account (as ``profile_page.py`` does), loads each path once to warm up, then ``--repeat``
times, and prints per path: HTTP status, statements per load, this process's CPU milliseconds per load
(what the web worker spends; the database's own work is not in it) and wall milliseconds per load.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.profile_page import logged_in_client  # noqa: E402
from lms import create_app  # noqa: E402
from lms.config import normalise_database_url  # noqa: E402
from lms.extensions import db  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--as", dest="login", default="")
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL")
    if not url:
        raise SystemExit("set DATABASE_URL")
    app = create_app({"SQLALCHEMY_DATABASE_URI": normalise_database_url(url), "RATELIMIT_ENABLED": False})
    client = logged_in_client(app, args.login)
    count = [0]
    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", lambda *a: count.__setitem__(0, count[0] + 1))
    for path in args.paths:
        response = client.get(path)
        count[0] = 0
        response = client.get(path)
        statements = count[0]
        started, cpu = time.perf_counter(), time.process_time()
        for _ in range(args.repeat):
            client.get(path)
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        print(
            f"{path:<48} HTTP {response.status_code} {len(response.data):>7,} B {statements:>3} statements "
            f"{cpu / args.repeat * 1000:7.1f} ms CPU {wall / args.repeat * 1000:7.1f} ms wall"
        )


if __name__ == "__main__":
    main()
