"""/admin/money (the provider's charges: unpaid, overdue, paid, cancelled; filters and a CSV export) and
/admin/families/[family_id]/money (one family's charges, discounts and orders). Owner and office only: the
services refuse everyone else, and the page then shows the refusal and nothing else. Each charge links to its own
page, /admin/charges/<id> (payments and refunds are recorded there)."""

from __future__ import annotations

import reflex as rx

from client_profile.components.admin_forms import (
    disclosure,
    field,
    form,
    form_feedback,
    hidden,
    row,
    select,
    submit,
    text_input,
)
from client_profile.components.admin_layout import action_link, admin_shell, page_heading
from client_profile.components.layout import card, empty_note, loading_or, section
from client_profile.page_registry import Nav, page
from client_profile.state.admin.money import AdminFamilyMoneyState as F
from client_profile.state.admin.money import AdminMoneyState as L

STATUS_OPTIONS = [
    ("unpaid", "Unpaid"),
    ("overdue", "Overdue"),
    ("paid", "Paid"),
    ("cancelled", "Cancelled"),
    ("", "All"),
]


def _grid(items, render) -> rx.Component:
    return rx.grid(
        rx.foreach(items, render),
        grid_template_columns="repeat(auto-fill, minmax(min(100%, 22rem), 1fr))",
        align_items="start",
        gap="0.75rem",
        width="100%",
    )


def _nowrap(text) -> rx.Component:
    """A date, reference or order number that never breaks at its hyphens or spaces on a phone."""
    return rx.el.span(text, white_space="nowrap")


def _status_badge(status) -> rx.Component:
    return rx.badge(
        status,
        variant="soft",
        color_scheme=rx.match(status, ("overdue", "red"), ("unpaid", "amber"), ("paid", "green"), "gray"),
        class_name="cp-charge-status",
    )


def _charge_summary(c, with_family: bool) -> rx.Component:
    """What a charge is: who, what, how much (with its discounts), when due, its status; links to its page."""
    return rx.vstack(
        rx.hstack(
            rx.link(
                rx.text(c.description, weight="bold"),
                href=f"/admin/charges/{c.id}",
                color=rx.color("gray", 12),
                min_width="0",
                overflow_wrap="anywhere",
            ),
            _status_badge(c.status),
            justify="between",
            align="start",
            width="100%",
            spacing="2",
        ),
        rx.hstack(
            rx.text(c.amount, weight="bold", size="4", class_name="cp-charge-amount"),
            rx.cond(
                c.full_price != "",
                rx.text(c.full_price, size="2", color_scheme="gray", text_decoration="line-through"),
            ),
            align="baseline",
            spacing="2",
            wrap="wrap",
        ),
        rx.cond(c.savings != "", rx.text(c.savings, size="1", color_scheme="green", class_name="cp-savings")),
        rx.text(
            (
                rx.fragment(rx.link(c.family, href=f"/admin/families/{c.family_id}/money"), f" · {c.who}")
                if with_family
                else c.who
            ),
            size="2",
        ),
        rx.text(
            _nowrap(rx.cond(c.due != "", f"Due {c.due}", "No due date")),
            rx.cond(c.paid_on != "", rx.fragment(" · ", _nowrap(f"paid {c.paid_on}"))),
            " · ",
            _nowrap(f"ref. {c.reference}"),
            rx.cond(c.order_number != "", rx.fragment(" · ", _nowrap(f"order {c.order_number}"))),
            size="2",
            color_scheme="gray",
        ),
        rx.cond(
            c.cancel_reason != "",
            rx.text(f"Cancelled: {c.cancel_reason}", size="2", color_scheme="gray"),
        ),
        spacing="1",
        width="100%",
    )


# ------------------------------------------------------------------------------------------------ the list


def _list_card(c) -> rx.Component:
    return card(_charge_summary(c, True), class_name="cp-charge-row")


def _filters() -> rx.Component:
    key = "filters"
    return card(
        form_feedback(L, key),
        form(
            L.filter_charges,
            row(
                field(
                    L,
                    key,
                    "status",
                    "Status",
                    select(key, "status", STATUS_OPTIONS, L.status),
                    min_width="9rem",
                ),
                field(
                    L,
                    key,
                    "q",
                    "Family",
                    text_input(key, "q", L.query, type="search", placeholder="Family name"),
                    min_width="12rem",
                ),
                field(
                    L,
                    key,
                    "due_from",
                    "Due from",
                    text_input(key, "due_from", L.due_from, type="date"),
                    min_width="9rem",
                ),
                field(
                    L,
                    key,
                    "due_to",
                    "Due to",
                    text_input(key, "due_to", L.due_to, type="date"),
                    min_width="9rem",
                ),
            ),
            rx.flex(
                submit(L, key, "Show"),
                rx.el.a(
                    rx.button(rx.icon("download", size=16), "Export CSV", variant="soft", type="button"),
                    href=L.export_url,
                    id="money-export",
                ),
                spacing="3",
                wrap="wrap",
                align="center",
            ),
            key=f"{L.form_round}-{L.status}-{L.query}-{L.due_from}-{L.due_to}",
        ),
    )


@page(
    "/admin/money",
    "Money",
    area="staff",
    load=[L.load_admin_money],
    nav=Nav("Money", "wallet", 35, section="money"),
)
def admin_money_page() -> rx.Component:
    return admin_shell(
        "Money",
        page_heading("Money", action_link("Bank statements", "/admin/money/statements", "landmark")),
        form_feedback(L, ""),
        loading_or(
            L.loaded,
            rx.cond(
                L.refused,
                rx.fragment(),
                rx.vstack(
                    _filters(),
                    rx.text(
                        rx.cond(L.count == 1, "1 charge", f"{L.count} charges"),
                        f" · unpaid among them: {L.due_total}",
                        rx.cond(L.truncated, " · the first 200 are shown (the export has all)", ""),
                        size="2",
                        color_scheme="gray",
                        id="money-summary",
                    ),
                    rx.cond(L.rows.length() > 0, _grid(L.rows, _list_card), empty_note("No charge matches.")),
                    spacing="4",
                    width="100%",
                ),
            ),
        ),
    )


# ------------------------------------------------------------------------------------------------ one family


def _family_charge(c) -> rx.Component:
    edit, cancel = f"charge-{c.id}", f"cancel-{c.id}"
    unpaid = (c.status == "unpaid") | (c.status == "overdue")
    return card(
        rx.vstack(
            _charge_summary(c, False),
            form_feedback(F, edit),
            form_feedback(F, cancel),
            rx.cond(
                unpaid,
                rx.flex(
                    disclosure(
                        "Edit",
                        form(
                            F.save_charge,
                            hidden("id", c.id),
                            hidden("version", c.version),
                            field(
                                F,
                                edit,
                                "description",
                                "Description",
                                text_input(edit, "description", c.description),
                            ),
                            field(
                                F,
                                edit,
                                "due_on",
                                "Due date",
                                text_input(edit, "due_on", c.due_iso, type="date"),
                            ),
                            submit(F, edit, "Save charge"),
                            key=f"{F.form_round}-{c.id}-{c.version}",
                        ),
                        small=True,
                        key=f"{c.id}-{c.version}",
                    ),
                    disclosure(
                        rx.cond(c.order_number != "", "Cancel order", "Cancel charge"),
                        form(
                            F.cancel_charge,
                            hidden("id", c.id),
                            hidden("version", c.version),
                            field(
                                F,
                                cancel,
                                "reason",
                                "Reason",
                                text_input(cancel, "reason", placeholder="e.g. entered twice"),
                                hint="The family no longer sees it as due.",
                            ),
                            submit(F, cancel, "Cancel it", color_scheme="red", variant="soft"),
                            key=f"{F.form_round}-{c.id}-{c.version}",
                        ),
                        small=True,
                        key=f"{c.id}-{c.version}",
                    ),
                    direction="column",
                    spacing="2",
                    width="100%",
                ),
            ),
            spacing="2",
            width="100%",
        ),
        class_name="cp-charge-row",
    )


def _choice(c) -> rx.Component:
    return rx.el.option(c.label, value=c.value)


def _new_charge() -> rx.Component:
    key = "new-charge"
    return card(
        form_feedback(F, key),
        disclosure(
            "New charge",
            form(
                F.create_charge,
                hidden("family_id", F.family_key),
                hidden("round", F.form_round),
                rx.text(
                    "The family's discounts valid today (and the attendee's own) are applied and shown on the charge.",
                    size="2",
                    color_scheme="gray",
                ),
                row(
                    field(
                        F,
                        key,
                        "kind",
                        "Kind",
                        select(key, "kind", [("one_off", "One-off fee"), ("term", "Term fee")]),
                        min_width="9rem",
                    ),
                    field(
                        F,
                        key,
                        "attendee_id",
                        "For",
                        select(
                            key,
                            "attendee_id",
                            [rx.el.option("Whole family", value=""), rx.foreach(F.attendees, _choice)],
                        ),
                    ),
                ),
                field(
                    F,
                    key,
                    "booking_id",
                    "Booking (optional)",
                    select(
                        key, "booking_id", [rx.el.option("None", value=""), rx.foreach(F.bookings, _choice)]
                    ),
                    hint="A term fee for a booking may leave the description empty.",
                ),
                field(
                    F, key, "description", "Description", text_input(key, "description", autocomplete="off")
                ),
                row(
                    field(
                        F,
                        key,
                        "amount",
                        "Full price",
                        text_input(
                            key, "amount", placeholder="120.00", input_mode="decimal", autocomplete="off"
                        ),
                        min_width="8rem",
                    ),
                    field(
                        F,
                        key,
                        "due_on",
                        "Due date",
                        text_input(key, "due_on", F.default_due_iso, type="date"),
                        min_width="9rem",
                    ),
                    field(
                        F,
                        key,
                        "vat_rate",
                        "VAT %",
                        text_input(key, "vat_rate", placeholder="default", input_mode="decimal"),
                        min_width="6rem",
                    ),
                ),
                submit(F, key, "Add charge"),
                key=f"{F.form_round}",
            ),
            key=F.form_round,
        ),
    )


def _discount_card(d) -> rx.Component:
    key = f"discount-{d.id}"
    return card(
        rx.vstack(
            rx.hstack(
                rx.text(d.name, weight="bold", min_width="0"),
                rx.badge(
                    d.state,
                    variant="soft",
                    color_scheme=rx.match(d.state, ("active", "green"), ("upcoming", "blue"), "gray"),
                ),
                justify="between",
                width="100%",
                spacing="2",
            ),
            rx.text(f"{d.value} · {d.who}", size="2"),
            rx.text(d.valid, size="2", color_scheme="gray"),
            form_feedback(F, key),
            rx.flex(
                rx.cond(
                    d.state == "active",
                    rx.button("End now", size="2", variant="soft", on_click=F.end_discount(d.id)),
                ),
                rx.button(
                    "Delete", size="2", variant="soft", color_scheme="red", on_click=F.delete_discount(d.id)
                ),
                spacing="2",
                wrap="wrap",
            ),
            spacing="1",
            width="100%",
        ),
        class_name="cp-discount-row",
    )


def _new_discount() -> rx.Component:
    key = "new-discount"
    return card(
        form_feedback(F, key),
        disclosure(
            "New discount",
            form(
                F.create_discount,
                hidden("family_id", F.family_key),
                hidden("round", F.form_round),
                row(
                    field(
                        F, key, "name", "Name", text_input(key, "name", placeholder="Sibling discount 10%")
                    ),
                    field(
                        F,
                        key,
                        "attendee_id",
                        "For",
                        select(
                            key,
                            "attendee_id",
                            [rx.el.option("Whole family", value=""), rx.foreach(F.attendees, _choice)],
                        ),
                    ),
                ),
                row(
                    field(
                        F,
                        key,
                        "kind",
                        "Kind",
                        select(key, "kind", [("percent", "Percentage"), ("amount", "Amount")]),
                        min_width="8rem",
                    ),
                    field(
                        F,
                        key,
                        "value",
                        "Value",
                        text_input(key, "value", placeholder="10 or 5.00"),
                        min_width="7rem",
                    ),
                ),
                row(
                    field(
                        F,
                        key,
                        "valid_from",
                        "Valid from",
                        text_input(key, "valid_from", type="date"),
                        min_width="9rem",
                    ),
                    field(
                        F,
                        key,
                        "valid_until",
                        "Valid until (included)",
                        text_input(key, "valid_until", type="date", min=F.today_iso),
                        min_width="9rem",
                    ),
                ),
                rx.text("Empty dates: from now, with no end.", size="1", color_scheme="gray"),
                submit(F, key, "Add discount"),
                key=f"{F.form_round}",
            ),
            key=F.form_round,
        ),
    )


def _order_line(key: str, n: int) -> rx.Component:
    p = f"item{n}_"
    return rx.vstack(
        rx.text(f"Item {n}", size="2", weight="medium"),
        row(
            field(
                F,
                key,
                p + "kind",
                "Kind",
                select(
                    key,
                    p + "kind",
                    [("product", "Product"), ("entry_pass", "Entry pass"), ("service", "Service")],
                ),
                min_width="8rem",
            ),
            field(
                F,
                key,
                p + "description",
                "Description",
                text_input(key, p + "description", autocomplete="off"),
            ),
        ),
        row(
            field(
                F,
                key,
                p + "quantity",
                "Quantity",
                text_input(key, p + "quantity", "1", input_mode="numeric"),
                min_width="5rem",
            ),
            field(
                F,
                key,
                p + "price",
                "Unit price",
                text_input(key, p + "price", placeholder="8.00", input_mode="decimal"),
                min_width="6rem",
            ),
            field(
                F,
                key,
                p + "entries",
                "Entries (a pass)",
                text_input(key, p + "entries", input_mode="numeric"),
                min_width="6rem",
            ),
            field(
                F,
                key,
                p + "valid_until",
                "Pass valid until",
                text_input(key, p + "valid_until", type="date", min=F.today_iso),
                min_width="9rem",
            ),
        ),
        spacing="2",
        width="100%",
    )


def _new_order() -> rx.Component:
    key = "new-order"
    return card(
        form_feedback(F, key),
        disclosure(
            "New order",
            form(
                F.create_order,
                hidden("family_id", F.family_key),
                hidden("round", F.form_round),
                rx.text(
                    "Products, entry passes and services; the order's charge is its total (no discounts). "
                    "Leave an item's description empty to skip it.",
                    size="2",
                    color_scheme="gray",
                ),
                _order_line(key, 1),
                _order_line(key, 2),
                _order_line(key, 3),
                field(
                    F,
                    key,
                    "due_on",
                    "Due date",
                    text_input(key, "due_on", F.default_due_iso, type="date"),
                    min_width="9rem",
                ),
                submit(F, key, "Create order"),
                key=f"{F.form_round}",
            ),
            key=F.form_round,
        ),
    )


def _family_money() -> rx.Component:
    return rx.vstack(
        page_heading(
            f"{F.family_name}: money",
            action_link(
                "Credit", f"/admin/families/{F.family_key}/credit", "piggy-bank", id="family-credit-link"
            ),
        ),
        rx.text(f"Unpaid: {F.due_total}", size="3", id="family-due"),
        form_feedback(F, ""),
        section(
            "Charges",
            _new_charge(),
            rx.cond(F.charges.length() > 0, _grid(F.charges, _family_charge), empty_note("No charges yet.")),
        ),
        section(
            "Discounts",
            _new_discount(),
            rx.cond(
                F.discounts.length() > 0, _grid(F.discounts, _discount_card), empty_note("No discounts.")
            ),
        ),
        section("Orders", _new_order()),
        spacing="5",
        width="100%",
    )


@page("/admin/families/[family_id]/money", "Family money", area="staff", load=[F.load_family_money])
def admin_family_money_page() -> rx.Component:
    return admin_shell(
        "Money",
        rx.link(
            rx.hstack(rx.icon("chevron-left", size=16), rx.text("Family"), spacing="1", align="center"),
            href=rx.cond(F.family_key != 0, f"/admin/families/{F.family_key}", "/admin/families"),
            size="2",
        ),
        loading_or(
            F.loaded,
            rx.cond(
                F.not_found,
                rx.vstack(
                    rx.heading("Family not found", size="6", as_="h1"),
                    form_feedback(F, ""),
                    empty_note("This family does not exist or is not one of yours."),
                    spacing="3",
                ),
                rx.cond(F.family_key == 0, form_feedback(F, ""), _family_money()),
            ),
        ),
    )
