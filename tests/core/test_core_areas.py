"""One way to plug an area in: create_app lists the areas, each area's init_app registers what it adds, and no
module needs another one imported first."""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys
import weakref
from pathlib import Path

import pytest

import lms
from lms import AREAS, create_app

PACKAGE = Path(lms.__file__).resolve().parent


def _modules() -> list[str]:
    names = []
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        if "migrations" in parts:  # Alembic's scripts, run by Alembic only
            continue
        names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


# Imported once before forking, so that each child only pays for the module it imports: the libraries, and the
# package lms itself (which any `import lms.<module>` runs first anyway).
_ISOLATED_IMPORTS = """
import importlib, json, os, sys, traceback
for library in ("lms", "flask", "sqlalchemy", "flask_sqlalchemy", "flask_babel", "flask_wtf", "wtforms", "flask_login",
                "flask_migrate", "flask_limiter", "flask_smorest", "marshmallow", "celery", "yaml", "markdown",
                "nh3", "openpyxl", "reportlab.platypus", "icalendar", "cryptography", "jwt", "requests"):
    try:
        importlib.import_module(library)
    except ImportError:
        pass
failed = {}
for name in json.loads(sys.stdin.read()):
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read)
        try:
            importlib.import_module(name)
        except BaseException:
            os.write(write, traceback.format_exc().encode())
            os._exit(1)
        os._exit(0)
    os.close(write)
    with os.fdopen(read, "rb") as pipe:
        output = pipe.read().decode()
    _pid, status = os.waitpid(pid, 0)
    if status:
        failed[name] = output.strip().splitlines()[-1] if output.strip() else f"exit status {status}"
print(json.dumps(failed))
"""


@pytest.mark.skipif(not hasattr(os, "fork"), reason="each module is imported in a forked, fresh process")
def test_every_module_imports_on_its_own(tmp_path):
    """Each module of lms imports in a process that has imported no other lms module: no import cycle breaks
    it and nothing relies on another module having been imported first."""
    modules = _modules()
    assert "lms.courses.views" in modules and "lms.content.gift" in modules
    # The entry points (lms.wsgi, lms.jobs.worker) create an app when imported: give them one that can start.
    env = {
        **os.environ,
        "LMS_ENV": "development",
        "LMS_SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'lms.sqlite3'}",
        "LMS_CELERY_BROKER_URL": "memory://",
    }
    result = subprocess.run(  # noqa: S603 - this interpreter, our script
        [sys.executable, "-c", _ISOLATED_IMPORTS],
        input=json.dumps(modules),
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        cwd=PACKAGE.parent,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {}


def _defines(package: Path, *calls: str) -> bool:
    """Whether a module of the package calls one of ``calls`` (Blueprint(...), AppGroup(...), ...)."""
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name in calls:
                    return True
    return False


def test_create_app_lists_every_area_with_pages_or_commands():
    listed = {area.__name__.removeprefix("lms.") for area in AREAS}
    assert len(listed) == len(AREAS)
    packages = [
        p for p in sorted(PACKAGE.iterdir()) if (p / "__init__.py").is_file() and p.name != "migrations"
    ]
    plugged = {p.name for p in packages if _defines(p, "Blueprint", "AppGroup", "command")}
    assert plugged, "no area found"
    assert plugged <= listed, (
        f"areas with pages or commands missing from lms.AREAS: {sorted(plugged - listed)}"
    )
    for area in AREAS:
        assert callable(area.init_app), area.__name__


NAV_ENDPOINTS = (
    "api_tokens.my_tokens",
    "api_tokens.service_accounts",
    "auth.user_list",
    "core.index",
    "courses.authoring",
    "courses.catalog",
    "courses.my_learning",
    "courses.reviews",
    "cultivation.case_list",
    "cultivation.key_lists",
    "cultivation.my_cases",
    "evidence.certificate_list",
    "evidence.ledger",
    "evidence.my_certificates",
    "experts.directory",
    "experts.my_profile",
    "org.enterprise_list",
    "privacy.access_log",
    "privacy.mine",
    "privacy.requests",
    "quizzes.index",
    "quizzes.marking",
    "readiness.index",
    "reports.index",
    "security.events",
    "sessions.feedback_overview",
    "sessions.my_calendar",
    "sessions.session_list",
    "sessions.venue_list",
)
PANELS = {
    "dashboard": (
        "courses_awaiting_review",
        "courses_my_courses",
        "courses_my_learning",
        "cultivation_flags",
        "cultivation_my_enterprise",
        "cultivation_to_screen",
        "expert_assignments",
        "expert_profile",
        "expert_sessions",
        "jobs",
        "jurisdiction",
        "my_certificates",
        "my_enterprise",
        "my_upcoming_sessions",
        "open_action_items",
        "pending_registrations",
        "quizzes_marking",
        "quizzes_trainee",
        "readiness",
        "reports",
    ),
    "course_page": ("quizzes", "upcoming_sessions"),
    "enterprise_page": ("certificates", "cultivation", "readiness", "reports"),
    "user_page": ("certificates", "expert_profile"),
    "session_page": ("experts",),
    "case_page": ("readiness",),
}


def _registries() -> dict:
    from lms.core import panels
    from lms.core.dashboard import NAV_ITEMS
    from lms.courses import curriculum
    from lms.courses.completion import REQUIREMENTS, course_completed
    from lms.evidence.ledger import KINDS
    from lms.jobs.outbox import SENDERS

    return {
        "nav": dict(NAV_ITEMS),
        "panels": {
            name: dict(registry.panels)
            for name, registry in vars(panels).items()
            if isinstance(registry, panels.PanelRegistry)
        },
        "kinds": dict(KINDS),
        "requirements": list(REQUIREMENTS),
        "loader_hooks": [f"{h.__module__}.{h.__name__}" for h in curriculum.LOADER_HOOKS],
        "export_hooks": [f"{h.__module__}.{h.__name__}" for h in curriculum.EXPORT_HOOKS],
        "senders": dict(SENDERS),
        "course_completed": [
            (r() if isinstance(r, weakref.ref) else r).__name__ for r in course_completed.receivers.values()
        ],
    }


def test_what_the_areas_register(app):
    for name in (
        "ops",
        "core",
        "auth",
        "security",
        "org",
        "courses",
        "quizzes",
        "sessions",
        "experts",
        "cultivation",
        "evidence",
        "credentials",
        "reports",
        "notifications",
        "readiness",
        "api_tokens",
        "privacy",
        "api_reference",
    ):
        assert name in app.blueprints, name

    groups = {name: sorted(getattr(group, "commands", {})) for name, group in app.cli.commands.items()}
    assert groups["content"] == ["export", "load", "render"]
    assert groups["courses"] == ["list"]
    assert "xapi" in groups["evidence"] and "verify" in groups["evidence"]
    for name in ("demo", "quizzes", "sessions", "cultivation", "credentials", "jobs", "reports", "standards"):
        assert groups.get(name), name
    assert "privacy" in groups

    registered = _registries()
    # (In what order: test_a_fresh_process_registers_in_the_order_of_the_areas.)
    assert sorted(registered["requirements"]) == ["attendance", "lessons", "quizzes"]
    assert registered["loader_hooks"] == [
        "lms.readiness.curriculum.sync_course_tags",
        "lms.quizzes.curriculum.load_course_quizzes",
    ]
    assert registered["export_hooks"] == [
        "lms.readiness.curriculum.export_course_tags",
        "lms.quizzes.curriculum.export_course_bank",
    ]
    assert sorted(registered["senders"]) == ["email", "xapi"]
    assert sorted(registered["course_completed"]) == [
        "_course_completed",
        "_issue_on_completion",
        "_record_completion",
    ]
    # (Tests may register kinds, panels or links of their own in this process: the areas' are all there.)
    assert {
        "attempt_graded",
        "attendance_marked",
        "case_transition",
        "certificate_issued",
        "certificate_pseudonymised",
        "certificate_revoked",
        "certification_outcome",
        "course_completed",
        "essay_marked",
        "key_list_confirmed",
        "readiness_assessment_reviewed",
    } <= set(registered["kinds"])
    # Every navigation link leads to a page of this app.
    assert set(NAV_ENDPOINTS) <= set(registered["nav"])
    assert set(NAV_ENDPOINTS) <= set(app.view_functions)
    for page, keys in PANELS.items():
        assert set(keys) <= set(registered["panels"][page]), page


def test_a_second_app_registers_nothing_twice(app, tmp_path):
    before = _registries()
    other = create_app(
        {"LMS_ENV": "testing", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'other.db'}"}
    )
    assert _registries() == before
    assert list(other.blueprints) == list(app.blueprints)
    assert sorted(other.cli.commands) == sorted(app.cli.commands)


def test_the_content_package_knows_no_area():
    """lms/content parses Markdown, GIFT and curriculum files for the areas; it imports none of them (the
    loader that writes courses is lms/courses/curriculum.py)."""
    areas = {area.__name__ for area in AREAS} - {"lms.content"}
    imported = set()
    for path in (PACKAGE / "content").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported.add(node.module)
            elif isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
    assert "yaml" in imported
    reaching = sorted(name for name in imported if any(name == a or name.startswith(a + ".") for a in areas))
    assert reaching == []


_FRESH_APP = """
import json, weakref
from lms import create_app
create_app({"LMS_ENV": "testing", "SQLALCHEMY_DATABASE_URI": "sqlite://"})
from lms.courses.completion import REQUIREMENTS, course_completed
receivers = [r() if isinstance(r, weakref.ref) else r for r in course_completed.receivers.values()]
from sqlalchemy.orm import Session
hooks = {
    name: [f"{f.__module__}.{f.__name__}" for f in getattr(Session.dispatch, name)._clslevel[Session]]
    for name in ("before_commit", "after_soft_rollback")
}
print(json.dumps({
    "requirements": list(REQUIREMENTS),
    "course_completed": [r.__name__ for r in receivers],
    "session_hooks": hooks,
}))
"""


def test_a_fresh_process_registers_in_the_order_of_the_areas():
    """In a server or a command (create_app first), the completion requirements are listed on the course page
    and checked in the order of lms.AREAS (inside the test run, a test module that imports an area's services
    first may change that order); at commit the stored results are kept before the ledger locks its head and
    chains its entries (the lock covers the ledger rows alone), and the kept pages' counters are raised before
    that too."""
    result = subprocess.run(  # noqa: S603 - this interpreter, our script
        [sys.executable, "-c", _FRESH_APP],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=PACKAGE.parent,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    registered = json.loads(result.stdout.strip().splitlines()[-1])
    assert registered["requirements"] == ["lessons", "quizzes", "attendance"]
    # Each receiver connected once (blinker calls them in no set order).
    assert sorted(registered["course_completed"]) == [
        "_course_completed",
        "_issue_on_completion",
        "_record_completion",
    ]
    assert registered["session_hooks"] == {
        "before_commit": [
            "lms.reports.stored._before_commit",
            "lms.core.page_cache._raise_versions",
            "lms.evidence.ledger._seal_at_commit",
        ],
        "after_soft_rollback": [
            "lms.evidence.ledger._forget_on_rollback",
            "lms.core.page_cache._forget",
            "lms.reports.stored._after_soft_rollback",
            "lms.jobs.outbox._after_soft_rollback",
        ],
    }
