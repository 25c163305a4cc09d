"""/admin/charges/[charge_id] (one charge: its payments, refunds and documents; record money received; refund) and
/admin/families/[family_id]/credit (a family's prepaid credit: balance, ledger, top-up, correction). Owner and
office (Capability.money). Thin over services/money/console_payments.py, which checks every right and every id.
"""

from __future__ import annotations

import reflex as rx

from client_profile import clock
from client_profile import formatting as fmt
from client_profile.services.errors import DomainError, NotFound
from client_profile.services.money import console_payments as cp
from client_profile.services.people.access import Capability, parse_id, require_staff
from client_profile.state.admin.base import AdminPage
from client_profile.state.base import Ctx

RECEIVED_METHODS = cp.RECEIVED_METHODS  # (value, label) for the pages' selects
PAYMENT_FORM = ("method", "received_on")
REFUND_FORM = ("amount", "reason")
TOP_UP_FORM = ("amount", "method", "received_on")


def _form(form_data: object) -> dict:
    return form_data if isinstance(form_data, dict) else {}


def _once(state: AdminPage, ctx: Ctx, form: dict) -> None:
    """A form that moves money carries the `form_round` it was drawn in (hidden "round"). A success moves the
    round on, and a tab's events run one after another, so a double click (the same form sent twice) is refused
    instead of refunding or topping up twice. Two clerks in two tabs each record their own money."""
    require_staff(ctx.principal, Capability.money)  # a role without the right hears that first
    if form.get("round") != str(state.form_round):
        raise DomainError(
            "This form was sent already (or is out of date); nothing more was done. Check the page."
        )


def _route_id(path: str, prefix: str, suffix: str = "") -> int | None:
    path = (path or "").rstrip("/")
    if not path.startswith(prefix) or not path.endswith(suffix):
        return None
    return parse_id(path[len(prefix) : len(path) - len(suffix)])


class AdminChargeState(AdminPage, rx.State):
    charge_key: int = 0  # the charge shown (0: none); not `charge_id`, the route's own variable
    not_found: bool = False
    family_key: int = 0
    family_name: str = ""
    attendee: str = ""
    description: str = ""
    amount: str = ""
    full_price: str = ""
    savings: list[str] = []  # "Sibling discount 10 %: -EUR 12.00"
    due: str = ""
    status: str = ""
    reference: str = ""
    paid_on: str = ""
    refunded_total: str = ""
    charge_payments: list[cp.PaymentRow] = []
    charge_refunds: list[cp.RefundRow] = []
    documents: list[cp.DocumentRow] = []
    today_iso: str = ""

    def _load(self, ctx: Ctx) -> None:
        charge_id = _route_id(self.router.url.path, "/admin/charges/")
        require_staff(ctx.principal, Capability.money)
        try:
            if charge_id is None:
                raise NotFound("charge")
            d = cp.charge_detail(ctx.db, ctx.principal, charge_id)
        except NotFound:
            self._show_missing()
            return
        self.not_found = False
        self.charge_key, self.family_key, self.family_name = d.id, d.family_id, d.family_name
        self.attendee, self.description, self.amount, self.full_price = (
            d.attendee,
            d.description,
            d.amount,
            d.full_price,
        )
        self.savings = [f"{label}: {value}" for label, value in d.savings]
        self.due, self.status, self.reference, self.paid_on = d.due, d.status, d.reference, d.paid_on
        self.refunded_total = d.refunded_total
        self.charge_payments, self.charge_refunds, self.documents = d.payments, d.refunds, d.documents
        self.today_iso = fmt.local(clock.utcnow(), ctx.provider.timezone).date().isoformat()

    def _show_missing(self) -> None:
        self.not_found, self.charge_key, self.family_key = True, 0, 0
        self.family_name = self.attendee = self.description = self.amount = self.full_price = ""
        self.due = self.status = self.reference = self.paid_on = self.refunded_total = ""
        self.savings, self.charge_payments, self.charge_refunds, self.documents = [], [], [], []

    @rx.event
    def load_admin_charge(self):
        self.message = self.error = ""
        return self._open()

    @rx.event
    def record_payment(self, form_data: dict):
        form = _form(form_data)
        return self._submit(
            "record",
            lambda ctx: cp.record_payment(
                ctx.db,
                ctx.principal,
                parse_id(form.get("charge_id")),
                form.get("method"),
                form.get("received_on"),
            ),
            done=lambda done: (
                f"{done.method} payment of {done.amount} recorded"
                + (f"; issued {', '.join(done.documents)}." if done.documents else ".")
            ),
            immediate=True,
            shown=PAYMENT_FORM,
        )

    @rx.event
    def refund_payment(self, form_data: dict):
        form = _form(form_data)
        payment_id = parse_id(form.get("payment_id"))

        def act(ctx: Ctx):
            _once(self, ctx, form)
            # The service opens its own transactions (a card refund calls Stripe between two of them); this
            # unit of work only read the login: end it so the reload sees what the refund committed.
            ctx.db.rollback()
            done = cp.refund_payment(ctx.principal, payment_id, form.get("amount"), form.get("reason"))
            ctx.db.rollback()
            return done

        return self._submit(
            f"refund-{payment_id}" if payment_id is not None else "",
            act,
            done=lambda done: (
                f"Refunded {done.amount}"
                + (" to the card through Stripe" if done.online else "")
                + (f"; credit note {done.credit_note}." if done.credit_note else ".")
                + (" The charge is refunded in full." if done.fully_refunded else "")
            ),
            shown=REFUND_FORM,
        )

    @rx.event
    def resend_refund(self, refund_id: int):
        rid = parse_id(refund_id)

        def act(ctx: Ctx):
            ctx.db.rollback()  # as refund_payment: the service opens its own transactions
            done = cp.resend_refund(ctx.principal, rid)
            ctx.db.rollback()
            return done

        return self._submit(
            f"resend-{rid}" if rid is not None else "",
            act,
            done=lambda done: (
                f"The refund of {done.amount} is done"
                + (f"; credit note {done.credit_note}." if done.credit_note else ".")
            ),
            shown=(),
        )


class AdminCreditState(AdminPage, rx.State):
    family_key: int = 0
    family_name: str = ""
    not_found: bool = False
    balance: str = ""
    ledger: list[cp.CreditRow] = []
    today_iso: str = ""

    def _load(self, ctx: Ctx) -> None:
        family_id = _route_id(self.router.url.path, "/admin/families/", "/credit")
        require_staff(ctx.principal, Capability.money)
        try:
            if family_id is None:
                raise NotFound("family")
            view = cp.credit_view(ctx.db, ctx.principal, family_id)
        except NotFound:
            self.not_found, self.family_key, self.family_name, self.balance, self.ledger = True, 0, "", "", []
            return
        self.not_found = False
        self.family_key, self.family_name, self.balance, self.ledger = (
            view.family_id,
            view.family_name,
            view.balance,
            view.ledger,
        )
        self.today_iso = fmt.local(clock.utcnow(), ctx.provider.timezone).date().isoformat()

    @rx.event
    def load_admin_credit(self):
        self.message = self.error = ""
        return self._open()

    @rx.event
    def top_up_credit(self, form_data: dict):
        form = _form(form_data)

        def act(ctx: Ctx):
            _once(self, ctx, form)
            return cp.top_up_credit(
                ctx.db,
                ctx.principal,
                parse_id(form.get("family_id")),
                form.get("amount"),
                form.get("method"),
                form.get("received_on"),
            )

        return self._submit(
            "top-up",
            act,
            done=lambda done: (
                f"{done.amount} added to the credit ({done.method})"
                + (f"; receipt {', '.join(done.documents)}." if done.documents else ".")
            ),
            immediate=True,
            shown=TOP_UP_FORM,
        )

    @rx.event
    def adjust_credit(self, form_data: dict):
        form = _form(form_data)

        def act(ctx: Ctx):
            _once(self, ctx, form)
            return cp.adjust_credit(
                ctx.db, ctx.principal, parse_id(form.get("family_id")), form.get("amount"), form.get("reason")
            )

        return self._submit(
            "adjust",
            act,
            done=lambda entry: (
                f"The credit was corrected by {fmt.money(entry.amount_minor, entry.currency)}."
            ),
            immediate=True,
            shown=REFUND_FORM,
        )
