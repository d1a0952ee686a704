"""CSRF, security headers, cookies, health check, error pages."""

from __future__ import annotations

import pytest

from lms import create_app
from lms.core.access import public


def test_post_without_csrf_token_is_refused(client, demo):
    response = client.post("/login", data={"identifier": "trainee", "password": "demo-2026"})
    assert response.status_code == 400
    assert "form has expired" in response.get_data(as_text=True)
    assert demo.user("trainee").last_login_at is None


def test_post_with_a_forged_token_is_refused(client, demo):
    response = client.post(
        "/login", data={"identifier": "trainee", "password": "demo-2026", "csrf_token": "x"}
    )
    assert response.status_code == 400


def test_logged_in_form_without_token_changes_nothing(client, demo):
    client.login("officer.shenzhen")
    enterprise = demo.enterprise("Pengcheng")
    response = client.post(
        f"/enterprises/{enterprise.id}/credit", data={"level": "regular", "decided_on": "2026-10-01"}
    )
    assert response.status_code == 400
    assert demo.enterprise("Pengcheng").credit_level == "advanced_certified"


def test_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp
    assert "script-src 'self'" in csp
    assert "default-src 'self'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cache-Control"] == "no-store"  # an HTML page
    for name in ("Content-Security-Policy", "X-Frame-Options", "Cache-Control"):
        assert len(response.headers.getlist(name)) == 1


def test_a_view_that_sets_its_own_cache_header_keeps_it(client):
    response = client.get("/.well-known/jwks.json")
    assert response.status_code == 200
    assert response.headers.getlist("Cache-Control") == ["public, max-age=300"]
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_session_cookie_is_httponly(client, demo):
    response = client.submit("/login", {"identifier": "trainee", "password": "demo-2026"})
    cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie
    assert "SameSite=Lax" in cookie


def _migrated_sqlite(tmp_path) -> str:
    from flask_migrate import upgrade

    url = f"sqlite:///{tmp_path / 'p.sqlite3'}"
    app = create_app({"LMS_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        from lms.extensions import db

        db.engine.dispose()
    return url


def test_production_cookies_are_secure_and_secret_is_required(monkeypatch, tmp_path):
    url = _migrated_sqlite(tmp_path)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"LMS_ENV": "production", "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": ""})
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(
            {"LMS_ENV": "production", "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "dev-only-not-secret"}
        )
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"LMS_ENV": "production", "SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "x" * 40})
    app = create_app(
        {
            "LMS_ENV": "production",
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": "k3J9-qPz7mW2xV8tR4nB6yH1cL5dF0gA",
            "RATELIMIT_STORAGE_URI": "memory://",
        }
    )
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["REMEMBER_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True


def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json()["status"] == "ok"


def test_readyz_reports_a_database_that_is_down_while_healthz_stays_alive(tmp_path):
    app = create_app(
        {
            "LMS_ENV": "testing",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'missing' / 'nowhere.sqlite3'}",
        }
    )
    assert app.test_client().get("/healthz").status_code == 200  # liveness: the process answers
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["status"] == "error"
    assert body["checks"]["database"] == "database unavailable"


def test_unknown_page_is_404_page(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    assert "Not found" in response.get_data(as_text=True)


def test_json_clients_get_json_errors(client):
    response = client.get("/no-such-page", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.get_json() == {"error": 404, "reason": ""}


def test_server_error_page(tmp_path):
    app = create_app({"LMS_ENV": "testing", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'e.sqlite3'}"})

    @app.get("/__boom_for_test")
    @public  # an anonymous visitor meets the error page too
    def boom():
        raise RuntimeError("boom")

    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = app.test_client().get("/__boom_for_test")
    assert response.status_code == 500
    assert "Something went wrong" in response.get_data(as_text=True)


def test_huge_ids_are_404_not_500(client, demo):
    client.login("admin")
    assert client.get("/enterprises/99999999999999999999").status_code == 404
    assert client.get("/users/99999999999999999999").status_code == 404


@pytest.mark.parametrize(
    ("login", "url"),
    [
        ("officer.shenzhen", "/readiness/map?unit=99999999999999999999"),
        ("admin", "/privacy/access-log?person=99999999999999999999"),
        ("officer.shenzhen", "/evidence/certificates?course=99999999999999999999"),
    ],
)
def test_huge_ids_in_filters_are_400_not_500(client, demo, login, url):
    client.login(login)
    response = client.get(url)
    assert response.status_code == 400
    assert "is out of range" in response.get_data(as_text=True)


def test_oversized_body_is_413_with_a_page(app, client, demo, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1000)
    client.login("officer.shenzhen")
    response = client.submit("/enterprises/new", {"name_en": "x" * 5000})
    assert response.status_code == 413
    assert "File too large" in response.get_data(as_text=True)
