"""The console's form pieces, for every console page: a labelled field with its message under it, inputs, the
submit button, a part that opens on a tap, fields side by side, and a form's own feedback.

How a console form reports (AdminPage in state/admin/base.py, docs/architecture.md "The provider side"): the
state's `form_key` names the form the last action came from, and that form shows the action's confirmation or
refusal (`form_feedback`); a refusal naming fields shows each message under its field (`field_errors`, by plain
field name) and the submit button points at it. The page top is the form "" (`form_feedback(state, "")`).

A control's id is "<key>-<name>" (its label points at it; its message is "<key>-<name>-error"). Fields wrap: at
390 px each takes the whole width, at 1280 px they sit side by side (`min_width` is where a field wraps)."""

from __future__ import annotations

from typing import Any

import reflex as rx

from client_profile.components.layout import feedback


def _shows(state, key) -> rx.Var:
    return state.form_key == key


def field(
    state,
    key,
    name: str,
    label: str,
    control: rx.Component,
    *,
    hint: str = "",
    min_width: str = "11rem",
    flex: str = "1",
) -> rx.Component:
    """A label, the control (its id "<key>-<name>") and, when the form `key` was refused for this field, why."""
    return rx.vstack(
        rx.el.label(label, html_for=f"{key}-{name}", font_size="0.85rem", font_weight="500"),
        control,
        rx.text(hint, size="1", color_scheme="gray") if hint else rx.fragment(),
        field_message(state, key, name),
        spacing="1",
        flex=flex,
        min_width=f"min(100%, {min_width})",
        width="100%",
    )


def field_message(state, key, name: str) -> rx.Component:
    """The refusal's message for one field of the form `key` (`field` shows it; a checkbox puts it by itself)."""
    message = state.field_errors.get(name, "")
    return rx.cond(
        _shows(state, key) & (message != ""),
        rx.text(
            message,
            size="1",
            color_scheme="red",
            role="alert",
            id=f"{key}-{name}-error",
            class_name="cp-field-error",
        ),
    )


def text_input(key, name: str, value: Any = None, **props) -> rx.Component:
    """A text-like input of the form `key` (``type`` in props: "date", "email", ...); ``value``: what it starts
    with (None: empty)."""
    if isinstance(value, rx.Var) and not isinstance(value, rx.vars.StringVar):
        value = value.to_string()
    if value is not None:
        props["default_value"] = value
    return rx.input(id=f"{key}-{name}", name=name, width="100%", **props)


def select(key, name: str, options, value: Any = None, **props) -> rx.Component:
    """A native select of the form `key`; ``options``: (value, label) pairs, or option components (e.g. an
    rx.foreach)."""
    children = [
        rx.el.option(option[1], value=option[0]) if isinstance(option, tuple) else option
        for option in options
    ]
    if value is not None:
        props["default_value"] = value
    return rx.el.select(
        *children, id=f"{key}-{name}", name=name, class_name="cp-select", width="100%", **props
    )


def check(key, name: str, label: str, checked: Any = False) -> rx.Component:
    """A checkbox of the form `key` with its label (ticked: the form sends "on")."""
    return rx.el.label(
        rx.el.input(type="checkbox", name=name, id=f"{key}-{name}", default_checked=checked),
        rx.text(label, size="2"),
        display="flex",
        align_items="center",
        gap="0.5rem",
        class_name="cp-check",
    )


def hidden(name: str, value: Any) -> rx.Component:
    return rx.el.input(type="hidden", name=name, value=value)


def submit(state, key, label: str, **props) -> rx.Component:
    """The form's submit button; after a refusal naming one of its fields, a pointer to that field (which may be
    far above on a phone)."""
    return rx.flex(
        rx.button(label, type="submit", id=f"{key}-submit", **props),
        rx.cond(
            _shows(state, key) & (state.field_errors.length() > 0),
            rx.text("Correct the field marked in red above.", size="2", color_scheme="red"),
        ),
        spacing="3",
        align="center",
        wrap="wrap",
    )


def form_feedback(state, key) -> rx.Component:
    """The last action's confirmation or refusal when it came from the form `key` ("": the page top)."""
    return rx.cond(_shows(state, key), feedback(state))


def disclosure(
    title, *content: rx.Component, icon: str = "", small: bool = False, class_name: str = "", **props
) -> rx.Component:
    """A part that opens on a tap (native <details>): the page stays a list until a form is wanted. Key it (``key``
    in props) on the state's `form_round`, or on the record's version, and it is drawn afresh (closed, with what
    is stored) after a success."""
    heading = rx.text(title, size="2" if small else "3", weight="medium")
    props.setdefault("width", "100%")
    return rx.el.details(
        rx.el.summary(
            rx.hstack(rx.icon(icon, size=16), heading, spacing="2", align="center") if icon else heading,
            class_name="cp-disclosure-summary",
        ),
        rx.box(*content, padding_top="0.5rem" if small else "0.75rem", width="100%"),
        class_name=f"cp-disclosure {class_name}".strip(),
        **props,
    )


def row(*children: rx.Component) -> rx.Component:
    """Fields side by side as the width allows, one under the other on a phone."""
    return rx.flex(*children, column_gap="0.75rem", row_gap="1rem", wrap="wrap", width="100%", align="start")


def form(on_submit, *children: rx.Component, key: Any = None, **props) -> rx.Component:
    """A console form: its fields one under the other, kept as typed after a refusal. ``key``: the state's
    `form_round` (and the record's version, for an edit): the form is drawn afresh after a success."""
    if key is not None:
        props["key"] = key
    return rx.form(
        rx.vstack(*children, spacing="3", width="100%"),
        on_submit=on_submit,
        reset_on_submit=False,
        width="100%",
        **props,
    )
