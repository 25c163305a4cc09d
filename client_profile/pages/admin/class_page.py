"""/admin/classes/[class_id] (owner and office): a class's details (edited with the version the form was opened
with), its sessions with Move, Cancel and Restore, a one-off session, and "Update sessions"."""

from __future__ import annotations

import reflex as rx

from client_profile.components.admin_forms import disclosure, field, form_feedback, row, submit, text_input
from client_profile.components.admin_layout import admin_shell
from client_profile.components.admin_schedule import class_fields
from client_profile.components.layout import card, empty_note, loading_or, section
from client_profile.page_registry import page
from client_profile.state.admin.schedule import AdminClassState as S


def _heading() -> rx.Component:
    d = S.detail
    return rx.vstack(
        rx.link(
            rx.hstack(rx.icon("arrow-left", size=16), rx.text("Schedule"), spacing="1", align="center"),
            href="/admin/schedule",
            size="2",
        ),
        rx.heading(d.name, size="6", as_="h1", id="class-name"),
        rx.text(d.programme + " · " + d.price, size="2", color_scheme="gray"),
        rx.flex(
            rx.badge(d.schedule, variant="soft"),
            rx.badge(d.term, variant="soft", color_scheme="gray"),
            rx.badge(
                d.booked.to_string() + " / " + d.capacity.to_string() + " enrolled",
                variant="soft",
                color_scheme="gray",
            ),
            rx.cond(d.instructor != "", rx.badge(d.instructor, variant="soft", color_scheme="gray")),
            spacing="2",
            wrap="wrap",
        ),
        spacing="2",
        width="100%",
    )


def _edit_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            class_fields(S, "edit", S.instructors, S.detail),
            rx.text(
                "Past sessions and their attendance never change; future sessions follow a new schedule.",
                size="1",
                color_scheme="gray",
            ),
            submit(S, "edit", "Save class"),
            spacing="3",
            width="100%",
        ),
        # The version the form was opened with: an edit made meanwhile by someone else is refused, not overwritten.
        on_submit=lambda form_data: S.save_class(form_data, S.detail.version),
        reset_on_submit=False,
        width="100%",
    )


def _update_sessions() -> rx.Component:
    return rx.flex(
        rx.text(
            "Apply the class's schedule to its future sessions again, e.g. after holidays changed. "
            "One-off and moved sessions stay as they are.",
            size="2",
            color_scheme="gray",
            flex="1 1 18rem",
        ),
        rx.button(
            rx.icon("refresh-cw", size=16),
            "Update sessions",
            variant="soft",
            on_click=S.update_sessions(S.detail.version),
            id="update-sessions",
        ),
        spacing="3",
        wrap="wrap",
        align="center",
        justify="between",
        width="100%",
    )


def _add_form() -> rx.Component:
    form = "add"
    return rx.form(
        rx.vstack(
            row(
                field(S, form, "day", "Day", text_input(form, "day", type="date", required=True)),
                field(
                    S,
                    form,
                    "start_time",
                    "Start time",
                    text_input(form, "start_time", S.detail.start_time, type="time", required=True),
                    min_width="8rem",
                ),
                field(
                    S,
                    form,
                    "duration_minutes",
                    "Minutes",
                    text_input(form, "duration_minutes", S.detail.duration_minutes, type="number", min=5),
                    min_width="6rem",
                ),
                field(
                    S,
                    form,
                    "venue",
                    "Venue",
                    text_input(form, "venue", placeholder="The class's venue"),
                    flex="2",
                ),
            ),
            submit(S, form, "Add session"),
            spacing="3",
            width="100%",
        ),
        on_submit=S.add_session,
        reset_on_submit=False,
        width="100%",
    )


def _counts(s) -> rx.Component:
    return rx.text(
        s.places.to_string()
        + rx.cond(s.places == 1, " place", " places")
        + rx.cond(s.makeups > 0, " · " + s.makeups.to_string() + " make-up", "")
        + rx.cond(s.excused > 0, " · " + s.excused.to_string() + " excused", "")
        + rx.cond(
            s.is_past,
            " · " + s.attended.to_string() + " attended · " + s.missed.to_string() + " missed",
            "",
        ),
        size="2",
    )


def _which(s) -> rx.Component:
    """A session form's hidden fields: which session, and the version it was drawn with. (A form's submit
    handler is drawn once for the whole list, so it cannot name the row itself.)"""
    return rx.fragment(
        rx.el.input(type="hidden", name="session_id", value=s.id.to_string()),
        rx.el.input(type="hidden", name="version", value=s.version.to_string()),
    )


def _move_form(s) -> rx.Component:
    key = f"session-{s.id}"  # the session's card shows its messages (AdminClassState._row)
    return rx.form(
        _which(s),
        rx.vstack(
            row(
                field(
                    S,
                    key,
                    "day",
                    "Day",
                    text_input(key, "day", s.day, type="date", required=True),
                    min_width="10rem",
                ),
                field(
                    S,
                    key,
                    "start_time",
                    "Start time",
                    text_input(key, "start_time", s.start_time, type="time", required=True),
                    min_width="8rem",
                ),
                field(
                    S,
                    key,
                    "venue",
                    "Venue",
                    text_input(key, "venue", s.venue, placeholder="The class's venue"),
                    min_width="10rem",
                    flex="2",
                ),
            ),
            rx.text("The families with a place get an e-mail.", size="1", color_scheme="gray"),
            rx.button("Move session", type="submit", size="2", class_name="cp-move-submit"),
            spacing="2",
            width="100%",
        ),
        on_submit=S.move_session,
        reset_on_submit=False,
        width="100%",
    )


def _cancel_form(s) -> rx.Component:
    key = f"session-{s.id}"
    return rx.form(
        _which(s),
        rx.vstack(
            field(
                S,
                key,
                "note",
                "Note for the families (optional)",
                text_input(key, "note", placeholder="e.g. The pool is closed."),
            ),
            rx.button(
                "Cancel session",
                type="submit",
                color_scheme="red",
                variant="soft",
                class_name="cp-cancel-submit",
            ),
            spacing="2",
            width="100%",
        ),
        on_submit=S.cancel_session,
        reset_on_submit=False,
        width="100%",
    )


def _session(s) -> rx.Component:
    return card(
        rx.vstack(
            rx.flex(
                rx.vstack(
                    rx.text(s.label, weight="bold"),
                    rx.text(
                        rx.cond(
                            s.effective_venue != "",
                            s.effective_venue,
                            rx.cond(s.online_link != "", "Online", ""),
                        ),
                        size="2",
                        color_scheme="gray",
                    ),
                    spacing="0",
                    min_width="0",
                ),
                rx.hstack(
                    rx.badge(
                        s.status,
                        variant="soft",
                        color_scheme=rx.match(s.status, ("cancelled", "red"), ("completed", "gray"), "green"),
                    ),
                    rx.cond(s.pinned, rx.badge("one-off or moved", variant="outline", color_scheme="gray")),
                    spacing="2",
                    wrap="wrap",
                ),
                spacing="2",
                wrap="wrap",
                justify="between",
                width="100%",
            ),
            _counts(s),
            rx.cond(s.note != "", rx.text(s.note, size="2", color_scheme="gray", font_style="italic")),
            form_feedback(S, f"session-{s.id}"),
            rx.cond(
                ~s.is_past,
                rx.match(
                    s.status,
                    (
                        "scheduled",
                        rx.flex(
                            disclosure(
                                "Move",
                                _move_form(s),
                                small=True,
                                class_name="cp-session-action",
                                width="auto",
                            ),
                            disclosure(
                                "Cancel",
                                _cancel_form(s),
                                small=True,
                                class_name="cp-session-action",
                                width="auto",
                            ),
                            column_gap="0.5rem",
                            row_gap="0.5rem",
                            wrap="wrap",
                            width="100%",
                        ),
                    ),
                    (
                        "cancelled",
                        rx.button(
                            "Restore session",
                            variant="soft",
                            size="2",
                            on_click=S.restore_session(s.id, s.version),
                            class_name="cp-restore",
                        ),
                    ),
                    rx.fragment(),
                ),
            ),
            spacing="2",
            width="100%",
        ),
        class_name="cp-session",
        custom_attrs={"data-day": s.day, "data-status": s.status},
        # A changed session is drawn afresh: its open forms close and show its new values.
        key=s.id.to_string() + "-" + s.version.to_string(),
    )


@page("/admin/classes/[class_id]", "Class", area="staff", load=[S.load_admin_class])
def admin_class_page() -> rx.Component:
    return admin_shell(
        "Schedule",
        loading_or(
            S.loaded,
            rx.cond(
                ~S.refused,
                rx.vstack(
                    _heading(),
                    form_feedback(S, ""),
                    card(
                        form_feedback(S, "edit"),
                        disclosure(
                            "Edit class",
                            _edit_form(),
                            icon="pencil",
                            id="edit-class",
                            key=S.detail.version.to_string(),
                        ),
                    ),
                    card(_update_sessions()),
                    section(
                        "Sessions",
                        card(
                            form_feedback(S, "add"),
                            disclosure(
                                "Add a one-off session",
                                _add_form(),
                                icon="plus",
                                id="add-session",
                                key=S.form_round.to_string(),
                            ),
                        ),
                        rx.cond(
                            S.sessions.length() > 0,
                            rx.vstack(
                                rx.foreach(S.sessions, _session), spacing="2", width="100%", id="sessions"
                            ),
                            empty_note("No sessions from 30 days ago on."),
                        ),
                    ),
                    spacing="4",
                    width="100%",
                ),
                form_feedback(S, ""),  # a refused load: only its reason
            ),
        ),
    )
