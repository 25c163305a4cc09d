"""/admin/families and /admin/families/[family_id] (owner and office: Capability.people): finding a family,
creating one, and one family's page: its clients, attendees (with a photo), bookings (enrol, end, move), shared
access and "view as client". Thin over services/people/families.py and services/schedule/enrolment.py, which
check every right and every id themselves.

Forms send the record's id and the version they were opened with (hidden fields); a page's form is keyed on
that version and on `form_round` (AdminPage `_submit`: bumped after each success), so after a change, or a stale
edit refused and reloaded, every form shows what is now stored and can never send an old version again with new
values. `form_key` names the form an action came from: its messages show next to that form.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import reflex as rx

from client_profile import clock
from client_profile import formatting as fmt
from client_profile.integrations.images import MAX_INPUT_BYTES
from client_profile.services.errors import FieldErrors, NotFound
from client_profile.services.home import Member, UnpaidItem
from client_profile.services.people import families
from client_profile.services.people.access import Capability, parse_id, require_staff
from client_profile.services.schedule import enrolment
from client_profile.state.admin.base import AdminPage
from client_profile.state.base import Ctx

# The fields each form shows (a refusal naming another field stays at the page top).
NEW_FAMILY_FORM = ("name", "email", "full_name", "phone")
CLIENT_FORM = ("email", "full_name", "phone", "language")
ATTENDEE_FORM = ("first_name", "last_name", "birth_date")

# How long after "Photo" (a socket event, identity from the cookie it carries) the upload may follow.
PHOTO_WINDOW_SECONDS = 15 * 60


def _form(form_data: object) -> dict:
    return form_data if isinstance(form_data, dict) else {}


def _version(value: object) -> object:
    """A form's version field as an int (the services refuse anything else as a stale edit)."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 12:
        return int(value)
    return value


def _ticked(form: dict, name: str) -> bool:
    """A checkbox of a submitted form: present ("on") when ticked, absent otherwise."""
    value = form.get(name)
    return value is True or (isinstance(value, str) and value.lower() in ("on", "true", "1", "yes"))


def _id_key(prefix: str, value: object) -> str:
    parsed = parse_id(value)
    return f"{prefix}-{parsed}" if parsed is not None else ""


# ------------------------------------------------------------------------------------------------ the list


class AdminFamiliesState(AdminPage, rx.State):
    query: str = ""
    page_no: int = 0
    has_more: bool = False
    rows: list[families.FamilyRow] = []

    def _load(self, ctx: Ctx) -> None:
        found = families.search_families(ctx.db, ctx.principal, self.query, page=self.page_no)
        self.rows, self.has_more, self.page_no = found.rows, found.has_more, found.page

    @rx.event
    def load_admin_families(self):
        self.message = self.error = ""
        return self._open()

    @rx.event
    def search(self, form_data: dict):
        query = _form(form_data).get("q", "")
        query = query.strip()[: families.MAX_QUERY_LENGTH] if isinstance(query, str) else ""

        def act(ctx: Ctx) -> None:
            self.query, self.page_no = query, 0

        return self._submit("", act)

    @rx.event
    def go_to_page(self, page_no: int):
        def act(ctx: Ctx) -> None:
            wanted = parse_id(page_no) if page_no not in (0, "0") else 0
            self.page_no = wanted if wanted is not None and wanted < 10_000 else 0

        return self._submit("", act)

    @rx.event
    def create_family(self, form_data: dict):
        form = _form(form_data)
        return self._submit(
            "new",
            lambda ctx: (
                families.create_family(
                    ctx.db,
                    ctx.principal,
                    form.get("name"),
                    email=form.get("email", ""),
                    full_name=form.get("full_name", ""),
                    phone=form.get("phone", ""),
                ).id
            ),
            then=lambda family_id: rx.redirect(f"/admin/families/{family_id}"),
            shown=NEW_FAMILY_FORM,
        )


# ------------------------------------------------------------------------------------------------ one family


@dataclass(frozen=True)
class SeenBooking:
    """A booking as the family's home page shows it, with the member's name (the home view has only the id)."""

    member: str
    programme: str
    class_name: str
    schedule: str
    next_session: str
    is_active: bool


class AdminFamilyState(AdminPage, rx.State):
    family_key: int = 0  # the family shown (0: none); not `family_id`, the route's own variable
    family_name: str = ""
    family_version: int = 0
    clients: list[families.ClientItem] = []
    attendees: list[families.AttendeeItem] = []
    bookings: list[families.BookingItem] = []
    class_choices: list[enrolment.ClassOption] = []
    today_iso: str = ""  # the provider's today: the date forms start from
    not_found: bool = False
    # The attendee whose photo is being chosen (0: none), and the version the "Photo" button saw.
    photo_for: int = 0
    photo_version: int = 0
    photo_name: str = ""
    # "View as client": a read-only snapshot of the family's home page.
    viewing: bool = False
    seen_as: str = ""
    seen_members: list[Member] = []
    seen_bookings: list[SeenBooking] = []
    seen_unpaid: list[UnpaidItem] = []
    seen_unpaid_total: str = ""
    seen_credit: str = ""
    # Backend only: who armed the photo upload and when (time.monotonic), see open_photo.
    _photo_armed: tuple[int, float] = (0, 0.0)

    def _route_family_id(self) -> int | None:
        path = (self.router.url.path or "").rstrip("/")
        return parse_id(path.rsplit("/", 1)[-1]) if path.startswith("/admin/families/") else None

    def _load(self, ctx: Ctx) -> None:
        family_id = self._route_family_id()
        if family_id is None:
            # no family in the address: still the people right, so an instructor learns no more than elsewhere
            require_staff(ctx.principal, Capability.people)
            self._show_missing()
            return
        try:
            detail = families.family_detail(ctx.db, ctx.principal, family_id)
        except NotFound:
            self._show_missing()
            return
        self.not_found = False
        self.family_key, self.family_name, self.family_version = detail.id, detail.name, detail.version
        self.clients, self.attendees, self.bookings = detail.clients, detail.attendees, detail.bookings
        self.class_choices = enrolment.class_options(ctx.db, ctx.principal)
        self.today_iso = fmt.local(clock.utcnow(), ctx.provider.timezone).date().isoformat()

    def _show_missing(self) -> None:
        self.not_found = True
        self.family_key, self.family_name, self.family_version = 0, "", 0
        self.clients, self.attendees, self.bookings, self.class_choices = [], [], [], []
        self._close_view()

    def _close_view(self) -> None:
        self.viewing, self.seen_as = False, ""
        self.seen_members, self.seen_bookings, self.seen_unpaid = [], [], []
        self.seen_unpaid_total = self.seen_credit = ""

    @rx.event
    def load_admin_family(self):
        self.message = self.error = ""
        self.photo_for, self.photo_name = 0, ""
        self._close_view()
        return self._open()

    # -- the family and its clients

    @rx.event
    def rename_family(self, form_data: dict):
        form = _form(form_data)
        self._close_view()
        return self._submit(
            "family",
            lambda ctx: families.update_family(
                ctx.db,
                ctx.principal,
                parse_id(form.get("id")),
                _version(form.get("version")),
                name=form.get("name"),
            ),
            done=lambda family: f"The family is now called {family.name}.",
            shown=("name",),
        )

    @rx.event
    def save_client(self, form_data: dict):
        form = _form(form_data)
        self._close_view()
        return self._submit(
            _id_key("client", form.get("id")),
            lambda ctx: families.update_client(
                ctx.db,
                ctx.principal,
                parse_id(form.get("id")),
                _version(form.get("version")),
                email=form.get("email"),
                full_name=form.get("full_name", ""),
                phone=form.get("phone", ""),
                reminders_opt_out=_ticked(form, "reminders_opt_out"),
                language=form.get("language", ""),
            ),
            done=lambda client: f"Saved {client.email}.",
            shown=CLIENT_FORM,
        )

    @rx.event
    def add_client(self, form_data: dict):
        form = _form(form_data)
        self._close_view()
        return self._submit(
            "add-client",
            lambda ctx: families.add_client(
                ctx.db,
                ctx.principal,
                parse_id(form.get("family_id")),
                email=form.get("email"),
                full_name=form.get("full_name", ""),
                phone=form.get("phone", ""),
                reminders_opt_out=_ticked(form, "reminders_opt_out"),
                language=form.get("language", ""),
            ),
            done=lambda client: f"{client.email} can now log in to the family's profile.",
            shown=CLIENT_FORM,
        )

    # -- attendees

    @rx.event
    def save_attendee(self, form_data: dict):
        form = _form(form_data)
        self._close_view()
        return self._submit(
            _id_key("attendee", form.get("id")),
            lambda ctx: families.update_attendee(
                ctx.db,
                ctx.principal,
                parse_id(form.get("id")),
                _version(form.get("version")),
                first_name=form.get("first_name"),
                last_name=form.get("last_name", ""),
                birth_date=form.get("birth_date", ""),
            ),
            done=lambda attendee: f"Saved {attendee.first_name}.",
            shown=ATTENDEE_FORM,
        )

    @rx.event
    def add_attendee(self, form_data: dict):
        form = _form(form_data)
        self._close_view()
        return self._submit(
            "add-attendee",
            lambda ctx: families.add_attendee(
                ctx.db,
                ctx.principal,
                parse_id(form.get("family_id")),
                first_name=form.get("first_name"),
                last_name=form.get("last_name", ""),
                birth_date=form.get("birth_date", ""),
            ),
            done=lambda attendee: f"Added {attendee.first_name}.",
            shown=ATTENDEE_FORM,
        )

    @rx.event
    def open_photo(self, attendee_id: int, version: int):
        """Show the photo form for one attendee. Arms the upload for this staff member: an upload event carries
        no cookie of its own (Reflex hands it the headers of the tab's last socket event), so upload_photo acts
        only for whoever opened the form here, shortly before."""

        def act(ctx: Ctx) -> None:
            require_staff(ctx.principal, Capability.people)
            wanted = parse_id(attendee_id)
            shown = next((a for a in self.attendees if a.id == wanted), None)
            self.photo_for = wanted or 0
            self.photo_version = version if isinstance(version, int) and not isinstance(version, bool) else -1
            self.photo_name = shown.full_name if shown is not None else ""
            self._photo_armed = (ctx.principal.staff_id, time.monotonic())

        self.form_key, self.message = _id_key("photo", attendee_id), ""
        return self._handle(act, reload=False)

    @rx.event
    def close_photo(self):
        def act(ctx: Ctx) -> None:
            require_staff(ctx.principal, Capability.people)
            self.photo_for, self.photo_name, self._photo_armed = 0, "", (0, 0.0)

        self.form_key = ""
        return self._handle(act, reload=False)

    @rx.event
    async def upload_photo(self, files: list[rx.UploadFile]):
        data: bytes | None = None
        if isinstance(files, list) and len(files) == 1:
            # One byte more than the limit is enough for the service to refuse a file that is too big.
            data = await files[0].read(MAX_INPUT_BYTES + 1)
        attendee_id, version = self.photo_for, self.photo_version
        armed_by, armed_at = self._photo_armed

        def act(ctx: Ctx):
            require_staff(ctx.principal, Capability.people)
            if (
                not attendee_id
                or armed_by != ctx.principal.staff_id
                or time.monotonic() - armed_at > PHOTO_WINDOW_SECONDS
            ):
                raise FieldErrors({"photo": "Choose the attendee's Photo button again, then the picture."})
            attendee = families.set_attendee_photo(ctx.db, ctx.principal, attendee_id, version, data)
            self.photo_for, self.photo_name, self._photo_armed = 0, "", (0, 0.0)
            self.form_key = f"attendee-{attendee.id}"  # the panel closes: the message shows on the attendee
            return attendee

        self._close_view()
        return self._submit(
            _id_key("photo", attendee_id), act, done=lambda attendee: f"New photo for {attendee.first_name}."
        )

    @rx.event
    def remove_photo(self, attendee_id: int, version: int):
        self._close_view()
        return self._submit(
            _id_key("attendee", attendee_id),
            lambda ctx: families.remove_attendee_photo(ctx.db, ctx.principal, attendee_id, version),
            done=lambda attendee: f"Removed the photo of {attendee.first_name}.",
            shown=(),
        )

    # -- bookings

    @rx.event
    def enrol(self, form_data: dict):
        form = _form(form_data)
        self._close_view()
        return self._submit(
            "enrol",
            lambda ctx: enrolment.enrol(
                ctx.db,
                ctx.principal,
                parse_id(form.get("attendee_id")),
                parse_id(form.get("class_id")),
                form.get("from_date"),
            ),
            done=lambda booking: (
                f"Enrolled from {fmt.day_label(booking.starts_on)}; the term fee is on the family's payments."
            ),
            immediate=True,
            shown=("attendee_id", "class_id", "from_date"),
        )

    @rx.event
    def end_enrolment(self, form_data: dict):
        form = _form(form_data)
        self._close_view()
        return self._submit(
            _id_key("end", form.get("id")),
            lambda ctx: enrolment.end_enrolment(
                ctx.db,
                ctx.principal,
                parse_id(form.get("id")),
                _version(form.get("version")),
                form.get("from_date"),
            ),
            done=lambda booking: f"The enrolment ends on {fmt.day_label(booking.ends_on)}.",
            immediate=True,
            shown=("from_date",),
        )

    @rx.event
    def move_enrolment(self, form_data: dict):
        form = _form(form_data)
        self._close_view()
        return self._submit(
            _id_key("move", form.get("id")),
            lambda ctx: enrolment.move_enrolment(
                ctx.db,
                ctx.principal,
                parse_id(form.get("id")),
                _version(form.get("version")),
                parse_id(form.get("class_id")),
                form.get("from_date"),
            ),
            done=lambda booking: f"Moved from {fmt.day_label(booking.starts_on)}, without a new fee.",
            immediate=True,
            shown=("class_id", "from_date"),
        )

    @rx.event
    def grant_share(self, form_data: dict):
        form = _form(form_data)
        self._close_view()
        return self._submit(
            _id_key("share", form.get("booking_id")),
            lambda ctx: families.grant_share(
                ctx.db,
                ctx.principal,
                parse_id(form.get("booking_id")),
                form.get("email"),
                notify=_ticked(form, "notify"),
                can_pay=_ticked(form, "can_pay"),
                can_manage=_ticked(form, "can_manage"),
            ),
            done=lambda share: f"Shared with {share.grantee_email}.",
            shown=("email",),
        )

    @rx.event
    def revoke_share(self, booking_id: int, email: str):
        self._close_view()
        return self._submit(
            _id_key("share", booking_id),
            lambda ctx: families.revoke_share(ctx.db, ctx.principal, parse_id(booking_id), email),
            done=lambda share: f"{share.grantee_email} no longer sees this booking.",
            shown=(),
        )

    # -- view as client

    @rx.event
    def view_as_client(self, family_id: int):
        def act(ctx: Ctx) -> None:
            view = families.view_as_client(ctx.db, ctx.principal, parse_id(family_id))
            names = {m.id: m.first_name for m in view.home.members}
            self.seen_as = view.client_email
            self.seen_members = list(view.home.members)
            self.seen_bookings = [
                SeenBooking(
                    names.get(b.attendee_id, ""),
                    b.programme,
                    b.class_name,
                    b.schedule,
                    b.next_session,
                    b.is_active,
                )
                for b in view.home.bookings
            ]
            self.seen_unpaid = list(view.home.unpaid)
            self.seen_unpaid_total = view.home.unpaid_total
            self.seen_credit = view.home.credit_balance
            self.viewing = True

        self._close_view()
        return self._submit("", act)

    @rx.event
    def close_view(self):
        def act(ctx: Ctx) -> None:
            require_staff(ctx.principal, Capability.people)
            self._close_view()

        self.form_key = ""
        return self._handle(act, reload=False)
