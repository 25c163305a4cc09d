"""The attendance register in the console: /admin ("Today": my sessions, and any session by date range and class)
and /admin/sessions/<id> (one session's register: one tap per attendee, "all present").

Thin over services.schedule.register, which checks every right (an instructor only their own classes: another
class's session is "not found") and the edit window. Marks take the write lock at BEGIN (`immediate=True`):
two staff members tapping the same register at once are serialised, never half-applied.
"""

from __future__ import annotations

from datetime import timedelta

import reflex as rx

from client_profile.clock import today as local_today
from client_profile.services.errors import DomainError, NotFound
from client_profile.services.people.access import parse_id
from client_profile.services.schedule import register
from client_profile.state.admin.base import AdminPage
from client_profile.state.base import Ctx

# The "find a session" form starts on the week around today (provider-local days).
FIND_DAYS_BACK = 7
FIND_DAYS_AHEAD = 7


class AdminTodayState(AdminPage, rx.State):
    """/admin: today's sessions, the rest of this week's, older registers still to finish, and the finder."""

    today: list[register.RegisterSessionRow] = []
    week: list[register.RegisterSessionRow] = []  # this week's sessions other than today's
    to_finish: list[register.RegisterSessionRow] = []
    today_label: str = ""
    week_label: str = ""
    classes: list[register.RegisterClassOption] = []
    # The finder: the dates and class as asked (provider-local "YYYY-MM-DD"; class id or "" for all) and what
    # it found. `searched` is False until the form is sent once.
    find_from: str = ""
    find_to: str = ""
    find_class: str = ""
    searched: bool = False
    found: list[register.RegisterSessionRow] = []

    def _load(self, ctx: Ctx) -> None:
        mine = register.my_sessions(ctx.db, ctx.principal)
        self.today = mine.today
        self.week = [row for row in mine.week if not row.is_today]
        self.to_finish = mine.to_finish
        self.today_label, self.week_label = mine.today_label, mine.week_label
        self.classes = register.register_classes(ctx.db, ctx.principal)
        if not self.find_from or not self.find_to:
            day = local_today(ctx.provider.timezone)
            self.find_from = (day - timedelta(days=FIND_DAYS_BACK)).isoformat()
            self.find_to = (day + timedelta(days=FIND_DAYS_AHEAD)).isoformat()
        if self.searched:
            try:
                self._find(ctx)  # the counts of what was found may have changed since
            except DomainError:
                self.found = []

    def _find(self, ctx: Ctx) -> None:
        self.found = []
        self.found = register.find_sessions(
            ctx.db,
            ctx.principal,
            date_from=self.find_from,
            date_to=self.find_to,
            class_id=(parse_id(self.find_class) or self.find_class) if self.find_class else None,
        )

    @rx.event
    def load_admin_today(self):
        self.message = self.error = ""
        return self._open()

    @rx.event
    def find_register_sessions(self, form_data: dict):
        """The finder: the sessions between two dates, of one class or all the staff member may register."""
        form = form_data if isinstance(form_data, dict) else {}
        self.find_from = str(form.get("from", "")).strip()[:10]
        self.find_to = str(form.get("to", "")).strip()[:10]
        self.find_class = str(form.get("class", "")).strip()[:19]
        self.searched = True
        return self._handle(self._find, reload=False)


class AdminRegisterState(AdminPage, rx.State):
    """/admin/sessions/<id>: one session's register."""

    not_found: bool = False
    session_id_value: int = 0
    class_name: str = ""
    programme: str = ""
    day_label: str = ""
    starts: str = ""
    ends: str = ""
    venue: str = ""
    status: str = ""
    started: bool = False
    editable: bool = False
    notice: str = ""
    open_until: str = ""
    regulars: list[register.RegisterLine] = []
    guests: list[register.RegisterLine] = []
    expected: int = 0
    marked: int = 0
    unmarked: int = 0  # places "all present" would mark

    def _route_session_id(self) -> int | None:
        path = (self.router.url.path or "").rstrip("/")
        return parse_id(path.rsplit("/", 1)[-1]) if path.startswith("/admin/sessions/") else None

    def _load(self, ctx: Ctx) -> None:
        try:
            view = register.session_register(ctx.db, ctx.principal, self._route_session_id())
        except NotFound:  # a junk id, another provider's, or (an instructor) another class's session
            self.reset()
            self.not_found = True
            return
        self.not_found = False
        self.session_id_value = view.session_id
        for name in (
            "class_name",
            "programme",
            "day_label",
            "starts",
            "ends",
            "venue",
            "status",
            "started",
            "editable",
            "notice",
            "open_until",
            "regulars",
            "guests",
            "expected",
            "marked",
        ):
            setattr(self, name, getattr(view, name))
        self.unmarked = sum(1 for line in view.regulars + view.guests if line.can_mark and _is_unmarked(line))

    @rx.event
    def load_admin_register(self):
        self.message = self.error = ""
        return self._open()

    @rx.event
    def mark_attendee(self, session_id: int, attendee_id: int, state: str):
        """One tap: attended, missed, or back to scheduled. The row shows the new state after the reload."""
        # No confirmation message: a callout above the list would move the rows under the next tap.
        return self._toast_refusal(
            self._handle(
                lambda ctx: register.mark(
                    ctx.db, ctx.principal, parse_id(session_id), parse_id(attendee_id), state
                ),
                immediate=True,
            )
        )

    def _toast_refusal(self, event):
        """A refused tap also pops up where the thumb is (the page's callout may be scrolled away)."""
        if event is None and self.error:
            return rx.toast.error(self.error, duration=6000)
        return event

    @rx.event
    def mark_everyone_present(self, session_id: int):
        """ "All present": everyone still unmarked becomes attended (excused and marked places stay)."""
        return self._handle(
            lambda ctx: register.mark_all_present(ctx.db, ctx.principal, parse_id(session_id)),
            done=lambda changes: (
                f"Marked {len(changes)} present." if changes else "Everyone was already marked."
            ),
            immediate=True,
        )


def _is_unmarked(line: register.RegisterLine) -> bool:
    return line.state in ("scheduled", "makeup")
