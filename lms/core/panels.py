"""Pages that other areas add panels to: the dashboard, the course page, the enterprise page, ...

An area registers ``provider(user, **context) -> dict | None`` with a template; the page lists the
panels whose roles include the viewer and whose provider returned data (None hides the panel).
Render them with ``{% from "_macros.html" import panels %}{{ panels(registry_items) }}``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Panel:
    key: str
    title: object  # a lazy string
    roles: tuple[str, ...]
    template: str
    provider: Callable[..., dict | None]
    order: int = 50


class PanelRegistry:
    def __init__(self, name: str):
        self.name = name
        self.panels: dict[str, Panel] = {}

    def panel(self, key: str, title, roles: tuple[str, ...], template: str, order: int = 50):
        def decorator(provider):
            self.panels[key] = Panel(
                key=key, title=title, roles=tuple(roles), template=template, provider=provider, order=order
            )
            return provider

        return decorator

    def for_user(self, user, **context) -> list[tuple[Panel, dict]]:
        role = user.role if getattr(user, "is_authenticated", False) else "anonymous"
        shown = []
        for panel in sorted(self.panels.values(), key=lambda p: (p.order, p.key)):
            if role not in panel.roles:
                continue
            data = panel.provider(user, **context)
            if data is not None:
                shown.append((panel, data))
        return shown


ALL_ROLES = ("trainee", "expert", "officer", "admin")

dashboard = PanelRegistry("dashboard")  # provider(user)
# provider(user, course=..., version=..., enrollment=...): the reader's enrolment (None: none, or no trainee)
course_page = PanelRegistry("course_page")
enterprise_page = PanelRegistry("enterprise_page")  # provider(user, enterprise=...)
user_page = PanelRegistry("user_page")  # provider(user, subject=...)  (account detail page)
session_page = PanelRegistry("session_page")  # provider(user, session=...)  (training session page)
case_page = PanelRegistry("case_page")  # provider(user, case=...)  (cultivation case page)
