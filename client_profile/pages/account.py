"""/account: name and e-mail, reminder e-mails on/off, WhatsApp reminders, log out on all devices."""

from __future__ import annotations

import reflex as rx

from client_profile.components.dialogs import confirm_dialog
from client_profile.components.layout import card, feedback, loading_or, native_form, page_shell, section
from client_profile.components.my_data_card import my_data_card
from client_profile.page_registry import page
from client_profile.state.account import AccountState as S
from client_profile.state.my_data import MyDataState
from client_profile.state.notices import NoticeState as N


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
                    "All reminder and change e-mails at once (the kinds below). Login codes, charges and "
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
                        S.whatsapp_consent_prompt, size="1", color_scheme="gray", id="whatsapp-consent-text"
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
            rx.cond(
                S.whatsapp_consent != "",
                rx.text(S.whatsapp_consent, size="1", color_scheme="gray", id="whatsapp-consent-record"),
            ),
            spacing="3",
            width="100%",
        )
    )


def _notice_row(sw) -> rx.Component:
    return rx.hstack(
        rx.text(sw.label, size="2"),
        rx.cond(
            sw.mandatory,
            rx.badge("Always sent", color_scheme="gray", variant="soft"),
            rx.switch(
                checked=sw.on,
                on_change=lambda on: N.toggle_notice(sw.kind, on),
                aria_label=sw.label,
                id="notice-" + sw.kind,
            ),
        ),
        justify="between",
        align="center",
        width="100%",
        spacing="3",
        class_name="cp-notice-row",
        min_height="2.75rem",
    )


def _messages() -> rx.Component:
    """Which messages this person gets, per kind (its own component: other sections of /account are edited in
    parallel)."""
    return card(
        rx.vstack(
            rx.text("What we tell you", weight="medium"),
            rx.text(
                "About the bookings you see: yours and the ones shared with you. Each e-mail also has a link to "
                "stop that kind with one click.",
                size="2",
                color_scheme="gray",
            ),
            rx.cond(
                ~S.email_reminders,
                rx.callout(
                    "Reminder e-mails are off above: of these, only the ones always sent reach you by e-mail.",
                    icon="info",
                    size="1",
                    color_scheme="gray",
                ),
            ),
            feedback(N),
            rx.foreach(N.switches, _notice_row),
            spacing="2",
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


@page("/account", "Account", load=[S.load_account, N.load_notices, MyDataState.load_my_data])
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
                section(
                    "Reminders", _email_reminders(), _messages(), rx.cond(S.whatsapp_available, _whatsapp())
                ),
                section("Security", _sessions()),
                section("My data", my_data_card()),
                spacing="5",
                width="100%",
                max_width="40rem",
            ),
        ),
    )
