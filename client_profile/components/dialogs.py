"""A confirmation step in front of an action that cannot be undone."""

from __future__ import annotations

import reflex as rx


def confirm_dialog(
    trigger: rx.Component,
    title: str,
    description: str,
    cancel: rx.Component,
    confirm: rx.Component,
    max_width: str = "26rem",
) -> rx.Component:
    """Nothing happens on the first tap: `trigger` opens a dialog that says what the action does; `cancel` (a
    button) closes it, `confirm` does it (an `rx.alert_dialog.action` around a button, or a form)."""
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(trigger),
        rx.alert_dialog.content(
            rx.alert_dialog.title(title),
            rx.alert_dialog.description(description, size="2"),
            rx.hstack(
                rx.alert_dialog.cancel(cancel),
                confirm,
                spacing="3",
                justify="end",
                wrap="wrap",
                padding_top="1rem",
            ),
            max_width=max_width,
        ),
    )
