"""Pages register themselves where they are defined: route, title, what loads on arrival, and their place in the
main navigation, in one decorator. The app adds every registered page (client_profile.py), and the
header and bottom bar draw their items from the same registry (components/layout.py).

    @page("/payments", "Payments", load=[PaymentsState.load_payments], nav=Nav("Payments", "wallet", 5))
    def payments_page() -> rx.Component: ...

`load` runs after the shell's own loader (the family and provider for the header) unless `shell=False`.
A module of its own below pages/ and components/, importing nothing of the app: the pages register into it and
the layout reads the navigation from it, so neither imports the other.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

APP_NAME = "Client Profile"


@dataclass(frozen=True)
class Nav:
    label: str
    icon: str
    position: int
    # Console pages: the section a role must be allowed to open for the entry to show (services.people.staff).
    section: str = ""


@dataclass(frozen=True)
class Page:
    component: Callable[[], Any]
    route: str
    title: str
    load: tuple[Any, ...]
    shell: bool
    nav: Nav | None
    area: str = "client"  # "client" (the profile) or "staff" (the console at /admin)


PAGES: list[Page] = []


def page(
    route: str,
    title: str,
    *,
    load: Sequence[Any] = (),
    shell: bool = True,
    nav: Nav | None = None,
    area: str = "client",
) -> Callable[[Callable[[], Any]], Callable[[], Any]]:
    if area not in ("client", "staff") or (area == "staff") != (
        route == "/admin" or route.startswith("/admin/")
    ):
        raise ValueError(f"{route!r}: console pages (area='staff') live under /admin, and only they")

    def register(component: Callable[[], Any]) -> Callable[[], Any]:
        if any(p.route == route for p in PAGES):
            raise ValueError(f"two pages for the route {route!r}")
        PAGES.append(Page(component, route, title, tuple(load), shell, nav, area))
        return component

    return register


def full_title(title: str) -> str:
    return f"{title} · {APP_NAME}"


def nav_items(area: str = "client") -> list[tuple[str, str, str]]:
    """(label, route, icon) of the area's pages in its main navigation, in their order."""
    return [(label, route, icon) for label, route, icon, _ in nav_entries(area)]


def nav_entries(area: str) -> list[tuple[str, str, str, str]]:
    """(label, route, icon, section) of the area's pages in its main navigation, in their order."""
    entries = sorted(
        (p.nav.position, p.nav.label, p.route, p.nav.icon, p.nav.section)
        for p in PAGES
        if p.nav is not None and p.area == area
    )
    return [(label, route, icon, section) for _, label, route, icon, section in entries]
