"""/admin/families/[family_id]/benefits: one family's entry passes and make-up credits, with their histories;
create a pass, add bonus entries, extend a pass; grant, withdraw and extend make-up credits. Owner and office
(Capability.money): the service refuses everyone else, and the page then shows only the refusal."""

from __future__ import annotations

import reflex as rx

from client_profile.components.admin_forms import (
    check,
    disclosure,
    field,
    field_message,
    form,
    form_feedback,
    hidden,
    row,
    select,
    submit,
    text_input,
)
from client_profile.components.admin_layout import admin_shell
from client_profile.components.layout import card, empty_note, loading_or, section
from client_profile.page_registry import page
from client_profile.state.admin.benefits import AdminBenefitsState as S

STATUS_COLORS = {
    "available": "green",
    "active": "green",
    "used": "gray",
    "used up": "gray",
    "expired": "red",
    "withdrawn": "gray",
}


def _badge(status) -> rx.Component:
    return rx.badge(
        status, color_scheme=rx.match(status, *list(STATUS_COLORS.items()), "gray"), variant="soft"
    )


def _grid(items, render) -> rx.Component:
    """Cards side by side as the width allows (one column on a phone)."""
    return rx.grid(
        rx.foreach(items, render),
        grid_template_columns="repeat(auto-fill, minmax(min(100%, 24rem), 1fr))",
        align_items="start",
        gap="0.75rem",
        width="100%",
    )


def _history(events) -> rx.Component:
    return rx.cond(
        events.length() > 0,
        disclosure(
            "History",
            rx.vstack(
                rx.foreach(
                    events,
                    lambda e: rx.vstack(
                        rx.text(e.text, size="2"),
                        rx.text(e.when, rx.cond(e.by != "", f" · {e.by}", ""), size="1", color_scheme="gray"),
                        spacing="0",
                        width="100%",
                    ),
                ),
                spacing="2",
                width="100%",
            ),
            small=True,
            icon="history",
        ),
    )


def _option(c) -> rx.Component:
    return rx.el.option(c.label, value=c.id)


# ------------------------------------------------------------------------------------------------ passes


def _pass_card(p) -> rx.Component:
    bonus, extend = f"bonus-{p.id}", f"extend-pass-{p.id}"
    return card(
        rx.vstack(
            rx.hstack(
                rx.text(p.name, weight="bold", min_width="0"),
                _badge(p.status),
                justify="between",
                align="center",
                width="100%",
                spacing="2",
            ),
            rx.hstack(
                rx.heading(p.left, size="6"),
                rx.text("of ", p.total, " entries left · ", p.used, " used", size="2", color_scheme="gray"),
                align="baseline",
                spacing="2",
                wrap="wrap",
            ),
            rx.text(p.holder, " · valid ", p.validity, size="2"),
            rx.text("Accepted in: ", p.accepts, size="2", color_scheme="gray"),
            form_feedback(S, bonus),
            form_feedback(S, extend),
            disclosure(
                "Add bonus entries",
                form(
                    S.add_bonus_entries,
                    hidden("id", p.id),
                    hidden("version", p.version),
                    row(
                        field(
                            S,
                            bonus,
                            "count",
                            "Entries",
                            text_input(bonus, "count", "1", type="number", min=1, max=500),
                            min_width="6rem",
                        ),
                        field(
                            S,
                            bonus,
                            "reason",
                            "Reason (the family sees it)",
                            text_input(bonus, "reason", autocomplete="off", max_length=200),
                        ),
                    ),
                    submit(S, bonus, "Add entries"),
                    key=f"{S.form_round}-{p.id}-{p.version}",
                ),
                small=True,
                icon="plus",
            ),
            disclosure(
                "Extend expiry",
                form(
                    S.extend_entry_pass,
                    hidden("id", p.id),
                    hidden("version", p.version),
                    row(
                        field(
                            S,
                            extend,
                            "until",
                            "Valid until",
                            text_input(extend, "until", p.expires_iso, type="date", min=S.today_iso),
                        )
                    ),
                    submit(S, extend, "Extend"),
                    key=f"{S.form_round}-{p.id}-{p.version}",
                ),
                small=True,
                icon="calendar-clock",
            ),
            _history(p.history),
            spacing="2",
            width="100%",
        ),
        class_name="cp-pass-row",
    )


def _class_box(c) -> rx.Component:
    return check("new-pass", f"class-{c.id}", c.label)


def _new_pass() -> rx.Component:
    key = "new-pass"
    return card(
        form_feedback(S, key),
        disclosure(
            "New entry pass",
            form(
                S.create_entry_pass,
                hidden("family_id", S.family_key),
                hidden("seen", S.last_event),
                row(
                    field(
                        S, key, "name", "Name", text_input(key, "name", autocomplete="off", max_length=200)
                    ),
                    field(
                        S,
                        key,
                        "entries",
                        "Entries",
                        text_input(key, "entries", "10", type="number", min=1, max=500),
                        min_width="6rem",
                    ),
                ),
                row(
                    field(
                        S,
                        key,
                        "valid_from",
                        "Valid from",
                        text_input(key, "valid_from", S.today_iso, type="date"),
                    ),
                    field(
                        S,
                        key,
                        "valid_until",
                        "Valid until",
                        text_input(key, "valid_until", type="date", min=S.today_iso),
                    ),
                ),
                row(
                    field(
                        S,
                        key,
                        "attendee_id",
                        "For",
                        select(
                            key,
                            "attendee_id",
                            [
                                rx.el.option("The whole family", value=""),
                                rx.foreach(S.attendee_choices, _option),
                            ],
                        ),
                    ),
                    field(
                        S,
                        key,
                        "accepts",
                        "Accepted in",
                        select(
                            key,
                            "accepts",
                            [
                                ("any", "Any class"),
                                ("programme", "The classes of one programme"),
                                ("classes", "The classes ticked below"),
                            ],
                        ),
                    ),
                ),
                field(
                    S,
                    key,
                    "programme_id",
                    "Programme (when accepted in one programme)",
                    select(
                        key,
                        "programme_id",
                        [
                            rx.el.option("Choose a programme", value=""),
                            rx.foreach(S.programme_choices, _option),
                        ],
                    ),
                ),
                rx.el.fieldset(
                    rx.el.legend("Classes (when accepted in the ticked classes)", font_size="0.85rem"),
                    rx.flex(
                        rx.foreach(S.class_choices, _class_box),
                        direction="column",
                        spacing="1",
                        max_height="12rem",
                        overflow_y="auto",
                    ),
                    field_message(S, key, "class_ids"),
                    border=f"1px solid {rx.color('gray', 5)}",
                    border_radius="var(--radius-2)",
                    padding="0.5rem 0.75rem",
                    width="100%",
                ),
                submit(S, key, "Add pass"),
                key=f"{S.form_round}-{S.last_event}",
            ),
            icon="ticket",
        ),
    )


# ------------------------------------------------------------------------------------------------ credits


def _credit_card(c) -> rx.Component:
    withdraw, extend = f"withdraw-{c.id}", f"extend-credit-{c.id}"
    return card(
        rx.vstack(
            rx.hstack(
                rx.text(c.attendee, weight="bold"),
                _badge(c.status),
                justify="between",
                align="center",
                width="100%",
            ),
            rx.text(c.booking, size="2"),
            rx.text(c.origin, size="2", color_scheme="gray"),
            rx.text("Book by ", c.book_by, size="2"),
            rx.cond(c.detail != "", rx.text(c.detail, size="2", color_scheme="gray")),
            form_feedback(S, withdraw),
            form_feedback(S, extend),
            rx.cond(
                c.can_extend,
                disclosure(
                    "Extend book-by date",
                    form(
                        S.extend_makeup,
                        hidden("id", c.id),
                        hidden("version", c.version),
                        row(
                            field(
                                S,
                                extend,
                                "book_by",
                                "Book by",
                                text_input(extend, "book_by", c.book_by_iso, type="date", min=S.today_iso),
                            )
                        ),
                        submit(S, extend, "Extend"),
                        key=f"{S.form_round}-{c.id}-{c.version}",
                    ),
                    small=True,
                    icon="calendar-clock",
                ),
            ),
            rx.cond(
                c.can_withdraw,
                disclosure(
                    "Withdraw",
                    form(
                        S.withdraw_makeup,
                        hidden("id", c.id),
                        hidden("version", c.version),
                        row(
                            field(
                                S,
                                withdraw,
                                "reason",
                                "Reason (the family sees it)",
                                text_input(withdraw, "reason", autocomplete="off", max_length=200),
                            )
                        ),
                        submit(S, withdraw, "Withdraw credit", color_scheme="red"),
                        key=f"{S.form_round}-{c.id}-{c.version}",
                    ),
                    small=True,
                    icon="circle-x",
                ),
            ),
            _history(c.history),
            spacing="2",
            width="100%",
        ),
        class_name="cp-credit-row",
    )


def _grant() -> rx.Component:
    key = "grant"
    return card(
        form_feedback(S, key),
        disclosure(
            "Grant a make-up credit",
            form(
                S.grant_makeup,
                hidden("seen", S.last_event),
                row(
                    field(
                        S,
                        key,
                        "booking_id",
                        "For the booking",
                        select(
                            key,
                            "booking_id",
                            [
                                rx.el.option("Choose a booking", value=""),
                                rx.foreach(S.booking_choices, _option),
                            ],
                        ),
                    ),
                    field(
                        S,
                        key,
                        "book_by",
                        "Book by",
                        text_input(key, "book_by", type="date", min=S.today_iso),
                        min_width="9rem",
                    ),
                ),
                field(
                    S,
                    key,
                    "reason",
                    "Reason (the family sees it)",
                    text_input(key, "reason", autocomplete="off", max_length=200),
                ),
                submit(S, key, "Grant credit"),
                key=f"{S.form_round}-{S.last_event}",
            ),
            icon="gift",
        ),
    )


# ------------------------------------------------------------------------------------------------ the page


def _benefits() -> rx.Component:
    return rx.vstack(
        rx.heading("Benefits · ", S.family_name, size="6", as_="h1"),
        form_feedback(S, ""),
        section(
            "Entry passes",
            _new_pass(),
            rx.cond(S.passes.length() > 0, _grid(S.passes, _pass_card), empty_note("No entry passes.")),
        ),
        section(
            "Make-up credits",
            rx.cond(
                S.booking_choices.length() > 0,
                _grant(),
                empty_note("Enrol an attendee to grant a make-up credit."),
            ),
            rx.cond(
                S.credits.length() > 0, _grid(S.credits, _credit_card), empty_note("No make-up credits.")
            ),
        ),
        spacing="5",
        width="100%",
    )


@page("/admin/families/[family_id]/benefits", "Benefits", area="staff", load=[S.load_admin_benefits])
def admin_benefits_page() -> rx.Component:
    return admin_shell(
        "Families",
        rx.link(
            rx.hstack(rx.icon("chevron-left", size=16), rx.text("The family"), spacing="1", align="center"),
            href=rx.cond(S.family_key > 0, f"/admin/families/{S.family_key}", "/admin/families"),
            size="2",
        ),
        loading_or(
            S.loaded,
            rx.cond(
                S.not_found,
                rx.vstack(
                    rx.heading("Family not found", size="6", as_="h1"),
                    form_feedback(S, ""),
                    empty_note("This family does not exist or is not one of yours."),
                    spacing="3",
                ),
                rx.cond(S.family_key == 0, form_feedback(S, ""), _benefits()),
            ),
        ),
    )
