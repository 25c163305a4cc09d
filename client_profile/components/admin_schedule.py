"""The class form's fields (pages/admin/schedule.py, pages/admin/class_page.py), shared by "New class" and the
class's edit form; built of the console's form pieces (components/admin_forms.py)."""

from __future__ import annotations

from typing import Any

import reflex as rx

from client_profile.components.admin_forms import field, row, select, text_input
from client_profile.state.admin.schedule import MAKEUP_MODES, WEEKDAY_CHOICES


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
                select(
                    form,
                    "instructor_id",
                    [
                        rx.el.option("No instructor", value=""),
                        rx.foreach(
                            instructors,
                            lambda i: rx.el.option(i.name + " (" + i.role + ")", value=i.id.to_string()),
                        ),
                    ],
                    instructor_value,
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
                "price",
                "Price of a booking",
                text_input(
                    form, "price", v("price_text"), input_mode="decimal", placeholder="the programme's"
                ),
                hint="Empty: the programme's price.",
                min_width="9rem",
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
