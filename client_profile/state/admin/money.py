"""/admin/money (the provider's charges: unpaid, overdue, paid, cancelled, with filters and the CSV export link) and
/admin/families/[family_id]/money (one family's charges, discounts and orders: create a fee, correct or cancel an
unpaid one, create / end / delete a discount, create an order). Owner and office (Capability.money); thin over
services/money/charges.py, which checks every right and every id itself.

A row's form sends the charge's id and the version it was opened with; a create form sends the `form_round` it was
drawn at ("round"): a second submit of the same form (a double click) is refused instead of making a second fee.
"""

from __future__ import annotations

from urllib.parse import urlencode

import reflex as rx

from client_profile import formatting as fmt
from client_profile.services.errors import DomainError, NotFound
from client_profile.services.money import charges as money
from client_profile.services.people.access import Capability, parse_id, require_staff
from client_profile.state.admin.base import AdminPage
from client_profile.state.base import Ctx

CHARGE_FORM = ("kind", "attendee_id", "booking_id", "description", "amount", "due_on", "vat_rate")
EDIT_FORM = ("description", "due_on")
CANCEL_FORM = ("reason",)
DISCOUNT_FORM = ("attendee_id", "name", "kind", "value", "valid_from", "valid_until")
ORDER_LINES = 3  # item rows the order form shows
ORDER_FORM = ("due_on",) + tuple(
    f"item{n}_{name}"
    for n in range(1, ORDER_LINES + 1)
    for name in ("kind", "description", "quantity", "price", "entries", "valid_until")
)
FILTER_FORM = ("status", "q", "due_from", "due_to")


def _form(form_data: object) -> dict:
    return form_data if isinstance(form_data, dict) else {}


def _version(value: object) -> object:
    """A form's version field as an int (the services refuse anything else as a stale edit)."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 12:
        return int(value)
    return value


def _id_key(prefix: str, value: object) -> str:
    parsed = parse_id(value)
    return f"{prefix}-{parsed}" if parsed is not None else ""


# ------------------------------------------------------------------------------------------------ the list


class AdminMoneyState(AdminPage, rx.State):
    status: str = "unpaid"
    query: str = ""
    due_from: str = ""
    due_to: str = ""
    rows: list[money.ChargeRow] = []
    count: int = 0
    due_total: str = ""
    truncated: bool = False
    export_url: str = money.EXPORT_PATH

    def _load(self, ctx: Ctx) -> None:
        filters = money.parse_filters(self.status, self.query, self.due_from, self.due_to)
        found = money.list_charges(ctx.db, ctx.principal, filters)
        self.rows, self.count, self.due_total, self.truncated = (
            found.rows,
            found.count,
            found.due_total,
            found.truncated,
        )
        wanted = {"status": self.status, "q": self.query, "due_from": self.due_from, "due_to": self.due_to}
        query = urlencode({k: v for k, v in wanted.items() if v})
        self.export_url = money.EXPORT_PATH + (f"?{query}" if query else "")

    @rx.event
    def load_admin_money(self):
        self.message = self.error = ""
        return self._open()

    @rx.event
    def filter_charges(self, form_data: dict):
        form = _form(form_data)

        def act(ctx: Ctx) -> None:
            require_staff(ctx.principal, Capability.money)
            filters = money.parse_filters(
                form.get("status", ""), form.get("q", ""), form.get("due_from", ""), form.get("due_to", "")
            )
            self.status, self.query = filters.status, filters.query
            self.due_from = filters.due_from.isoformat() if filters.due_from else ""
            self.due_to = filters.due_to.isoformat() if filters.due_to else ""

        return self._submit("filters", act, shown=FILTER_FORM)


# ------------------------------------------------------------------------------------------------ one family


class AdminFamilyMoneyState(AdminPage, rx.State):
    family_key: int = 0  # not `family_id`: the route's own variable
    family_name: str = ""
    charges: list[money.ChargeRow] = []
    discounts: list[money.DiscountRow] = []
    attendees: list[money.Choice] = []
    bookings: list[money.Choice] = []
    due_total: str = ""
    today_iso: str = ""
    default_due_iso: str = ""
    not_found: bool = False

    def _load(self, ctx: Ctx) -> None:
        family_id = self._family_page_id("money")
        try:
            if family_id is None:
                require_staff(ctx.principal, Capability.money)
                raise NotFound("family")
            view = money.family_money(ctx.db, ctx.principal, family_id)
        except NotFound:
            self._show_missing()
            return
        self.not_found = False
        self.family_key, self.family_name = view.id, view.name
        self.charges, self.discounts = view.charges, view.discounts
        self.attendees, self.bookings = view.attendees, view.bookings
        self.due_total, self.today_iso, self.default_due_iso = (
            view.due_total,
            view.today_iso,
            view.default_due_iso,
        )

    def _show_missing(self) -> None:
        self.not_found = True
        self.family_key, self.family_name = 0, ""
        self.charges, self.discounts, self.attendees, self.bookings = [], [], [], []
        self.due_total = ""

    def _fresh(self, form: dict) -> None:
        """A create form sent a second time (a double click) is refused: it carries the round it was drawn at."""
        sent = form.get("round")
        if sent is not None and str(sent) != str(self.form_round):
            raise DomainError("This form was already sent; see the list below before sending it again.")

    @rx.event
    def load_family_money(self):
        self.message = self.error = ""
        return self._open()

    @rx.event
    def create_charge(self, form_data: dict):
        form = _form(form_data)

        def act(ctx: Ctx):
            self._fresh(form)
            return money.create_charge(
                ctx.db,
                ctx.principal,
                parse_id(form.get("family_id")),
                kind=form.get("kind", "one_off"),
                attendee_id=form.get("attendee_id", ""),
                booking_id=form.get("booking_id", ""),
                description=form.get("description", ""),
                amount=form.get("amount", ""),
                due_on=form.get("due_on", ""),
                vat_rate=form.get("vat_rate", ""),
            )

        return self._submit(
            "new-charge",
            act,
            done=lambda charge: (
                f"Added {charge.description}: {fmt.money(charge.amount_minor, charge.currency)} is due."
            ),
            immediate=True,
            shown=CHARGE_FORM,
        )

    @rx.event
    def save_charge(self, form_data: dict):
        form = _form(form_data)
        return self._submit(
            _id_key("charge", form.get("id")),
            lambda ctx: money.update_charge(
                ctx.db,
                ctx.principal,
                parse_id(form.get("id")),
                _version(form.get("version")),
                description=form.get("description", ""),
                due_on=form.get("due_on", ""),
            ),
            done=lambda charge: f"Saved {charge.description}.",
            immediate=True,
            shown=EDIT_FORM,
        )

    @rx.event
    def cancel_charge(self, form_data: dict):
        form = _form(form_data)
        return self._submit(
            _id_key("cancel", form.get("id")),
            lambda ctx: money.cancel_charge(
                ctx.db,
                ctx.principal,
                parse_id(form.get("id")),
                _version(form.get("version")),
                form.get("reason", ""),
            ),
            done=lambda charge: f"Cancelled {charge.description}.",
            immediate=True,
            shown=CANCEL_FORM,
        )

    @rx.event
    def create_discount(self, form_data: dict):
        form = _form(form_data)

        def act(ctx: Ctx):
            self._fresh(form)
            return money.create_discount(
                ctx.db,
                ctx.principal,
                parse_id(form.get("family_id")),
                attendee_id=form.get("attendee_id", ""),
                name=form.get("name", ""),
                kind=form.get("kind", "percent"),
                value=form.get("value", ""),
                valid_from=form.get("valid_from", ""),
                valid_until=form.get("valid_until", ""),
            )

        return self._submit(
            "new-discount",
            act,
            done=lambda d: f"Added the discount {d.name}: new fees get it while it is valid.",
            immediate=True,
            shown=DISCOUNT_FORM,
        )

    @rx.event
    def end_discount(self, discount_id: int):
        return self._submit(
            _id_key("discount", discount_id),
            lambda ctx: money.end_discount(ctx.db, ctx.principal, parse_id(discount_id)),
            done=lambda d: f"Ended {d.name}: new fees no longer get it.",
            immediate=True,
            shown=(),
        )

    @rx.event
    def delete_discount(self, discount_id: int):
        return self._submit(
            _id_key("discount", discount_id),
            lambda ctx: money.delete_discount(ctx.db, ctx.principal, parse_id(discount_id)),
            done=lambda d: f"Deleted {d.name}; the fees that got it keep their saving.",
            immediate=True,
            shown=(),
        )

    @rx.event
    def create_order(self, form_data: dict):
        form = _form(form_data)
        lines = [
            {
                name: form.get(f"item{n}_{name}", "")
                for name in ("kind", "description", "quantity", "price", "entries", "valid_until")
            }
            for n in range(1, ORDER_LINES + 1)
        ]

        def act(ctx: Ctx):
            self._fresh(form)
            return money.create_order(
                ctx.db, ctx.principal, parse_id(form.get("family_id")), lines, due_on=form.get("due_on", "")
            )

        return self._submit(
            "new-order",
            act,
            done=lambda order: f"Order {order.number} is on the family's payments.",
            immediate=True,
            shown=ORDER_FORM,
        )
