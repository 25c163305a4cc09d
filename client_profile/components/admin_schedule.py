"""The schedule's form pieces (pages/admin/schedule.py, pages/admin/class_page.py): a labelled field with its
message next to it, and the class form's fields, shared by "New class" and the class's edit form.

Fields wrap: at 390 px each takes the whole width, at 1280 px they sit side by side (`min_width` is where a
field wraps to the next line). Every message for a field is the state's `field_errors["<form>.<field>"]`."""

from __future__ import annotations

from typing import Any

import reflex as rx

from client_profile.state.admin.schedule import MAKEUP_MODES, WEEKDAY_CHOICES


def field(
    state,
    form: str,
    name: str,
    label: str,
    control: rx.Component,
    *,
    hint: str = "",
    min_width: str = "11rem",
    flex: str = "1",
) -> rx.Component:
    """A label, the control (its id is "<form>-<name>") and, when the last submit named this field, why."""
    key = f"{form}.{name}"
    return rx.vstack(
        rx.el.label(label, html_for=f"{form}-{name}", font_size="0.85rem", font_weight="500"),
        control,
        rx.text(hint, size="1", color_scheme="gray") if hint else rx.fragment(),
        rx.cond(
            state.field_errors.contains(key),
            rx.text(
                state.field_errors[key],
                size="1",
                color_scheme="red",
                role="alert",
                id=f"{form}-{name}-error",
                class_name="cp-field-error",
            ),
        ),
        spacing="1",
        flex=flex,
        min_width=f"min(100%, {min_width})",
        width="100%",
    )


def text_input(form: str, name: str, value: Any = "", **props) -> rx.Component:
    if isinstance(value, rx.Var) and not isinstance(value, rx.vars.StringVar):
        value = value.to_string()
    return rx.input(id=f"{form}-{name}", name=name, default_value=value, width="100%", **props)


def select(form: str, name: str, options: list[tuple[str, str]], value: Any = "", **props) -> rx.Component:
    return rx.el.select(
        *[rx.el.option(label, value=v) for v, label in options],
        id=f"{form}-{name}",
        name=name,
        default_value=value,
        class_name="cp-select",
        width="100%",
        **props,
    )


def submit(state, form: str, label: str, **props) -> rx.Component:
    """The form's submit button; after a refusal naming one of its fields, a pointer to that field (which may be
    far above on a phone)."""
    return rx.flex(
        rx.button(label, type="submit", id=f"{form}-submit", **props),
        rx.cond(
            state.error_form == form,
            rx.text("Correct the field marked in red above.", size="2", color_scheme="red"),
        ),
        spacing="3",
        align="center",
        wrap="wrap",
    )


def disclosure(title: str, icon: str, body: rx.Component, id_: str, round_) -> rx.Component:
    """A part that opens on a tap (native <details>): the page stays a list until a form is wanted. ``round_``:
    a state counter bumped after a success, so the form is drawn afresh (empty and closed)."""
    return rx.el.details(
        rx.el.summary(
            rx.hstack(rx.icon(icon, size=16), rx.text(title, weight="medium"), spacing="2", align="center"),
            class_name="cp-disclosure-summary",
        ),
        rx.box(body, padding_top="0.75rem"),
        id=id_,
        class_name="cp-disclosure",
        key=round_.to_string(),
    )


def row(*children: rx.Component) -> rx.Component:
    """Fields side by side as the width allows, one under the other on a phone."""
    return rx.flex(*children, column_gap="0.75rem", row_gap="1rem", wrap="wrap", width="100%", align="start")


def class_fields(state, form: str, instructors, values=None) -> rx.Component:
    """The class form's fields. ``values``: the class being edited (a ClassRow var), None for a new class."""

    def v(name: str, default: Any = "") -> Any:
        return getattr(values, name) if values is not None else default

    instructor_value = (
        rx.cond(values.instructor_id == 0, "", values.instructor_id.to_string()) if values is not None else ""
    )
    return rx.vstack(
        row(
            field(
                state,
                form,
                "name",
                "Class name",
                text_input(form, "name", v("name"), required=True),
                flex="2",
            ),
            field(
                state,
                form,
                "instructor_id",
                "Instructor",
                rx.el.select(
                    rx.el.option("No instructor", value=""),
                    rx.foreach(
                        instructors,
                        lambda i: rx.el.option(i.name + " (" + i.role + ")", value=i.id.to_string()),
                    ),
                    id=f"{form}-instructor_id",
                    name="instructor_id",
                    default_value=instructor_value,
                    class_name="cp-select",
                    width="100%",
                ),
            ),
        ),
        row(
            field(
                state,
                form,
                "weekday",
                "Weekday",
                select(form, "weekday", WEEKDAY_CHOICES, v("weekday", "")),
                hint="Weekly through the term, or no weekday and the dates below.",
                min_width="12rem",
            ),
            field(
                state,
                form,
                "start_time",
                "Start time",
                text_input(form, "start_time", v("start_time"), type="time", required=True),
                min_width="8rem",
            ),
            field(
                state,
                form,
                "duration_minutes",
                "Minutes",
                text_input(
                    form, "duration_minutes", v("duration_minutes", "45"), type="number", min=5, max=1440
                ),
                min_width="6rem",
            ),
        ),
        row(
            field(
                state,
                form,
                "starts_on",
                "Term starts",
                text_input(form, "starts_on", v("starts_on"), type="date"),
                min_width="9rem",
            ),
            field(
                state,
                form,
                "ends_on",
                "Term ends",
                text_input(form, "ends_on", v("ends_on"), type="date"),
                min_width="9rem",
            ),
        ),
        field(
            state,
            form,
            "dates",
            "Or explicit dates",
            rx.text_area(
                id=f"{form}-dates",
                name="dates",
                default_value=v("dates"),
                placeholder="2026-07-06 2026-07-07 2026-07-08",
                rows="2",
                width="100%",
            ),
            hint="Days as YYYY-MM-DD, separated by spaces or commas; only for a class without a weekday.",
        ),
        row(
            field(state, form, "venue", "Venue", text_input(form, "venue", v("venue")), flex="2"),
            field(
                state,
                form,
                "is_online",
                "Online",
                select(
                    form,
                    "is_online",
                    [("no", "No"), ("yes", "Yes, livestream")],
                    rx.cond(values.is_online, "yes", "no") if values is not None else "no",
                ),
                min_width="9rem",
            ),
            field(
                state,
                form,
                "online_link",
                "Online link",
                text_input(form, "online_link", v("online_link"), type="url", placeholder="https://"),
                flex="2",
            ),
        ),
        row(
            field(
                state,
                form,
                "capacity",
                "Capacity",
                text_input(form, "capacity", v("capacity", "10"), type="number", min=1, required=True),
                min_width="7rem",
            ),
            field(
                state,
                form,
                "extra_makeup_capacity",
                "Extra make-up places",
                text_input(
                    form, "extra_makeup_capacity", v("extra_makeup_capacity", "0"), type="number", min=0
                ),
                min_width="9rem",
            ),
            field(
                state,
                form,
                "extra_makeup_mode",
                "Make-up places are",
                select(form, "extra_makeup_mode", MAKEUP_MODES, v("extra_makeup_mode", "")),
            ),
            field(
                state,
                form,
                "makeup_group",
                "Level / make-up group",
                text_input(form, "makeup_group", v("makeup_group"), placeholder="e.g. Beginners 5-7"),
                hint="Make-ups stay within the same group of the programme.",
            ),
        ),
        spacing="4",
        width="100%",
    )
