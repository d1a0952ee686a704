"""Every route asks for a logged-in user unless it is marked public.

A view opts out with ``@public`` (a page anyone may open: the login form, the public verification pages, the
catalog); a blueprint whose every route is public, or which authenticates its own way (bearer tokens,
calendar-feed tokens), with ``public_blueprint(bp)``. Everything else sends an anonymous visitor to the login
page before the view runs, so a route that forgets a decorator is closed, not open.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Flask, current_app, request
from flask_login import current_user

_PUBLIC = "_lms_public"
# Static files served by Flask and by Bootstrap-Flask.
_ALWAYS_PUBLIC = {"static", "bootstrap.static"}


def public(view: Callable) -> Callable:
    """Mark a view as open to anonymous visitors (it checks whatever it needs itself)."""
    setattr(view, _PUBLIC, True)
    return view


def public_blueprint(bp: Blueprint) -> Blueprint:
    """Mark every route of ``bp`` as open to anonymous visitors."""
    setattr(bp, _PUBLIC, True)
    return bp


def is_public(app: Flask, endpoint: str) -> bool:
    if endpoint in _ALWAYS_PUBLIC:
        return True
    view = app.view_functions.get(endpoint)
    if view is not None and getattr(view, _PUBLIC, False):
        return True
    blueprint = app.blueprints.get(endpoint.rpartition(".")[0]) if "." in endpoint else None
    return bool(blueprint is not None and getattr(blueprint, _PUBLIC, False))


def public_endpoints(app: Flask) -> list[str]:
    """The endpoints an anonymous visitor may reach, sorted (the test that lists them reads this)."""
    return sorted(rule.endpoint for rule in app.url_map.iter_rules() if is_public(app, rule.endpoint))


def _login_first():
    endpoint = request.endpoint
    if endpoint is None or current_user.is_authenticated:
        return None  # unknown URLs answer 404 as before
    if is_public(current_app, endpoint):
        return None
    return current_app.login_manager.unauthorized()


def init_app(app: Flask) -> None:
    app.before_request(_login_first)
