"""The benchmark generator works: a tiny national data set on SQLite, with a ledger that verifies and xAPI
statements that validate (the full scale is run by hand, see bench/README.md)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _load(name: str):
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.bench
def test_generator_builds_a_verifiable_data_set(tmp_path):
    generate = _load("generate")
    url = f"sqlite:///{tmp_path / 'bench.sqlite3'}"
    lines: list[str] = []
    outcome = generate.generate(url, 0.001, echo=lines.append)
    counts = outcome["counts"]
    assert counts["enterprise"] == 10 and counts["attempt"] == 1000
    assert counts["user"] >= 100 and counts["attempt_question"] == 5000
    assert counts["enrollment"] == 300 and counts["registration"] == 200
    assert counts["ledger_entry"] == outcome["ledger"] > 1000
    assert any("ledger payloads equal describe()" in line for line in lines)

    from lms import create_app
    from lms.evidence.verify import verify_ledger
    from lms.extensions import db
    from lms.xapi.statements import iter_statements
    from tests.xapi.conformance import problems

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "LMS_ENV": "testing"})
    with app.app_context():
        result = verify_ledger()
        assert result.ok, [p.describe() for p in result.problems[:3]]
        assert result.checked == counts["ledger_entry"]
        statements = [item.statement for item in iter_statements()]
        assert len(statements) > 5000
        assert all(problems(s) == [] for s in statements)
        db.session.remove()
        db.engine.dispose()


@pytest.mark.bench
def test_generator_refuses_a_database_in_use(tmp_path):
    generate = _load("generate")
    url = f"sqlite:///{tmp_path / 'bench.sqlite3'}"
    generate.generate(url, 0.001, echo=lambda line: None)
    with pytest.raises(SystemExit, match="not empty"):
        generate.generate(url, 0.001, echo=lambda line: None)


@pytest.mark.bench
def test_generator_refuses_the_demo_accounts(tmp_path):
    generate = _load("generate")
    from lms import create_app
    from lms.demo import org
    from lms.extensions import db

    url = f"sqlite:///{tmp_path / 'demo.sqlite3'}"
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "LMS_ENV": "testing"})
    with app.app_context():
        db.create_all()
        org.load()
        db.session.commit()
        db.session.remove()
        db.engine.dispose()
    with pytest.raises(SystemExit, match="demo accounts"):
        generate.generate(url, 0.001, reset=True, echo=lambda line: None)
