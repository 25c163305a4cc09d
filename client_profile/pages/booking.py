"""The booking page (/bookings/<id>): programme details, next sessions, the sessions tab, the excuse dialog."""

from __future__ import annotations

import reflex as rx

from client_profile.components.cards import discount_lines
from client_profile.components.dialogs import confirm_dialog
from client_profile.components.layout import card, empty_note, loading_or, page_shell, section
from client_profile.page_registry import page
from client_profile.state.booking import CANCEL_REASONS
from client_profile.state.booking import BookingState as S

STATE_COLORS = [
    ("scheduled", "teal"),
    ("attended", "green"),
    ("make-up", "blue"),
    ("excused", "amber"),
    ("excused late", "orange"),
    ("missed", "red"),
    ("cancelled by provider", "gray"),
    ("awaiting attendance", "gray"),
]


def state_badge(state) -> rx.Component:
    return rx.badge(state, color_scheme=rx.match(state, *STATE_COLORS, "gray"), size="2")


def session_row(s) -> rx.Component:
    return rx.box(
        rx.hstack(
            rx.vstack(
                rx.hstack(
                    rx.text(s.day, weight="bold", size="3"),
                    rx.text(s.time, size="2", color_scheme="gray"),
                    spacing="2",
                    align="baseline",
                ),
                rx.hstack(
                    rx.cond(
                        s.online_link != "",
                        rx.link(
                            rx.hstack(
                                rx.icon("video", size=14),
                                rx.text("Join livestream", size="2"),
                                spacing="1",
                                align="center",
                            ),
                            href=s.online_link,
                            is_external=True,
                            class_name="cp-livestream",
                        ),
                        rx.cond(s.venue != "", rx.text(s.venue, size="1", color_scheme="gray")),
                    ),
                    rx.cond(
                        s.livestream_from != "",
                        rx.text(
                            "Join link from ",
                            s.livestream_from,
                            size="1",
                            color_scheme="gray",
                            class_name="cp-livestream-from",
                        ),
                    ),
                    rx.cond(
                        s.deadline != "", rx.text("Excuse until ", s.deadline, size="1", color_scheme="gray")
                    ),
                    spacing="3",
                    wrap="wrap",
                ),
                rx.cond(
                    s.is_makeup, rx.text("Make-up in ", s.class_name, size="1", color=rx.color("blue", 11))
                ),
                rx.cond(
                    s.outcome != "",
                    rx.text(s.outcome, size="1", color_scheme="gray", class_name="cp-outcome"),
                ),
                rx.cond(s.note != "", rx.text(s.note, size="1", color_scheme="gray")),
                spacing="1",
                min_width="0",
            ),
            rx.vstack(
                state_badge(s.state),
                rx.cond(
                    s.can_cancel,
                    rx.button(
                        "Excuse",
                        size="1",
                        variant="soft",
                        color_scheme="orange",
                        on_click=S.start_cancel(s.attendance_id),
                        class_name="cp-excuse",
                    ),
                ),
                rx.cond(
                    s.can_sign_back_up,
                    rx.button(
                        "Sign back up",
                        size="1",
                        variant="soft",
                        on_click=S.sign_back_up(s.attendance_id),
                        class_name="cp-sign-back-up",
                    ),
                ),
                rx.cond(
                    s.can_cancel_makeup,
                    rx.button(
                        "Cancel make-up",
                        size="1",
                        variant="soft",
                        color_scheme="orange",
                        on_click=S.cancel_makeup(s.attendance_id),
                        class_name="cp-cancel-makeup",
                    ),
                ),
                align="end",
                spacing="2",
            ),
            justify="between",
            width="100%",
            align="start",
        ),
        padding_y="0.75rem",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
        width="100%",
        class_name="cp-session",
        data_state=s.state,
        data_day=s.day,
    )


def _detail(icon: str, label: str, value) -> rx.Component:
    return rx.cond(
        value != "",
        rx.hstack(
            rx.icon(icon, size=16, color=rx.color("accent", 10)),
            rx.vstack(
                rx.text(label, size="1", color_scheme="gray"),
                rx.text(value, size="2", weight="medium"),
                spacing="0",
            ),
            spacing="3",
            align="start",
        ),
    )


def overview() -> rx.Component:
    return rx.vstack(
        card(
            rx.grid(
                _detail("clock", "When", S.schedule),
                _detail("calendar-range", "Dates", S.dates),
                _detail("map-pin", "Where", S.place),
                _detail("user", "Instructor", S.instructor),
                rx.vstack(
                    _detail("tag", "Price", S.price),
                    rx.box(discount_lines(S.price_parts), padding_left="28px", width="100%"),
                    spacing="1",
                    id="booking-price",
                ),
                columns=rx.breakpoints(initial="1", sm="2"),
                spacing="4",
                width="100%",
            )
        ),
        rx.cond(S.description != "", rx.text(S.description, size="2", color_scheme="gray")),
        section(
            "Next sessions",
            card(
                rx.cond(
                    S.next_sessions.length() > 0,
                    rx.vstack(rx.foreach(S.next_sessions, session_row), spacing="0", width="100%"),
                    empty_note("No upcoming sessions."),
                )
            ),
            id="next-sessions",
        ),
        rx.hstack(
            rx.button(
                rx.icon("list", size=16),
                "All sessions",
                variant="soft",
                on_click=S.show_tab("sessions"),
                flex="1",
                min_width="9rem",
            ),
            rx.cond(
                S.open_credits > 0,
                rx.link(
                    rx.button(
                        rx.icon("calendar-plus", size=16),
                        "Book a make-up",
                        rx.badge(S.open_credits, variant="solid"),
                        width="100%",
                    ),
                    href="/makeups",
                    underline="none",
                    flex="1",
                    min_width="9rem",
                    id="book-makeup-link",
                ),
            ),
            rx.link(
                rx.button(rx.icon("wallet", size=16), "Payments", variant="soft", width="100%"),
                href=f"/payments?booking={S.booking_id_value}",
                underline="none",
                flex="1",
                min_width="9rem",
                class_name="cp-booking-payments",
            ),
            rx.link(
                rx.button(rx.icon("gift", size=16), "Benefits", variant="soft", width="100%"),
                href="/benefits",
                underline="none",
                flex="1",
                min_width="9rem",
            ),
            spacing="2",
            wrap="wrap",
            width="100%",
        ),
        spacing="4",
        width="100%",
    )


def _filter_item(value: str, label: str, items) -> rx.Component:
    chosen = S.session_filter == value
    return rx.button(
        label,
        rx.badge(items.length(), variant=rx.cond(chosen, "solid", "soft"), radius="full"),
        on_click=S.show_sessions(value),
        variant=rx.cond(chosen, "solid", "soft"),
        size="2",
        aria_pressed=rx.cond(chosen, "true", "false"),
        data_filter=value,
        class_name="cp-filter",
    )


def sessions_tab() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            _filter_item("upcoming", "Upcoming", S.upcoming),
            _filter_item("attended", "Attended", S.attended),
            _filter_item("missed", "Cancelled & missed", S.missed),
            spacing="2",
            wrap="wrap",
            role="group",
            aria_label="Show sessions",
        ),
        card(
            rx.cond(
                S.shown_sessions.length() > 0,
                rx.vstack(rx.foreach(S.shown_sessions, session_row), spacing="0", width="100%"),
                empty_note("Nothing here."),
            )
        ),
        spacing="3",
        width="100%",
        id="sessions-tab",
    )


def cancel_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Excuse ", S.attendee, " from ", S.cancel_session_label, "?"),
            rx.callout(
                S.cancel_message,
                icon="info",
                width="100%",
                color_scheme=rx.match(
                    S.cancel_outcome, ("makeup", "green"), ("entry", "green"), ("refused", "red"), "amber"
                ),
                id="cancel-outcome",
            ),
            rx.form(
                rx.vstack(
                    rx.cond(
                        S.cancel_allowed,
                        rx.vstack(
                            rx.text("Reason (optional)", size="2", weight="medium"),
                            rx.radio_group.root(
                                rx.vstack(
                                    *[
                                        rx.el.label(
                                            rx.hstack(
                                                rx.radio_group.item(value=key or "none"),
                                                rx.text(label, size="2"),
                                                spacing="2",
                                                align="center",
                                            )
                                        )
                                        for key, label in CANCEL_REASONS.items()
                                    ],
                                    spacing="2",
                                ),
                                name="reason",
                                default_value="none",
                            ),
                            rx.text_area(
                                name="note",
                                placeholder="A note for the instructor (optional)",
                                max_length=500,
                                width="100%",
                            ),
                            spacing="2",
                            width="100%",
                        ),
                    ),
                    rx.hstack(
                        rx.dialog.close(
                            rx.button(
                                "Keep the session",
                                variant="soft",
                                color_scheme="gray",
                                type="button",
                                on_click=S.close_cancel,
                            )
                        ),
                        rx.cond(
                            S.cancel_allowed,
                            rx.button(
                                "Excuse session", type="submit", color_scheme="orange", id="confirm-excuse"
                            ),
                        ),
                        justify="end",
                        spacing="2",
                        width="100%",
                        wrap="wrap",
                    ),
                    spacing="4",
                    width="100%",
                    padding_top="0.75rem",
                ),
                on_submit=S.confirm_cancel,
            ),
            max_width="28rem",
        ),
        open=S.cancel_open,
        on_open_change=S.dialog_changed,
    )


def _tick(name: str, label: str, hint: str, checked) -> rx.Component:
    return rx.el.label(
        rx.el.input(type="checkbox", name=name, id=f"share-{name}", default_checked=checked),
        rx.vstack(
            rx.text(label, size="2", weight="medium"),
            rx.text(hint, size="1", color_scheme="gray"),
            spacing="0",
        ),
        display="flex",
        align_items="start",
        gap="0.6rem",
        class_name="cp-check",
    )


def share_dialog() -> rx.Component:
    editing = S.share_editing != ""
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(
                rx.cond(editing, "Change access", rx.text.span("Share ", S.attendee, "'s booking"))
            ),
            rx.dialog.description(
                rx.cond(
                    editing,
                    rx.text.span("What ", rx.text.strong(S.share_editing), " may do with this booking."),
                    "We e-mail them an invitation (valid 7 days). They log in with that address and accept it.",
                ),
                size="2",
            ),
            rx.form(
                rx.vstack(
                    rx.cond(
                        editing,
                        rx.fragment(),
                        rx.vstack(
                            rx.text("E-mail", size="2", weight="medium", as_="label", html_for="share-email"),
                            rx.input(
                                name="email",
                                id="share-email",
                                type="email",
                                required=True,
                                max_length=254,
                                auto_complete="off",
                                width="100%",
                            ),
                            rx.box(height="0.5rem"),
                            rx.text(
                                "Name (optional)",
                                size="2",
                                weight="medium",
                                as_="label",
                                html_for="share-name",
                            ),
                            rx.input(
                                name="name",
                                id="share-name",
                                max_length=200,
                                width="100%",
                                placeholder="e.g. Grandma",
                            ),
                            spacing="1",
                            width="100%",
                        ),
                    ),
                    rx.vstack(
                        rx.hstack(
                            rx.icon("eye", size=16),
                            rx.text("Always: see the booking and get its messages", size="2"),
                            spacing="2",
                            align="center",
                        ),
                        _tick("can_pay", "May pay", "pay this booking's items", S.share_pay),
                        _tick(
                            "can_manage",
                            "May manage",
                            "excuse sessions, book and cancel make-ups, join and leave waiting lists",
                            S.share_manage,
                        ),
                        spacing="3",
                        width="100%",
                    ),
                    rx.cond(
                        S.error != "",
                        rx.callout(
                            S.error, icon="triangle-alert", color_scheme="red", width="100%", id="share-error"
                        ),
                    ),
                    rx.hstack(
                        rx.dialog.close(
                            rx.button(
                                "Cancel",
                                variant="soft",
                                color_scheme="gray",
                                type="button",
                                on_click=S.close_share,
                            )
                        ),
                        rx.button(
                            rx.cond(editing, "Save", "Send invitation"), type="submit", id="share-submit"
                        ),
                        justify="end",
                        spacing="2",
                        width="100%",
                        wrap="wrap",
                    ),
                    spacing="4",
                    width="100%",
                    padding_top="0.75rem",
                ),
                on_submit=S.save_share,
                key=S.share_editing,
            ),
            max_width="30rem",
        ),
        open=S.share_open,
        on_open_change=S.share_dialog_changed,
    )


def share_row(r) -> rx.Component:
    pending = r.status != "active"
    return rx.box(
        rx.flex(
            rx.vstack(
                rx.hstack(
                    rx.text(rx.cond(r.name != "", r.name, r.email), weight="medium", size="2"),
                    rx.match(
                        r.status,
                        ("active", rx.badge("Since ", r.since, color_scheme="green")),
                        ("pending", rx.badge("Invited ", r.since, color_scheme="amber")),
                        rx.badge("Invitation expired", color_scheme="red"),
                    ),
                    spacing="2",
                    align="center",
                    wrap="wrap",
                ),
                rx.cond(r.name != "", rx.text(r.email, size="1", color_scheme="gray")),
                rx.text("May ", r.access, size="1", color_scheme="gray"),
                spacing="1",
                min_width="0",
            ),
            rx.hstack(
                rx.button(
                    "Change",
                    size="1",
                    variant="soft",
                    on_click=S.edit_share(r.id),
                    class_name="cp-share-edit",
                ),
                rx.cond(
                    pending,
                    rx.button(
                        "Re-send",
                        size="1",
                        variant="soft",
                        on_click=S.resend_invitation(r.id),
                        class_name="cp-share-resend",
                    ),
                ),
                confirm_dialog(
                    rx.button(
                        rx.cond(pending, "Withdraw", "Revoke"),
                        size="1",
                        variant="soft",
                        color_scheme="red",
                        class_name="cp-share-revoke",
                    ),
                    "End this access?",
                    "They lose this booking at their next step; an invitation's link stops working.",
                    rx.button("Keep", variant="soft", color_scheme="gray"),
                    rx.alert_dialog.action(
                        rx.button(
                            rx.cond(pending, "Withdraw", "Revoke access"),
                            color_scheme="red",
                            on_click=S.revoke_share(r.id),
                            class_name="cp-share-revoke-confirm",
                        )
                    ),
                ),
                spacing="2",
                wrap="wrap",
            ),
            justify="between",
            align="start",
            spacing="2",
            wrap="wrap",
            width="100%",
        ),
        padding_y="0.6rem",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
        width="100%",
        class_name="cp-share",
        data_email=r.email,
        data_status=r.status,
    )


def sharing_section() -> rx.Component:
    return rx.cond(
        S.may_share,
        rx.vstack(
            rx.hstack(
                rx.heading("Shared with", size="4", as_="h2"),
                rx.button(
                    rx.icon("user-plus", size=16),
                    "Share",
                    size="2",
                    variant="soft",
                    on_click=S.open_share,
                    id="share-open",
                ),
                justify="between",
                align="center",
                width="100%",
            ),
            card(
                rx.cond(
                    S.shares.length() > 0,
                    rx.vstack(rx.foreach(S.shares, share_row), spacing="0", width="100%"),
                    empty_note("Only your family sees this booking. Share it with a grandparent or a carer."),
                ),
                rx.cond(
                    S.share_history.length() > 0,
                    rx.el.details(
                        rx.el.summary(rx.text("History", size="2", as_="span")),
                        rx.vstack(
                            rx.foreach(
                                S.share_history,
                                lambda h: rx.hstack(
                                    rx.text(h.when, size="1", color_scheme="gray", white_space="nowrap"),
                                    rx.text(h.text, size="1"),
                                    spacing="2",
                                    align="start",
                                    class_name="cp-share-event",
                                ),
                            ),
                            spacing="1",
                            padding_top="0.5rem",
                        ),
                        id="share-history",
                        style={"marginTop": "0.75rem"},
                    ),
                ),
            ),
            spacing="3",
            width="100%",
            id="sharing",
        ),
        rx.cond(
            S.shared_with_me,
            rx.hstack(
                rx.text("This booking is shared with you.", size="2", color_scheme="gray"),
                confirm_dialog(
                    rx.button("Leave", size="1", variant="soft", color_scheme="gray", id="leave-share"),
                    "Leave this booking?",
                    "You will no longer see it or get its messages. Its family can share it with you again.",
                    rx.button("Stay", variant="soft", color_scheme="gray"),
                    rx.alert_dialog.action(
                        rx.button(
                            "Leave", color_scheme="red", on_click=S.leave_share, id="leave-share-confirm"
                        )
                    ),
                ),
                justify="between",
                align="center",
                width="100%",
                wrap="wrap",
                id="shared-with-me",
            ),
        ),
    )


@page("/bookings/[booking_id]", "Booking", load=[S.load_booking])
def booking_page() -> rx.Component:
    return page_shell(
        "Bookings",
        S.refresh,
        rx.link(
            rx.hstack(rx.icon("arrow-left", size=16), rx.text("Bookings"), spacing="1", align="center"),
            href="/bookings",
            underline="none",
            size="2",
        ),
        loading_or(
            S.loaded,
            rx.cond(
                S.not_found,
                card(
                    rx.vstack(
                        rx.heading("Booking not found", size="5"),
                        rx.text("This booking was not found. It may belong to another account.", size="2"),
                        rx.link("Back to your bookings", href="/bookings"),
                        spacing="2",
                    ),
                    id="not-found",
                ),
                rx.vstack(
                    rx.vstack(
                        rx.hstack(
                            rx.heading(S.programme, size="6", as_="h1"),
                            rx.cond(
                                S.is_online,
                                rx.badge(rx.icon("video", size=12), "Online", color_scheme="blue"),
                            ),
                            rx.cond(S.shared_with_me, rx.badge("Shared with you", color_scheme="purple")),
                            spacing="2",
                            align="center",
                            wrap="wrap",
                        ),
                        rx.text(S.attendee, " · ", S.class_name, color_scheme="gray", size="2"),
                        spacing="1",
                    ),
                    rx.cond(
                        S.message != "",
                        rx.callout(
                            S.message, icon="check", color_scheme="green", width="100%", id="booking-message"
                        ),
                    ),
                    rx.cond(
                        S.error != "",
                        rx.callout(
                            S.error,
                            icon="triangle-alert",
                            color_scheme="red",
                            width="100%",
                            id="booking-error",
                        ),
                    ),
                    rx.tabs.root(
                        rx.tabs.list(
                            rx.tabs.trigger("Overview", value="overview"),
                            rx.tabs.trigger("Sessions", value="sessions"),
                        ),
                        rx.tabs.content(overview(), value="overview", padding_top="1rem"),
                        rx.tabs.content(sessions_tab(), value="sessions", padding_top="1rem"),
                        value=S.tab,
                        on_change=S.show_tab,
                        width="100%",
                    ),
                    sharing_section(),
                    cancel_dialog(),
                    share_dialog(),
                    spacing="4",
                    width="100%",
                ),
            ),
        ),
    )
