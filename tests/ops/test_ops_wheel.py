"""The wheel carries templates, static files, migrations, compiled catalogs and the shipped curriculum:
installed in a fresh virtualenv, outside the checkout, it migrates a database and serves pages."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
import venv
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SERVE = """
import lms, sys
from flask_migrate import upgrade
from lms import create_app
app = create_app({"LMS_ENV": "testing", "SQLALCHEMY_DATABASE_URI": sys.argv[1]})
with app.app_context():
    upgrade()
client = app.test_client()
login = client.get("/login")
zh = client.get("/login", headers={"Accept-Language": "zh-CN"})
css = client.get("/static/css/" + sys.argv[2])
print(lms.__file__)
print(login.status_code, "Log in" in login.get_data(as_text=True))
print(zh.status_code, "登录" in zh.get_data(as_text=True))
print(css.status_code)
print(app.config["COURSES_DIR"])
"""


def _run(args, **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run(args, capture_output=True, text=True, timeout=600, check=False, **kwargs)  # noqa: S603
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def test_wheel_installs_outside_the_checkout_and_serves_pages(tmp_path):
    dist = tmp_path / "dist"
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(dist),
            str(ROOT),
        ],
        cwd=tmp_path,
    )
    wheel = next(dist.glob("aeo_lms-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "lms/templates/base.html" in names
    assert "lms/templates/errors/error.html" in names
    assert any(n.startswith("lms/static/css/") for n in names)
    assert "lms/translations/zh_CN/LC_MESSAGES/messages.mo" in names
    assert any(n.startswith("lms/migrations/versions/") and n.endswith(".py") for n in names)
    assert any(n.startswith("lms/shipped/courses/") for n in names)

    # A fresh virtualenv; its dependencies come from this one's site-packages (no network, no checkout).
    target = tmp_path / "venv"
    venv.EnvBuilder(with_pip=False).create(target)
    python = target / "bin" / "python"
    site = Path(
        _run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip()
    )
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    _run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), str(wheel)])

    css = next((ROOT / "static" / "css").glob("*.css")).name
    workdir = tmp_path / "elsewhere"
    workdir.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LMS_", "PYTHONPATH"))}
    out = _run([str(python), "-c", SERVE, f"sqlite:///{tmp_path / 'w.sqlite3'}", css], cwd=workdir, env=env)
    lines = out.stdout.strip().splitlines()
    assert lines[0].startswith(str(site)), lines[0]  # the installed package, not the checkout
    assert lines[1:4] == ["200 True", "200 True", "200"]
    assert lines[4].startswith(str(site))
