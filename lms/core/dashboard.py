"""Dashboard panels and the main navigation: each area registers what it shows to which roles."""

from __future__ import annotations

from dataclasses import dataclass


def dashboard_section(key: str, title, roles: tuple[str, ...], template: str, order: int = 50):
    """Register ``provider(user) -> dict | None`` as a dashboard panel (None hides it for that user)."""
    from lms.core.panels import dashboard

    return dashboard.panel(key, title, roles, template, order)


def sections_for(user):
    from lms.core.panels import dashboard

    return dashboard.for_user(user)


@dataclass
class NavItem:
    endpoint: str
    label: object
    roles: tuple[str, ...] | None  # None: everyone, signed in or not
    order: int = 50


NAV_ITEMS: dict[str, NavItem] = {}


def nav_item(endpoint: str, label, roles: tuple[str, ...] | None, order: int = 50) -> None:
    """Add a link to the main navigation for ``roles`` (None: also anonymous visitors)."""
    NAV_ITEMS[endpoint] = NavItem(endpoint=endpoint, label=label, roles=roles, order=order)


def nav_for(user) -> list[NavItem]:
    role = user.role if getattr(user, "is_authenticated", False) else None
    return [
        item
        for item in sorted(NAV_ITEMS.values(), key=lambda i: (i.order, i.endpoint))
        if item.roles is None or (role is not None and role in item.roles)
    ]
