"""The invitation page (/invitation/<token>): accept or decline a booking shared with you."""

from __future__ import annotations

import reflex as rx

from client_profile.components.layout import card, loading_or, page_shell
from client_profile.page_registry import page
from client_profile.state.invitation import InvitationsState as L
from client_profile.state.invitation import InvitationState as S


def _callouts() -> rx.Component:
    return rx.fragment(
        rx.cond(
            S.message != "",
            rx.callout(S.message, icon="check", color_scheme="green", width="100%", id="invitation-message"),
        ),
        rx.cond(
            S.error != "",
            rx.callout(
                S.error, icon="triangle-alert", color_scheme="red", width="100%", id="invitation-error"
            ),
        ),
    )


def _open() -> rx.Component:
    return card(
        rx.vstack(
            rx.heading(S.shared_by, " shared ", S.attendee, "'s booking with you", size="5", as_="h1"),
            rx.text(S.class_name, size="2", color_scheme="gray"),
            rx.hstack(
                rx.icon("shield-check", size=16, color=rx.color("accent", 10)),
                rx.text("You may ", S.access, ".", size="2"),
                spacing="2",
                align="start",
            ),
            rx.text(
                "If you accept, this booking appears in your profile. You can leave it at any time.",
                size="2",
                color_scheme="gray",
            ),
            rx.hstack(
                rx.button(
                    "Decline",
                    variant="soft",
                    color_scheme="gray",
                    on_click=S.decline_invitation,
                    id="decline-invitation",
                ),
                rx.button("Accept", on_click=S.accept_invitation, id="accept-invitation"),
                spacing="2",
                justify="end",
                width="100%",
                wrap="wrap",
            ),
            spacing="3",
            width="100%",
        ),
        id="invitation",
    )


def _closed(title: str, text) -> rx.Component:
    return card(
        rx.vstack(
            rx.heading(title, size="5", as_="h1"),
            rx.text(text, size="2"),
            rx.link("Go to your profile", href="/"),
            spacing="2",
        ),
        id="invitation-closed",
    )


@page("/invitation/[token]", "Invitation", load=[S.load_invitation])
def invitation_page() -> rx.Component:
    return page_shell(
        "Home",
        None,
        loading_or(
            S.loaded,
            rx.vstack(
                _callouts(),
                rx.match(
                    S.status,
                    ("open", _open()),
                    (
                        "expired",
                        _closed("This invitation has expired", "Ask the person who shared it for a new one."),
                    ),
                    (
                        "wrong_address",
                        _closed(
                            "This invitation is for another address",
                            rx.text.span(
                                "It was sent to ",
                                rx.text.strong(S.invited_email),
                                ". Log out and log in with that address to answer it.",
                            ),
                        ),
                    ),
                    rx.cond(
                        S.message == "",
                        _closed(
                            "This invitation is no longer valid",
                            "It was already answered or withdrawn. Ask the person who shared it for a new one.",
                        ),
                    ),
                ),
                spacing="4",
                width="100%",
                max_width="36rem",
            ),
        ),
    )


def _invitation_card(v) -> rx.Component:
    return card(
        rx.vstack(
            rx.text(v.shared_by, " shared ", v.attendee, "'s booking with you", weight="bold", size="3"),
            rx.text(v.class_name, size="2", color_scheme="gray"),
            rx.text("You may ", v.access, ".", size="2"),
            rx.hstack(
                rx.button(
                    "Decline",
                    variant="soft",
                    color_scheme="gray",
                    on_click=L.decline_shared(v.share_id),
                    class_name="cp-decline-shared",
                ),
                rx.button("Accept", on_click=L.accept_shared(v.share_id), class_name="cp-accept-shared"),
                spacing="2",
                justify="end",
                width="100%",
                wrap="wrap",
            ),
            spacing="2",
            width="100%",
        ),
        class_name="cp-invitation",
    )


@page("/invitations", "Invitations", load=[L.load_invitations])
def invitations_page() -> rx.Component:
    return page_shell(
        "Home",
        None,
        loading_or(
            L.loaded,
            rx.vstack(
                rx.heading("Invitations", size="6", as_="h1"),
                rx.cond(
                    L.message != "",
                    rx.callout(
                        L.message, icon="check", color_scheme="green", width="100%", id="invitations-message"
                    ),
                ),
                rx.cond(
                    L.error != "",
                    rx.callout(
                        L.error,
                        icon="triangle-alert",
                        color_scheme="red",
                        width="100%",
                        id="invitations-error",
                    ),
                ),
                rx.cond(
                    L.invitations.length() > 0,
                    rx.vstack(rx.foreach(L.invitations, _invitation_card), spacing="3", width="100%"),
                    rx.vstack(
                        rx.text("No open invitations.", size="2", color_scheme="gray"),
                        rx.link("Go to your profile", href="/"),
                        spacing="2",
                    ),
                ),
                spacing="4",
                width="100%",
                max_width="36rem",
            ),
        ),
    )
