"""Where one page's CPU goes (cProfile timed by this process's CPU clock, so that a loaded machine's waits
do not blur it).

    DATABASE_URL=... python bench/page_cprofile.py PATH --as bench.t722 [--repeat 50] [--sort cumulative]
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.profile_page import logged_in_client  # noqa: E402
from lms import create_app  # noqa: E402
from lms.config import normalise_database_url  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("path")
    parser.add_argument("--as", dest="login", default="")
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--sort", default="cumulative")
    parser.add_argument("--lines", type=int, default=60)
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL")
    if not url:
        raise SystemExit("set DATABASE_URL")
    app = create_app({"SQLALCHEMY_DATABASE_URI": normalise_database_url(url), "RATELIMIT_ENABLED": False})
    client = logged_in_client(app, args.login)
    client.get(args.path)
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for _ in range(args.repeat):
        client.get(args.path)
    profiler.disable()
    pstats.Stats(profiler).sort_stats(args.sort).print_stats(args.lines)


if __name__ == "__main__":
    main()
