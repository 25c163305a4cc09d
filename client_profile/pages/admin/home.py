"""/admin, "Today": the console's start page. The greeting, then the registers to take: today's sessions (big
cards for a phone at the pool), the rest of this week, older registers still to finish; a finder for any session
by dates and class (owner and office: every class; an instructor: theirs); and the other sections the role may
open."""

from __future__ import annotations

import reflex as rx

from client_profile.components.admin_layout import admin_shell
from client_profile.components.layout import card, empty_note, feedback, loading_or, section
from client_profile.page_registry import Nav, page
from client_profile.state.admin.register import AdminTodayState as S
from client_profile.state.admin.shell import AdminShellState as Shell

# (section, title, what it is for, where): shown only when the role may open the section.
_SECTIONS = (
    (
        "schedule",
        "Schedule",
        "Programmes, classes and their sessions: create, edit, move, cancel.",
        "/admin/schedule",
    ),
    (
        "families",
        "Families",
        "Find a family, change its people, enrol them in classes, see what they see.",
        "/admin/families",
    ),
    ("staff", "Staff", "Invite people to the console, change their role, deactivate them.", "/admin/staff"),
    (
        "settings",
        "Settings",
        "Your organisation, payments, make-up and excuse rules, the register window, holidays.",
        "/admin/settings",
    ),
    ("audit", "Audit log", "Every change made in the console: who, when, before and after.", "/admin/audit"),
)


def _section_card(section: str, title: str, text: str, href: str) -> rx.Component:
    return rx.cond(
        Shell.sections.contains(section),
        rx.link(
            card(
                rx.vstack(
                    rx.heading(title, size="4", as_="h2"),
                    rx.text(text, size="2", color_scheme="gray"),
                    spacing="1",
                )
            ),
            href=href,
            underline="none",
            color=rx.color("gray", 12),
            width="100%",
        ),
    )


def _status_badge(row) -> rx.Component:
    """One word for where the register stands: cancelled, to take (incomplete), upcoming, or done."""
    return rx.cond(
        row.status == "cancelled",
        rx.badge("cancelled", color_scheme="gray", variant="soft", size="2"),
        rx.cond(
            row.incomplete,
            rx.badge(
                "incomplete", color_scheme="orange", variant="solid", size="2", class_name="cp-incomplete"
            ),
            rx.cond(
                ~row.started,
                rx.badge("upcoming", color_scheme="gray", variant="soft", size="2"),
                rx.cond(row.expected > 0, rx.badge("done", color_scheme="green", variant="soft", size="2")),
            ),
        ),
    )


def session_card(row) -> rx.Component:
    """A session to open: class, local day and time, venue, how many are expected and marked."""
    return rx.link(
        card(
            rx.flex(
                rx.vstack(
                    rx.text(row.class_name, weight="bold", size="4", class_name="cp-session-class"),
                    rx.hstack(
                        rx.icon("calendar", size=16, color=rx.color("accent", 10)),
                        rx.text(
                            row.day_label,
                            " · ",
                            rx.el.span(row.starts, "–", row.ends, white_space="nowrap"),
                            size="2",
                            weight="medium",
                        ),
                        spacing="2",
                        align="center",
                    ),
                    rx.cond(
                        row.venue != "",
                        rx.hstack(
                            rx.icon("map-pin", size=16, color=rx.color("gray", 10)),
                            rx.text(row.venue, size="2", color_scheme="gray"),
                            spacing="2",
                            align="center",
                        ),
                    ),
                    spacing="1",
                    min_width="0",
                    flex="1",
                ),
                rx.vstack(
                    _status_badge(row),
                    rx.text(
                        rx.cond(
                            row.expected == 0,
                            "nobody booked",
                            rx.cond(
                                row.started,
                                rx.fragment(row.marked, " of ", row.expected, " marked"),
                                rx.fragment(row.expected, " expected"),
                            ),
                        ),
                        size="2",
                        color_scheme="gray",
                        white_space="nowrap",
                        class_name="cp-session-counts",
                    ),
                    rx.cond(
                        row.guests > 0,
                        rx.text("incl. ", row.guests, " make-up", size="1", color=rx.color("blue", 11)),
                    ),
                    align="end",
                    spacing="1",
                ),
                justify="between",
                align="start",
                spacing="3",
                width="100%",
            ),
            class_name="cp-register-session-card",
        ),
        href=f"/admin/sessions/{row.id}",
        underline="none",
        color=rx.color("gray", 12),
        width="100%",
        display="block",
        class_name="cp-register-session",
        data_session=row.id,
        data_day=row.day,
        data_class=row.class_name,
        data_started=rx.cond(row.started, "true", "false"),
        data_editable=rx.cond(row.editable, "true", "false"),
    )


def _sessions(rows, empty: str, id_: str) -> rx.Component:
    return rx.cond(
        rows.length() > 0,
        rx.grid(
            rx.foreach(rows, session_card),
            grid_template_columns="repeat(auto-fill, minmax(min(100%, 20rem), 1fr))",
            spacing="3",
            width="100%",
            id=id_,
        ),
        empty_note(empty),
    )


def _field(label: str, control: rx.Component, html_for: str) -> rx.Component:
    return rx.vstack(
        rx.el.label(label, html_for=html_for, font_size="0.85rem"),
        control,
        spacing="1",
        flex="1",
        min_width="9rem",
    )


def _finder() -> rx.Component:
    return section(
        "Find a session",
        rx.text(
            rx.cond(
                Shell.role == "instructor",
                "Any session of your classes, by dates (at most 92 days at a time).",
                "Any session of any class, by dates (at most 92 days at a time) and class.",
            ),
            size="2",
            color_scheme="gray",
        ),
        card(
            rx.form(
                rx.flex(
                    _field(
                        "From",
                        rx.input(
                            id="find-from", name="from", type="date", default_value=S.find_from, width="100%"
                        ),
                        "find-from",
                    ),
                    _field(
                        "To",
                        rx.input(id="find-to", name="to", type="date", default_value=S.find_to, width="100%"),
                        "find-to",
                    ),
                    _field(
                        "Class",
                        rx.el.select(
                            rx.el.option("All classes", value=""),
                            rx.foreach(
                                S.classes,
                                lambda c: rx.el.option(c.name, value=c.id.to_string()),
                            ),
                            id="find-class",
                            name="class",
                            default_value=S.find_class,
                            class_name="cp-select",
                            width="100%",
                        ),
                        "find-class",
                    ),
                    rx.button("Show sessions", type="submit", id="find-submit", size="3"),
                    spacing="3",
                    align="end",
                    wrap="wrap",
                    width="100%",
                ),
                on_submit=S.find_register_sessions,
                reset_on_submit=False,
                width="100%",
            ),
        ),
        rx.cond(S.searched, _sessions(S.found, "No sessions in these dates.", "found-sessions")),
        id="find-sessions",
    )


@page(
    "/admin",
    "Today",
    area="staff",
    load=[S.load_admin_today],
    nav=Nav("Today", "clipboard-check", 10, section="today"),
)
def admin_home_page() -> rx.Component:
    return admin_shell(
        "Today",
        rx.vstack(
            rx.heading(f"Hello, {Shell.staff_name}", size="6", as_="h1"),
            rx.text(
                rx.cond(
                    Shell.role == "instructor", "Your classes and their registers.", "Run your provider here."
                ),
                color_scheme="gray",
            ),
            spacing="1",
        ),
        feedback(S),
        loading_or(
            S.loaded,
            rx.vstack(
                section(
                    f"Today · {S.today_label}",
                    _sessions(S.today, "No sessions today.", "today-sessions"),
                ),
                section(
                    f"This week · {S.week_label}",
                    _sessions(S.week, "No other sessions this week.", "week-sessions"),
                ),
                rx.cond(
                    S.to_finish.length() > 0,
                    section(
                        "To finish",
                        rx.text(
                            "Earlier sessions with someone still unmarked; their register is still open.",
                            size="2",
                            color_scheme="gray",
                        ),
                        _sessions(S.to_finish, "", "to-finish-sessions"),
                    ),
                ),
                _finder(),
                rx.grid(
                    *[_section_card(*item) for item in _SECTIONS],
                    grid_template_columns="repeat(auto-fit, minmax(min(100%, 18rem), 1fr))",
                    spacing="3",
                    width="100%",
                ),
                spacing="6",
                width="100%",
            ),
        ),
    )
