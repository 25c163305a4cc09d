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


@dataclass(frozen=True)
class Page:
    component: Callable[[], Any]
    route: str
    title: str
    load: tuple[Any, ...]
    shell: bool
    nav: Nav | None


PAGES: list[Page] = []


def page(
    route: str, title: str, *, load: Sequence[Any] = (), shell: bool = True, nav: Nav | None = None
) -> Callable[[Callable[[], Any]], Callable[[], Any]]:
    def register(component: Callable[[], Any]) -> Callable[[], Any]:
        if any(p.route == route for p in PAGES):
            raise ValueError(f"two pages for the route {route!r}")
        PAGES.append(Page(component, route, title, tuple(load), shell, nav))
        return component

    return register


def full_title(title: str) -> str:
    return f"{title} · {APP_NAME}"


def nav_items() -> list[tuple[str, str, str]]:
    """(label, route, icon) of the pages in the main navigation, in their order."""
    entries = sorted((p.nav.position, p.nav.label, p.route, p.nav.icon) for p in PAGES if p.nav is not None)
    return [(label, route, icon) for _, label, route, icon in entries]
