"""/admin/schedule and /admin/classes/[class_id] (owner and office): programmes, classes and their sessions.

Thin states over services.schedule.classes and .timetable, which check the staff member's right
(``Capability.schedule``), every id and every version; an instructor's load is refused there and the page shows
why. Form text goes to the services as typed: they parse it and name the field of a bad value
(``InvalidField.field``), which the page shows next to that field (AdminPage `_submit`, `field_errors`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import reflex as rx

from client_profile import formatting as fmt
from client_profile.services.people.access import parse_id
from client_profile.services.schedule import classes, timetable
from client_profile.services.schedule.timetable import InvalidField
from client_profile.state.admin.base import AdminPage
from client_profile.state.base import Ctx

# (value, label) of the class form's weekday select; "" is a class on explicit dates.
WEEKDAY_CHOICES = [("", "None: explicit dates")] + [(str(i), day) for i, day in enumerate(fmt.WEEKDAYS)]
PROGRAMME_KINDS = ["course", "camp", "club", "event"]
MAKEUP_MODES = [
    ("", "The provider's number"),
    ("add", "Added to the provider's"),
    ("replace", "Instead of it"),
]

# The programme and class form fields the services take (anything else a client sends is dropped here).
PROGRAMME_FORM = ("name", "kind", "level", "description", "price", "makeups_enabled")
CLASS_FORM = (
    "name",
    "weekday",
    "start_time",
    "duration_minutes",
    "starts_on",
    "ends_on",
    "venue",
    "is_online",
    "online_link",
    "instructor_id",
    "capacity",
    "price",
    "extra_makeup_capacity",
    "extra_makeup_mode",
    "makeup_group",
)
SESSION_FORM = ("day", "start_time", "duration_minutes", "venue")


@dataclass(frozen=True)
class ProgrammeBlock:
    """A programme and its classes, as the schedule page lists them."""

    programme: classes.ProgrammeRow
    rows: list[classes.ClassRow]


def _form(form_data: object) -> dict:
    return form_data if isinstance(form_data, dict) else {}


def _pick(form: dict, keys: tuple[str, ...]) -> dict[str, Any]:
    return {key: form[key] for key in keys if key in form}


def _version(value: object) -> object:
    """A version as a form field sends it ("3") as a number; anything else as it came (the service refuses it
    as a stale edit)."""
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 12:
        return int(value)
    return value


def _empty(cls):
    """An instance of a view dataclass with empty values: an object var's value before a load."""
    blank = {"int": 0, "str": "", "bool": False}
    return cls(**{f.name: blank[str(f.type)] for f in dataclasses.fields(cls)})


class AdminScheduleState(AdminPage, rx.State):
    programmes: list[ProgrammeBlock] = []
    instructors: list[classes.InstructorChoice] = []

    def _load(self, ctx: Ctx) -> None:
        programmes = classes.list_programmes(ctx.db, ctx.principal)
        by_programme: dict[int, list[classes.ClassRow]] = {p.id: [] for p in programmes}
        for row in classes.list_classes(ctx.db, ctx.principal):
            by_programme.setdefault(row.programme_id, []).append(row)
        self.programmes = [ProgrammeBlock(p, by_programme[p.id]) for p in programmes]
        self.instructors = classes.instructor_choices(ctx.db, ctx.principal)

    @rx.event
    def load_admin_schedule(self):
        self.message = self.error = ""
        return self._open()

    @rx.event
    def create_programme(self, form_data: dict):
        form = _pick(_form(form_data), PROGRAMME_FORM)
        return self._submit(
            "programme",
            lambda ctx: classes.create_programme(ctx.db, ctx.principal, **form),
            done=lambda programme: f"Programme {programme.name} created. Add its classes below.",
            shown=PROGRAMME_FORM,
        )

    @rx.event
    def save_programme(self, form_data: dict):
        form = _form(form_data)
        fields = _pick(form, PROGRAMME_FORM)
        programme_id = parse_id(form.get("id"))
        return self._submit(
            f"programme-{programme_id or 0}",
            lambda ctx: classes.update_programme(
                ctx.db, ctx.principal, programme_id, _version(form.get("version")), **fields
            ),
            done=lambda programme: f"Programme {programme.name} saved.",
            shown=PROGRAMME_FORM,
        )

    @rx.event
    def create_class(self, form_data: dict):
        form = _form(form_data)
        fields = _pick(form, CLASS_FORM)
        programme_id = parse_id(form.get("programme_id"))
        dates = form.get("dates")

        def create(ctx: Ctx):
            if programme_id is None:
                raise InvalidField("programme_id", "Choose the class's programme.")
            return classes.create_class(ctx.db, ctx.principal, programme_id, dates=dates, **fields)

        return self._submit(
            "class",
            create,
            done=lambda made: f"Class {made[0].name} created. {made[1].summary}",
            shown=(*CLASS_FORM, "programme_id", "dates"),
        )


EMPTY_CLASS = _empty(classes.ClassRow)


class AdminClassState(AdminPage, rx.State):
    detail: classes.ClassRow = EMPTY_CLASS
    sessions: list[timetable.ConsoleSessionRow] = []
    instructors: list[classes.InstructorChoice] = []

    def _class_id(self) -> int | None:
        """The class of the page, from its route (/admin/classes/<id>); the services check it."""
        path = (self.router.url.path or "").rstrip("/")
        return parse_id(path.rsplit("/", 1)[-1]) if path.startswith("/admin/classes/") else None

    def _load(self, ctx: Ctx) -> None:
        class_id = self._class_id()
        self.detail = classes.class_detail(ctx.db, ctx.principal, class_id)
        self.sessions = timetable.class_sessions(ctx.db, ctx.principal, class_id)
        self.instructors = classes.instructor_choices(ctx.db, ctx.principal)

    @rx.event
    def load_admin_class(self):
        self.message = self.error = ""
        return self._open()

    @rx.event
    def save_class(self, form_data: dict, version: int):
        form = _form(form_data)
        fields = _pick(form, CLASS_FORM)
        dates = form.get("dates") if str(form.get("weekday", "x")) == "" else None
        class_id = self._class_id()
        return self._submit(
            "edit",
            lambda ctx: classes.update_class(ctx.db, ctx.principal, class_id, version, dates=dates, **fields),
            done=lambda saved: f"Class {saved[0].name} saved. {saved[1].summary}",
            shown=(*CLASS_FORM, "dates"),
        )

    @rx.event
    def update_sessions(self, version: int):
        class_id = self._class_id()
        return self._submit(
            "",
            lambda ctx: timetable.update_sessions(ctx.db, ctx.principal, class_id, version),
            done=lambda result: result.summary,
        )

    @rx.event
    def add_session(self, form_data: dict):
        fields = _pick(_form(form_data), SESSION_FORM)
        class_id = self._class_id()

        def add(ctx: Ctx):
            return timetable.add_session(
                ctx.db, ctx.principal, class_id, **{"day": None, "start_time": None, **fields}
            )

        return self._submit(
            "add",
            add,
            done=lambda session: "The one-off session was added; the class's families see it.",
            shown=SESSION_FORM,
        )

    @rx.event
    def move_session(self, form_data: dict):
        """The session's own form: its id and the version it was drawn with come in hidden fields."""
        form = _form(form_data)
        session_id, version = form.get("session_id"), _version(form.get("version"))
        fields = _pick(form, SESSION_FORM)
        return self._row(
            session_id,
            lambda ctx: timetable.move_session(
                ctx.db, ctx.principal, session_id, version, **{"day": None, "start_time": None, **fields}
            ),
            "The session was moved; the families with a place get an e-mail.",
        )

    @rx.event
    def cancel_session(self, form_data: dict):
        form = _form(form_data)
        session_id, version = form.get("session_id"), _version(form.get("version"))
        note = form.get("note", "")
        return self._row(
            session_id,
            lambda ctx: timetable.cancel_session(ctx.db, ctx.principal, session_id, version, note),
            "The session was cancelled; the families with a place get an e-mail.",
        )

    @rx.event
    def restore_session(self, session_id: int, version: int):
        return self._row(
            session_id,
            lambda ctx: timetable.restore_session(ctx.db, ctx.principal, session_id, version),
            "The session was restored; the families with a place get an e-mail.",
        )

    def _row(self, session_id: object, action: Callable[[Ctx], Any], done: str):
        """A session's action: its messages show in that session's card (form "session-<id>") when the page
        shows that session, at the page top otherwise."""
        sid = parse_id(session_id)
        shown = sid is not None and any(s.id == sid for s in self.sessions)
        return self._submit(f"session-{sid}" if shown else "", action, done=done, shown=())
