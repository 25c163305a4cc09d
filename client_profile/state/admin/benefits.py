"""/admin/families/[family_id]/benefits (owner and office: Capability.money): a family's entry passes (create,
bonus entries, extend) and make-up credits (grant, withdraw, extend), each with its history. Thin over
services/money/console_benefits.py, which checks every right and every id itself.

Forms of an existing pass or credit send its id and the version they were opened with (hidden fields) and are
keyed on that version and on `form_round`, so a stale form is refused and drawn afresh (AdminPage `_submit`).
"""

from __future__ import annotations

import reflex as rx

from client_profile.services.errors import NotFound
from client_profile.services.money import console_benefits as cb
from client_profile.services.people.access import Capability, parse_id, require_staff
from client_profile.state.admin.base import AdminPage
from client_profile.state.admin.families import _form, _id_key, _version
from client_profile.state.base import Ctx

# The fields each form shows (a refusal naming another field stays at the page top).
NEW_PASS_FORM = (
    "name",
    "entries",
    "valid_from",
    "valid_until",
    "attendee_id",
    "accepts",
    "programme_id",
    "class_ids",
)
BONUS_FORM = ("count", "reason")
EXTEND_PASS_FORM = ("until",)
GRANT_FORM = ("booking_id", "book_by", "reason")
WITHDRAW_FORM = ("reason",)
EXTEND_CREDIT_FORM = ("book_by",)
CLASS_BOX = "class-"  # the create form's class checkboxes are named "class-<id>"


def _class_ids(form: dict) -> list[object]:
    """The ticked class checkboxes of the create form (their ids as sent: the service checks each)."""
    ticked = [
        name[len(CLASS_BOX) :] for name, value in form.items() if str(name).startswith(CLASS_BOX) and value
    ]
    return [parse_id(value) or value for value in ticked]


class AdminBenefitsState(AdminPage, rx.State):
    family_key: int = 0  # the family shown (0: none); not `family_id`, the route's own variable
    family_name: str = ""
    passes: list[cb.PassItem] = []
    credits: list[cb.CreditItem] = []
    attendee_choices: list[cb.Choice] = []
    booking_choices: list[cb.Choice] = []
    programme_choices: list[cb.Choice] = []
    class_choices: list[cb.Choice] = []
    today_iso: str = ""
    # The family's newest benefit change: the create and grant forms send it back ("seen").
    last_event: int = 0
    not_found: bool = False

    def _load(self, ctx: Ctx) -> None:
        family_id = self._family_page_id("benefits")
        try:
            if family_id is None:
                require_staff(ctx.principal, Capability.money)
                raise NotFound("family")
            view = cb.family_benefits(ctx.db, ctx.principal, family_id)
        except NotFound:
            self._show_missing()
            return
        self.not_found = False
        self.family_key, self.family_name = view.family_id, view.family_name
        self.passes, self.credits = view.passes, view.credits
        self.attendee_choices, self.booking_choices = view.attendees, view.bookings
        self.programme_choices, self.class_choices = view.programmes, view.classes
        self.today_iso, self.last_event = view.today_iso, view.last_event

    def _show_missing(self) -> None:
        self.not_found = True
        self.family_key, self.family_name, self.today_iso, self.last_event = 0, "", "", 0
        self.passes, self.credits = [], []
        self.attendee_choices, self.booking_choices, self.programme_choices, self.class_choices = (
            [],
            [],
            [],
            [],
        )

    @rx.event
    def load_admin_benefits(self):
        self.message = self.error = ""
        return self._open()

    # -- entry passes

    @rx.event
    def create_entry_pass(self, form_data: dict):
        form = _form(form_data)
        return self._submit(
            "new-pass",
            lambda ctx: cb.create_pass(
                ctx.db,
                ctx.principal,
                parse_id(form.get("family_id")),
                name=form.get("name"),
                entries=form.get("entries"),
                valid_from=form.get("valid_from", ""),
                valid_until=form.get("valid_until"),
                attendee_id=parse_id(form.get("attendee_id")) or form.get("attendee_id") or None,
                accepts=form.get("accepts", "any"),
                programme_id=parse_id(form.get("programme_id")),
                class_ids=_class_ids(form),
                seen=_version(form.get("seen")),
            ),
            done=lambda p: f"Added the pass {p.name} ({p.entries_total} entries).",
            shown=NEW_PASS_FORM,
            immediate=True,
        )

    @rx.event
    def add_bonus_entries(self, form_data: dict):
        form = _form(form_data)
        return self._submit(
            _id_key("bonus", form.get("id")),
            lambda ctx: cb.add_bonus_entries(
                ctx.db,
                ctx.principal,
                parse_id(form.get("id")),
                _version(form.get("version")),
                count=form.get("count"),
                reason=form.get("reason"),
            ),
            done=lambda p: f"{p.name} now has {p.entries_total} entries in all.",
            shown=BONUS_FORM,
        )

    @rx.event
    def extend_entry_pass(self, form_data: dict):
        form = _form(form_data)
        return self._submit(
            _id_key("extend-pass", form.get("id")),
            lambda ctx: cb.extend_pass(
                ctx.db,
                ctx.principal,
                parse_id(form.get("id")),
                _version(form.get("version")),
                until=form.get("until"),
            ),
            done=lambda p: f"{p.name} is now valid for longer.",
            shown=EXTEND_PASS_FORM,
        )

    # -- make-up credits

    @rx.event
    def grant_makeup(self, form_data: dict):
        form = _form(form_data)
        return self._submit(
            "grant",
            lambda ctx: cb.grant_credit(
                ctx.db,
                ctx.principal,
                parse_id(form.get("booking_id")) or form.get("booking_id"),
                book_by=form.get("book_by"),
                reason=form.get("reason"),
                seen=_version(form.get("seen")),
            ),
            done="Granted a make-up credit; the family sees it in Benefits.",
            shown=GRANT_FORM,
            immediate=True,
        )

    @rx.event
    def withdraw_makeup(self, form_data: dict):
        form = _form(form_data)
        return self._submit(
            _id_key("withdraw", form.get("id")),
            lambda ctx: cb.withdraw_credit(
                ctx.db,
                ctx.principal,
                parse_id(form.get("id")),
                _version(form.get("version")),
                reason=form.get("reason"),
            ),
            done="Withdrew the make-up credit.",
            shown=WITHDRAW_FORM,
        )

    @rx.event
    def extend_makeup(self, form_data: dict):
        form = _form(form_data)
        return self._submit(
            _id_key("extend-credit", form.get("id")),
            lambda ctx: cb.extend_credit(
                ctx.db,
                ctx.principal,
                parse_id(form.get("id")),
                _version(form.get("version")),
                book_by=form.get("book_by"),
            ),
            done="Extended the make-up credit's book-by date.",
            shown=EXTEND_CREDIT_FORM,
        )
