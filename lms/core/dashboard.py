"""Dashboard sections: each area registers what it shows to which roles; the dashboard lists them in order."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass
class Section:
    key: str
    title: object  # a lazy string
    roles: tuple[str, ...]
    template: str
    provider: Callable[[object], dict | None]
    order: int = 50
    extra: dict = field(default_factory=dict)


SECTIONS: dict[str, Section] = {}


def dashboard_section(key: str, title, roles: tuple[str, ...], template: str, order: int = 50):
    """Register ``provider(user) -> dict | None``; returning None hides the section for that user."""

    def decorator(provider):
        SECTIONS[key] = Section(key=key, title=title, roles=tuple(roles), template=template, provider=provider,
                                order=order)
        return provider

    return decorator


def sections_for(user) -> list[tuple[Section, dict]]:
    shown = []
    for section in sorted(SECTIONS.values(), key=lambda s: (s.order, s.key)):
        if user.role not in section.roles:
            continue
        data = section.provider(user)
        if data is not None:
            shown.append((section, data))
    return shown


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
        item for item in sorted(NAV_ITEMS.values(), key=lambda i: (i.order, i.endpoint))
        if item.roles is None or (role is not None and role in item.roles)
    ]
