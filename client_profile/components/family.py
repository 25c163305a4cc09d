"""Family member switcher and avatars."""

from __future__ import annotations

import reflex as rx


def avatar(photo_url, initials, size: str = "4") -> rx.Component:
    return rx.avatar(
        src=photo_url, fallback=initials, size=size, radius="full", color_scheme="teal", variant="solid"
    )


def member_switcher(members, selected_id, on_select) -> rx.Component:
    """A row of family members (photo or initials + name); the selected one is highlighted.

    `on_select` is called with the member id; the server checks it belongs to the family.
    """

    def item(m) -> rx.Component:
        selected = m.id == selected_id
        return rx.el.button(
            rx.vstack(
                avatar(m.photo_url, m.initials),
                rx.text(m.first_name, size="2", weight=rx.cond(selected, "bold", "regular"), trim="both"),
                rx.text(m.age_label, size="1", color_scheme="gray", trim="both"),
                spacing="1",
                align="center",
            ),
            on_click=on_select(m.id),
            type="button",
            aria_pressed=rx.cond(selected, "true", "false"),
            aria_label=m.full_name,
            data_member=m.first_name,
            class_name="cp-member",
            style={
                "border": rx.cond(
                    selected, f"2px solid {rx.color('accent', 9)}", f"1px solid {rx.color('gray', 5)}"
                ),
                "background": rx.cond(selected, rx.color("accent", 2), rx.color("gray", 1)),
                "border_radius": "1rem",
                "padding": "0.6rem 0.9rem",
                "min_width": "5.5rem",
                "cursor": "pointer",
                "flex_shrink": "0",
            },
        )

    return rx.hstack(
        rx.foreach(members, item),
        spacing="3",
        width="100%",
        overflow_x="auto",
        padding_bottom="0.25rem",
        role="group",
        aria_label="Family members",
    )
