"""/admin/settings: the provider's name and time zone, money and invoices, make-ups, excuses and the register
window, and holidays (owners). One form per group; every change is audited."""

from __future__ import annotations

from collections.abc import Callable

import reflex as rx

from client_profile.components.admin_forms import (
    check,
    field,
    field_message,
    form_feedback,
    hidden,
    row,
    select,
    submit,
    text_input,
)
from client_profile.components.admin_layout import admin_shell, console_body
from client_profile.components.layout import card, empty_note
from client_profile.page_registry import Nav, page
from client_profile.state.admin.settings import AdminSettingsState as S

# A settings field is drawn for its group's form (the form key is the group's name): `_group` calls it with that.
Field = Callable[[str], rx.Component]


def _text(name: str, label: str, hint: str = "", kind: str = "text") -> Field:
    def draw(key: str) -> rx.Component:
        control = text_input(key, name, S.values.get(name, ""), type=kind)
        return field(S, key, name, label, control, hint=hint, min_width="12rem")

    return draw


def _switch(name: str, label: str) -> Field:
    def draw(key: str) -> rx.Component:
        return rx.vstack(
            check(key, name, label, S.values.get(name, "") != ""),
            field_message(S, key, name),
            spacing="1",
            justify="center",
            min_height="44px",
        )

    return draw


def _choice(name: str, label: str, options: list[tuple[str, str]]) -> Field:
    def draw(key: str) -> rx.Component:
        control = select(key, name, options, S.values.get(name, ""))
        return field(S, key, name, label, control, min_width="12rem", flex="0 1 auto")

    return draw


def _group(group: str, title: str, *fields: Field) -> rx.Component:
    return card(
        rx.form(
            rx.vstack(
                rx.heading(title, size="4", as_="h2"),
                hidden("group", group),
                row(*[draw(group) for draw in fields]),
                form_feedback(S, group),
                submit(S, group, "Save"),
                spacing="3",
                width="100%",
            ),
            on_submit=S.save_settings,
            reset_on_submit=False,
            width="100%",
            key=S.form_round.to_string(),
        )
    )


def _holidays() -> rx.Component:
    return card(
        rx.vstack(
            rx.heading("Holidays", size="4", as_="h2"),
            rx.text(
                "New classes skip these days; excuse deadlines can skip them too.",
                size="2",
                color_scheme="gray",
            ),
            rx.cond(
                S.holidays.length() > 0,
                rx.vstack(
                    rx.foreach(
                        S.holidays,
                        lambda h: rx.hstack(
                            rx.text(h.label, size="2"),
                            rx.button(
                                "Remove",
                                size="1",
                                variant="soft",
                                color_scheme="red",
                                on_click=S.remove_holiday(h.day),
                            ),
                            justify="between",
                            align="center",
                            width="100%",
                        ),
                    ),
                    spacing="2",
                    width="100%",
                ),
                empty_note("No holidays yet."),
            ),
            form_feedback(S, "holiday"),
            rx.form(
                rx.vstack(
                    row(
                        field(
                            S,
                            "holiday",
                            "day",
                            "Day",
                            text_input("holiday", "day", type="date"),
                            min_width="9rem",
                        ),
                        field(
                            S,
                            "holiday",
                            "name",
                            "Name",
                            text_input("holiday", "name", placeholder="Christmas Eve"),
                            min_width="9rem",
                        ),
                    ),
                    submit(S, "holiday", "Add holiday", variant="soft"),
                    spacing="3",
                    width="100%",
                ),
                on_submit=S.add_holiday,
                reset_on_submit=False,
                key=S.form_round.to_string(),
            ),
            spacing="3",
            width="100%",
        )
    )


@page(
    "/admin/settings",
    "Settings",
    area="staff",
    load=[S.load_admin_settings],
    nav=Nav("Settings", "settings", 55, section="settings"),
)
def admin_settings_page() -> rx.Component:
    return admin_shell(
        "Settings",
        rx.heading("Settings", size="6", as_="h1"),
        console_body(
            S,
            rx.vstack(
                _group(
                    "organisation",
                    "Your organisation",
                    _text("name", "Name"),
                    _text("timezone", "Time zone", "e.g. Europe/Bratislava"),
                    _text("currency", "Currency", "ISO code, e.g. EUR"),
                    _text("language", "Language", "e.g. en, sk, cs, de"),
                    _text("contact_email", "Contact e-mail", kind="email"),
                    _text("contact_phone", "Contact phone"),
                    _text("website", "Website"),
                    _text("brand_color", "Brand colour", "#rrggbb"),
                ),
                _group(
                    "money",
                    "Payments and invoices",
                    _switch("online_payment_enabled", "Card payments online (Stripe)"),
                    _switch("invoicing_enabled", "Issue invoices and receipts"),
                    _text("bank_account_name", "Account holder"),
                    _text("bank_iban", "IBAN"),
                    _text("bank_bic", "BIC"),
                    _text("bank_reference_hint", "Note on the reference"),
                    _text("invoice_address", "Address on invoices"),
                ),
                _group(
                    "makeups",
                    "Make-ups",
                    _switch("makeups_enabled", "Families can book make-ups"),
                    _switch("makeup_from_cancelled", "An excuse in time earns a make-up"),
                    _switch("makeup_from_missed", "A missed session earns a make-up"),
                    _text("makeup_validity_days", "Valid for (days)", kind="number"),
                    _text("makeup_window_days", "Offered for sessions in the next (days)", kind="number"),
                    _text("makeup_min_hours_before", "Not within (hours before the start)", kind="number"),
                    _text("makeup_extra_capacity", "Extra make-up places per session", kind="number"),
                    _switch("makeup_waitlist_enabled", "Waiting list for full sessions"),
                    _text("makeup_waitlist_offer_hours", "A freed place is held for (hours)", kind="number"),
                ),
                _group(
                    "sessions",
                    "Excuses, livestreams and the register",
                    _choice(
                        "cancellation_mode",
                        "Families can excuse",
                        [
                            ("hours_before", "until some hours before"),
                            ("day_before_at", "until a time the day before"),
                        ],
                    ),
                    _text("cancellation_deadline_hours", "Hours before", kind="number"),
                    _text("cancellation_day_before_time", "Time the day before", "HH:MM, e.g. 18:00"),
                    _switch("allow_late_cancellation", "Allow late excuses (they earn nothing)"),
                    _switch("cancellation_skip_weekends", "Deadlines skip weekends and holidays"),
                    _switch("livestream_enabled", "Show livestream links of online classes"),
                    _text("attendance_edit_days", "Registers can be changed for (days after)", kind="number"),
                ),
                _holidays(),
                spacing="4",
                width="100%",
            ),
        ),
    )
