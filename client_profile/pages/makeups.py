"""The make-ups page (/makeups): open credits, the sessions each can book, why none, the waiting list."""

from __future__ import annotations

import reflex as rx

from client_profile.components.layout import card, empty_note, loading_or, page_shell, section
from client_profile.page_registry import page
from client_profile.state.makeups import MakeupsState as S


def _session_line(o) -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.text(o.day, weight="bold", size="3"),
            rx.text(o.time, size="2", color_scheme="gray"),
            spacing="2",
            align="baseline",
        ),
        rx.text(o.class_name, " · ", o.place, size="1", color_scheme="gray"),
        spacing="0",
        min_width="0",
    )


def _offer(o) -> rx.Component:
    return rx.hstack(
        _session_line(o),
        rx.vstack(
            rx.badge(
                o.places_left,
                rx.cond(o.places_left == 1, " place left", " places left"),
                color_scheme="green",
            ),
            rx.button(
                "Book", size="2", on_click=S.choose(o.credit_id, o.session_id), class_name="cp-book-makeup"
            ),
            align="end",
            spacing="2",
        ),
        justify="between",
        width="100%",
        padding_y="0.6rem",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
        class_name="cp-offer",
        data_class=o.class_name,
    )


def _full(o) -> rx.Component:
    return rx.hstack(
        _session_line(o),
        rx.cond(
            o.on_waitlist,
            rx.badge("On the waiting list", color_scheme="blue"),
            rx.button(
                "Join waiting list",
                size="1",
                variant="soft",
                on_click=S.join_waitlist(o.credit_id, o.session_id),
                class_name="cp-join-waitlist",
            ),
        ),
        justify="between",
        width="100%",
        padding_y="0.6rem",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
        class_name="cp-full",
        align="center",
    )


def _credit(c) -> rx.Component:
    return card(
        rx.vstack(
            rx.hstack(
                rx.vstack(
                    rx.heading(c.attendee, " · ", c.programme, size="3", as_="h3"),
                    rx.text("From ", c.earned_from, size="1", color_scheme="gray"),
                    spacing="1",
                ),
                rx.vstack(
                    rx.badge("Book by ", c.expires, color_scheme="teal"),
                    rx.cond(
                        c.count > 1,
                        rx.badge(
                            c.count, " make-up credits", color_scheme="gray", class_name="cp-credit-count"
                        ),
                    ),
                    align="end",
                    spacing="1",
                ),
                justify="between",
                width="100%",
                align="start",
                wrap="wrap",
            ),
            rx.cond(
                c.offers.length() > 0,
                rx.vstack(
                    rx.text("Choose a session:", size="2", weight="medium"),
                    rx.vstack(rx.foreach(c.offers, _offer), spacing="0", width="100%"),
                    spacing="1",
                    width="100%",
                ),
                rx.callout(
                    rx.vstack(rx.text(c.reason, weight="medium"), rx.text(c.advice, size="2"), spacing="1"),
                    icon="info",
                    color_scheme="amber",
                    width="100%",
                    class_name="cp-why",
                ),
            ),
            rx.cond(
                c.full.length() > 0,
                rx.vstack(
                    rx.text("Full at the moment:", size="2", weight="medium"),
                    rx.vstack(rx.foreach(c.full, _full), spacing="0", width="100%"),
                    spacing="1",
                    width="100%",
                ),
            ),
            spacing="3",
            width="100%",
        ),
        class_name="cp-credit",
    )


def _queue(q) -> rx.Component:
    return rx.hstack(
        rx.vstack(
            rx.text(q.attendee, " · ", q.day, " ", q.time, weight="medium", size="2"),
            rx.text(q.class_name, size="1", color_scheme="gray"),
            rx.cond(
                q.status == "offered",
                rx.text(
                    "A place is held for you until ", q.hold_until, size="1", color=rx.color("green", 11)
                ),
            ),
            spacing="0",
        ),
        rx.hstack(
            rx.cond(
                q.status == "offered",
                rx.button(
                    "Confirm", size="1", on_click=S.accept_offer(q.entry_id), class_name="cp-accept-offer"
                ),
            ),
            rx.button(
                "Leave", size="1", variant="soft", color_scheme="gray", on_click=S.leave_waitlist(q.entry_id)
            ),
            spacing="2",
        ),
        justify="between",
        width="100%",
        padding_y="0.6rem",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
    )


def confirm_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Book this make-up?"),
            rx.text(S.confirm_label, size="3", weight="medium"),
            rx.text(
                "This uses the make-up credit. If you cancel in time, you get it back.",
                size="2",
                color_scheme="gray",
            ),
            rx.hstack(
                rx.dialog.close(
                    rx.button("Not now", variant="soft", color_scheme="gray", on_click=S.close_confirm)
                ),
                rx.button("Book make-up", on_click=S.confirm_booking, id="confirm-makeup"),
                justify="end",
                spacing="2",
                padding_top="1rem",
            ),
            max_width="26rem",
        ),
        open=S.confirm_open,
        on_open_change=S.dialog_changed,
    )


@page("/makeups", "Make-ups", load=[S.load_makeups])
def makeups_page() -> rx.Component:
    return page_shell(
        "Benefits",
        S.refresh,
        rx.heading("Make-ups", size="6", as_="h1"),
        rx.cond(
            S.message != "",
            rx.callout(S.message, icon="check", color_scheme="green", width="100%", id="makeups-message"),
        ),
        rx.cond(
            S.error != "",
            rx.callout(S.error, icon="triangle-alert", color_scheme="red", width="100%", id="makeups-error"),
        ),
        loading_or(
            S.loaded,
            rx.vstack(
                rx.cond(
                    S.queue.length() > 0,
                    section(
                        "Waiting list",
                        card(rx.vstack(rx.foreach(S.queue, _queue), spacing="0", width="100%")),
                        id="waitlist",
                    ),
                ),
                rx.cond(
                    S.credits.length() > 0,
                    rx.vstack(rx.foreach(S.credits, _credit), spacing="3", width="100%", id="credits"),
                    card(empty_note(S.no_credit), id="no-credit"),
                ),
                spacing="5",
                width="100%",
            ),
        ),
        confirm_dialog(),
    )
