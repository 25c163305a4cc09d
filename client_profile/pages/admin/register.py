"""/admin/sessions/<id>: one session's register, made for a phone at the pool. The session (class, day and time,
venue, whether it can be marked and until when), "All present", then each attendee with their photo, their state
and one tap for attended / missed (and back to not marked); make-up guests in their own section with their own
class; places the family excused are shown and cannot be changed here."""

from __future__ import annotations

import reflex as rx

from client_profile.components.admin_layout import admin_shell
from client_profile.components.layout import card, empty_note, feedback, loading_or, section
from client_profile.page_registry import page
from client_profile.state.admin.register import AdminRegisterState as S

# (state, label shown, colour)
_STATES = (
    ("scheduled", "not marked", "gray"),
    ("makeup", "not marked", "gray"),
    ("attended", "attended", "green"),
    ("missed", "missed", "red"),
    ("cancelled", "excused", "amber"),
    ("late_cancelled", "excused late", "orange"),
)


def _state_label(state) -> rx.Var:
    return rx.match(state, *[(value, label) for value, label, _ in _STATES], state)


def _state_color(state) -> rx.Var:
    return rx.match(state, *[(value, color) for value, _, color in _STATES], "gray")


def _mark_button(line, state: str, label: str, icon: str, color: str) -> rx.Component:
    chosen = line.state == state
    return rx.button(
        rx.icon(icon, size=20),
        label,
        on_click=S.mark_attendee(S.session_id_value, line.attendee_id, state),
        color_scheme=color,
        variant=rx.cond(chosen, "solid", "outline"),
        size="3",
        width="100%",
        min_height="48px",
        aria_pressed=rx.cond(chosen, "true", "false"),
        aria_label=f"{label}: {line.name}",
        class_name=f"cp-mark-{state}",
    )


def _line(line) -> rx.Component:
    return rx.box(
        rx.flex(
            rx.hstack(
                rx.avatar(
                    src=rx.cond(line.has_photo, f"/admin/media/attendees/{line.attendee_id}/photo", ""),
                    fallback=line.initials,
                    size="5",
                    radius="full",
                    alt="",
                    flex_shrink="0",
                ),
                rx.vstack(
                    rx.text(line.name, weight="bold", size="4", class_name="cp-line-name"),
                    rx.cond(
                        line.is_guest,
                        rx.text("Make-up guest from ", line.home_class, size="2", color=rx.color("blue", 11)),
                    ),
                    rx.cond(line.excused, rx.text("Excused by the family", size="2", color_scheme="gray")),
                    spacing="0",
                    min_width="0",
                    flex="1",
                ),
                rx.badge(
                    _state_label(line.state),
                    color_scheme=_state_color(line.state),
                    variant=rx.cond((line.state == "attended") | (line.state == "missed"), "solid", "soft"),
                    size="3",
                    class_name="cp-line-state",
                    flex_shrink="0",
                ),
                spacing="3",
                align="center",
                width="100%",
                flex="1",
                min_width="0",
            ),
            rx.cond(
                line.can_mark,
                rx.grid(
                    _mark_button(line, "attended", "Attended", "check", "green"),
                    _mark_button(line, "missed", "Missed", "x", "red"),
                    rx.icon_button(
                        rx.icon("rotate-ccw", size=18),
                        on_click=S.mark_attendee(S.session_id_value, line.attendee_id, "scheduled"),
                        disabled=(line.state != "attended") & (line.state != "missed"),
                        variant="soft",
                        color_scheme="gray",
                        size="3",
                        min_height="48px",
                        min_width="48px",
                        aria_label=f"Back to not marked: {line.name}",
                        title="Back to not marked",
                        class_name="cp-mark-scheduled",
                    ),
                    grid_template_columns="1fr 1fr auto",
                    spacing="2",
                    width=rx.breakpoints(initial="100%", md="24rem"),
                    flex_shrink="0",
                ),
            ),
            # On a phone the buttons sit under the name, full width; on a desktop beside it.
            direction=rx.breakpoints(initial="column", md="row"),
            align=rx.breakpoints(initial="stretch", md="center"),
            spacing="3",
            width="100%",
        ),
        padding="0.75rem",
        border_radius="var(--radius-3)",
        border=f"1px solid {rx.color('gray', 5)}",
        border_left=rx.match(
            line.state,
            ("attended", f"6px solid {rx.color('green', 9)}"),
            ("missed", f"6px solid {rx.color('red', 9)}"),
            f"6px solid {rx.color('gray', 5)}",
        ),
        background=rx.color("gray", 1),
        width="100%",
        class_name="cp-register-line",
        data_state=line.state,
        data_attendee=line.attendee_id,
        data_name=line.name,
    )


def _header() -> rx.Component:
    return card(
        rx.vstack(
            rx.flex(
                rx.vstack(
                    rx.heading(S.class_name, size="6", as_="h1", id="register-class"),
                    rx.text(S.programme, size="2", color_scheme="gray"),
                    spacing="1",
                    min_width="0",
                ),
                rx.badge(
                    S.status,
                    color_scheme=rx.match(S.status, ("cancelled", "red"), ("completed", "green"), "gray"),
                    variant="soft",
                    size="2",
                    id="register-status",
                ),
                justify="between",
                align="start",
                spacing="2",
                width="100%",
            ),
            rx.hstack(
                rx.icon("calendar", size=18, color=rx.color("accent", 10)),
                rx.text(S.day_label, " · ", S.starts, "–", S.ends, weight="medium", id="register-when"),
                spacing="2",
                align="center",
            ),
            rx.cond(
                S.venue != "",
                rx.hstack(
                    rx.icon("map-pin", size=18, color=rx.color("gray", 10)),
                    rx.text(S.venue),
                    spacing="2",
                    align="center",
                ),
            ),
            rx.hstack(
                rx.icon("users", size=18, color=rx.color("gray", 10)),
                rx.text(S.marked, " of ", S.expected, " marked", id="register-counts"),
                spacing="2",
                align="center",
            ),
            rx.cond(
                S.editable,
                rx.text("Can be changed until ", S.open_until, size="1", color_scheme="gray"),
            ),
            spacing="2",
            width="100%",
        )
    )


def _register() -> rx.Component:
    return rx.vstack(
        _header(),
        rx.cond(
            S.notice != "",
            rx.callout(S.notice, icon="info", color_scheme="amber", width="100%", id="register-notice"),
        ),
        feedback(S),
        rx.cond(
            S.editable & (S.unmarked > 0),
            rx.button(
                rx.icon("check-check", size=20),
                "All present",
                rx.badge(S.unmarked, variant="surface", radius="full"),
                on_click=S.mark_everyone_present(S.session_id_value),
                size="4",
                width="100%",
                min_height="52px",
                id="all-present",
            ),
        ),
        section(
            "Attendees",
            rx.cond(
                S.regulars.length() > 0,
                rx.vstack(rx.foreach(S.regulars, _line), spacing="2", width="100%"),
                empty_note("None of the class's own attendees is booked in this session."),
            ),
            id="register-regulars",
        ),
        rx.cond(
            S.guests.length() > 0,
            section(
                "Make-up guests",
                rx.vstack(rx.foreach(S.guests, _line), spacing="2", width="100%"),
                id="register-guests",
            ),
        ),
        spacing="4",
        width="100%",
    )


@page("/admin/sessions/[session_id]", "Register", area="staff", load=[S.load_admin_register])
def admin_register_page() -> rx.Component:
    return admin_shell(
        "Today",
        rx.link(
            rx.hstack(rx.icon("chevron-left", size=18), rx.text("Today"), spacing="1", align="center"),
            href="/admin",
            underline="none",
            id="register-back",
        ),
        loading_or(
            S.loaded,
            rx.cond(
                S.not_found,
                card(
                    rx.vstack(
                        rx.heading("Session not found", size="5", as_="h1"),
                        rx.text(
                            "This session was not found, or its register is not yours to take.",
                            color_scheme="gray",
                        ),
                        spacing="2",
                    ),
                    id="register-not-found",
                ),
                _register(),
            ),
        ),
    )
