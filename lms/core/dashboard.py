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
    group: str | None = None  # one of NAV_GROUPS; None: a link of its own in the bar


@dataclass
class NavGroup:
    key: str
    label: object
    items: list[NavItem]

    @property
    def single(self) -> NavItem | None:
        """A group holding one link for this user shows as that link, not as a menu."""
        return self.items[0] if len(self.items) == 1 else None


def _group_labels() -> dict[str, object]:
    from flask_babel import lazy_gettext as _l

    return {
        "courses": _l("Courses"),
        "sessions": _l("Sessions"),
        "cultivation": _l("Cultivation"),
        "records": _l("Records"),
        "admin": _l("Administration"),
    }


# The menus of the main navigation, in this order; "account" items go into the user's own menu.
NAV_GROUPS = ("courses", "sessions", "cultivation", "records", "admin", "account")

NAV_ITEMS: dict[str, NavItem] = {}


def nav_item(
    endpoint: str, label, roles: tuple[str, ...] | None, order: int = 50, group: str | None = None
) -> None:
    """Add a link to the main navigation for ``roles`` (None: also anonymous visitors), in menu ``group``."""
    if group is not None and group not in NAV_GROUPS:
        raise ValueError(f"unknown navigation group {group!r}")
    NAV_ITEMS[endpoint] = NavItem(endpoint=endpoint, label=label, roles=roles, order=order, group=group)


def nav_for(user) -> list[NavItem]:
    role = user.role if getattr(user, "is_authenticated", False) else None
    return [
        item
        for item in sorted(NAV_ITEMS.values(), key=lambda i: (i.order, i.endpoint))
        if item.roles is None or (role is not None and role in item.roles)
    ]


def nav_menus_for(user, known_endpoints) -> tuple[list[NavItem | NavGroup], list[NavItem]]:
    """The main bar (links and menus, in group order) and the user's own menu, for ``user``.

    Only endpoints in ``known_endpoints`` appear (an area may be switched off).
    """
    items = [i for i in nav_for(user) if i.endpoint in known_endpoints]
    labels = _group_labels()
    bar: list[NavItem | NavGroup] = [i for i in items if i.group is None]
    for key in NAV_GROUPS[:-1]:
        members = [i for i in items if i.group == key]
        if members:
            bar.append(NavGroup(key=key, label=labels[key], items=members))
    account = [i for i in items if i.group == "account"]
    return bar, account
