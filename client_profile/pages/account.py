"""/account: name and e-mail, reminder e-mails on/off, WhatsApp reminders, log out on all devices."""

from __future__ import annotations

import reflex as rx

from client_profile.components.dialogs import confirm_dialog
from client_profile.components.layout import card, feedback, loading_or, native_form, page_shell, section
from client_profile.components.my_data_card import my_data_card
from client_profile.page_registry import page
from client_profile.state.account import AccountState as S
from client_profile.state.my_data import MyDataState
from client_profile.state.shell import ShellState


def _identity() -> rx.Component:
    return card(
        rx.vstack(
            rx.text("Name", size="1", color_scheme="gray"),
            rx.text(rx.cond(S.full_name != "", S.full_name, "—"), weight="medium"),
            rx.text("E-mail", size="1", color_scheme="gray"),
            rx.text(S.email, weight="medium", class_name="cp-account-email"),
            rx.text("To change your name or e-mail, contact us.", size="1", color_scheme="gray"),
            spacing="1",
            width="100%",
        )
    )


def _email_reminders() -> rx.Component:
    return card(
        rx.hstack(
            rx.vstack(
                rx.text("Reminder e-mails", weight="medium"),
                rx.text(
                    "A make-up to book, a make-up about to expire, a free place from the waitlist. Login codes and "
                    "receipts are always sent.",
                    size="2",
                    color_scheme="gray",
                ),
                spacing="1",
            ),
            rx.switch(
                checked=S.email_reminders,
                on_change=S.toggle_email_reminders,
                aria_label="Reminder e-mails",
                id="email-reminders",
            ),
            justify="between",
            align="center",
            width="100%",
            spacing="4",
        )
    )


def _whatsapp() -> rx.Component:
    return card(
        rx.vstack(
            rx.text("WhatsApp reminders", weight="medium"),
            rx.cond(
                S.whatsapp_opt_in,
                rx.vstack(
                    rx.text("On for ", rx.text.strong(S.whatsapp_phone), ".", size="2"),
                    rx.button(
                        "Turn WhatsApp reminders off",
                        on_click=S.stop_whatsapp,
                        variant="soft",
                        color_scheme="gray",
                        id="whatsapp-off",
                    ),
                    spacing="2",
                ),
                rx.text(
                    "Off. Get the same reminders on WhatsApp as well: enter your mobile number with the country code "
                    "and agree to receive them.",
                    size="2",
                    color_scheme="gray",
                ),
            ),
            rx.form(
                rx.vstack(
                    rx.el.label(
                        "Mobile number for WhatsApp", html_for="whatsapp-phone", font_size="0.875rem"
                    ),
                    rx.input(
                        name="phone",
                        id="whatsapp-phone",
                        type="tel",
                        placeholder="+420 601 234 567",
                        auto_complete="tel",
                        input_mode="tel",
                        max_length=40,
                        width="100%",
                    ),
                    rx.text(
                        "By saving you agree to receive make-up reminders from ",
                        ShellState.provider_name,
                        " on WhatsApp. You can turn them off here at any time.",
                        size="1",
                        color_scheme="gray",
                    ),
                    rx.button(
                        rx.cond(S.whatsapp_opt_in, "Change number", "Turn on WhatsApp reminders"),
                        type="submit",
                        id="whatsapp-save",
                    ),
                    spacing="2",
                    width="100%",
                ),
                on_submit=S.save_whatsapp,
                reset_on_submit=False,
                width="100%",
            ),
            spacing="3",
            width="100%",
        )
    )


def _sessions() -> rx.Component:
    return card(
        rx.vstack(
            rx.text("Devices", weight="medium"),
            rx.text(
                "Lost a phone or used a shared computer? Log out everywhere: every device, this one included, "
                "will need a new login code.",
                size="2",
                color_scheme="gray",
            ),
            # Nothing happens on the first tap: a dialog says what it does and asks again (one tap on a phone
            # must never end every session).
            confirm_dialog(
                rx.button(
                    rx.icon("shield-off", size=16),
                    "Log out on all devices",
                    color_scheme="red",
                    variant="soft",
                    size="3",
                    id="logout-all-open",
                ),
                "Log out on all devices?",
                "Every phone, tablet and computer where you are logged in, this one included, will need a "
                "new login code from your e-mail.",
                rx.button("Keep me logged in", variant="soft", color_scheme="gray", size="3"),
                native_form(
                    rx.button(
                        "Log out everywhere",
                        type="submit",
                        color_scheme="red",
                        size="3",
                        id="logout-all-confirm",
                    ),
                    action="/auth/logout-all",
                ),
            ),
            spacing="2",
            width="100%",
        )
    )


@page("/account", "Account", load=[S.load_account, MyDataState.load_my_data])
def account_page() -> rx.Component:
    return page_shell(
        "Account",
        None,
        rx.heading("Account", size="6", as_="h1"),
        loading_or(
            S.loaded,
            rx.vstack(
                feedback(S),
                section("You", _identity()),
                section("Reminders", _email_reminders(), rx.cond(S.whatsapp_available, _whatsapp())),
                section("Security", _sessions()),
                section("My data", my_data_card()),
                spacing="5",
                width="100%",
                max_width="40rem",
            ),
        ),
    )
