"""Where one page's time goes: statements sent and a pyinstrument profile, in this process.

    DATABASE_URL=postgresql://.../lms_bench python bench/profile_page.py /courses/my --as bench.t11 \
        [--repeat 20]
        [--statements] [--html profile.html]

Logs in as the given account (every generated account's password is ``bench-2026``) with the test client,
loads the page once to warm up, then ``--repeat`` times under the profiler. Prints the statements of one load
and the profile (text, or HTML with ``--html``). Needs ``pip install pyinstrument`` (the ``bench`` extra).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import time
from pathlib import Path

import sqlalchemy as sa

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lms import create_app  # noqa: E402
from lms.config import normalise_database_url  # noqa: E402
from lms.extensions import db  # noqa: E402

PASSWORD = "bench-2026"  # noqa: S105 - the password bench/generate.py gives every account


def logged_in_client(app, login_name: str | None):
    from itsdangerous import URLSafeTimedSerializer

    client = app.test_client()
    if not login_name:
        return client
    with client.session_transaction() as session:
        raw = hashlib.sha1(os.urandom(32)).hexdigest()  # noqa: S324 - a CSRF nonce
        session["csrf_token"] = raw
    token = URLSafeTimedSerializer(app.secret_key, salt="wtf-csrf-token").dumps(raw)
    response = client.post(
        "/login", data={"identifier": login_name, "password": PASSWORD, "csrf_token": token}
    )
    if response.status_code != 302:
        raise SystemExit(f"login as {login_name} failed: HTTP {response.status_code}")
    return client


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path")
    parser.add_argument("--as", dest="login", default="")
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--statements", action="store_true", help="print each statement of one load")
    parser.add_argument("--html", default="", help="write the profile as HTML to this file")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL")
    if not url:
        raise SystemExit("set DATABASE_URL")
    app = create_app({"SQLALCHEMY_DATABASE_URI": normalise_database_url(url), "RATELIMIT_ENABLED": False})
    client = logged_in_client(app, args.login)
    statements: list[str] = []
    with app.app_context():
        engine = db.engine
    sa.event.listen(
        engine, "before_cursor_execute", lambda conn, cursor, statement, *rest: statements.append(statement)
    )
    response = client.get(args.path)
    print(
        f"{args.path}: HTTP {response.status_code}, {len(response.data):,} bytes, "
        f"{len(statements)} statements"
    )
    if args.statements:
        for statement in statements:
            print("  " + " ".join(statement.split())[:200])
    from pyinstrument import Profiler

    profiler = Profiler(interval=0.0005)
    started = time.perf_counter()
    profiler.start()
    for _ in range(args.repeat):
        client.get(args.path)
    profiler.stop()
    elapsed = (time.perf_counter() - started) / args.repeat
    print(f"{elapsed * 1000:.1f} ms per load (in process, profiled)")
    if args.html:
        Path(args.html).write_text(profiler.output_html())
    else:
        print(profiler.output_text(unicode=True, color=False, show_all=False))


if __name__ == "__main__":
    main()
