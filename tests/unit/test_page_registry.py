"""Pages register themselves (page_registry.py): one decorator gives route, title, loaders and nav entry."""

from __future__ import annotations

import pytest

from client_profile import page_registry as registry


def test_a_second_page_for_a_route_is_refused(monkeypatch):
    monkeypatch.setattr(registry, "PAGES", [])
    registry.page("/x", "X")(lambda: None)
    with pytest.raises(ValueError, match="/x"):
        registry.page("/x", "Another X")(lambda: None)
    assert [p.title for p in registry.PAGES] == ["X"]


def test_nav_items_come_in_their_positions_whatever_the_order_of_registration(monkeypatch):
    monkeypatch.setattr(registry, "PAGES", [])
    registry.page("/b", "B", nav=registry.Nav("Bee", "b-icon", 2))(lambda: None)
    registry.page("/hidden", "Hidden")(lambda: None)
    registry.page("/", "A", nav=registry.Nav("Ay", "a-icon", 1))(lambda: None)
    assert registry.nav_items() == [("Ay", "/", "a-icon"), ("Bee", "/b", "b-icon")]
    assert registry.full_title("B") == "B · Client Profile"


def test_the_app_registers_every_client_page_with_the_shell_loader_first():
    from client_profile.client_profile import app
    from client_profile.state.shell import ShellState

    pages = app._unevaluated_pages
    for route in (
        "index",
        "bookings",
        "bookings/[booking_id]",
        "benefits",
        "orders",
        "orders/[order_id]",
        "payments",
        "makeups",
        "account",
    ):
        assert pages[route].on_load[0].fn is ShellState.load_shell.fn, route
    assert pages["payments"].title == "Payments · Client Profile"
    assert [label for label, _, _ in registry.nav_items()] == [
        "Home",
        "Bookings",
        "Benefits",
        "Orders",
        "Payments",
    ]
