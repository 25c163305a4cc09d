"""/admin/schedule (owner and office): the programmes and their classes, and the forms for new ones."""

from __future__ import annotations

import reflex as rx

from client_profile.components.admin_forms import (
    disclosure,
    field,
    form_feedback,
    hidden,
    row,
    select,
    submit,
    text_input,
)
from client_profile.components.admin_layout import admin_shell
from client_profile.components.admin_schedule import class_fields
from client_profile.components.layout import card, empty_note, loading_or, section
from client_profile.page_registry import Nav, page
from client_profile.state.admin.schedule import PROGRAMME_KINDS
from client_profile.state.admin.schedule import AdminScheduleState as S


def _programme_form(key, values=None) -> rx.Component:
    """The programme's fields, empty for "New programme" (key "programme") or with ``values`` (a ProgrammeRow
    var) and its id and version for its "Edit" (key "programme-<id>")."""

    def v(name: str, default=None):
        return getattr(values, name) if values is not None else default

    edit = values is not None
    return rx.form(
        rx.vstack(
            *([hidden("id", values.id), hidden("version", values.version)] if edit else []),
            row(
                field(S, key, "name", "Name", text_input(key, "name", v("name"), required=True), flex="2"),
                field(
                    S,
                    key,
                    "level",
                    "Level or age group",
                    text_input(key, "level", v("level"), placeholder="e.g. Beginners, 5-9 years"),
                ),
                field(
                    S,
                    key,
                    "kind",
                    "Kind",
                    select(key, "kind", [(k, k.capitalize()) for k in PROGRAMME_KINDS], v("kind")),
                ),
                field(
                    S,
                    key,
                    "price",
                    "Price of a booking",
                    text_input(key, "price", v("price_text", "0.00"), input_mode="decimal"),
                    hint="The term fee in the provider's currency; 0 is free. A booking keeps the price it "
                    "was made at.",
                ),
                field(
                    S,
                    key,
                    "makeups_enabled",
                    "Make-ups",
                    select(
                        key,
                        "makeups_enabled",
                        [("yes", "Missed sessions give make-ups"), ("no", "No make-ups")],
                        rx.cond(values.makeups_enabled, "yes", "no") if edit else None,
                    ),
                ),
            ),
            field(
                S,
                key,
                "description",
                "Description",
                rx.text_area(
                    id=f"{key}-description",
                    name="description",
                    default_value=v("description", ""),
                    rows="3",
                    width="100%",
                ),
            ),
            submit(S, key, "Save programme" if edit else "Create programme"),
            spacing="4",
            width="100%",
        ),
        on_submit=S.save_programme if edit else S.create_programme,
        reset_on_submit=False,
        width="100%",
    )


def _class_form() -> rx.Component:
    form = "class"
    return rx.form(
        rx.vstack(
            field(
                S,
                form,
                "programme_id",
                "Programme",
                select(
                    form,
                    "programme_id",
                    [
                        rx.el.option("Choose a programme", value=""),
                        rx.foreach(
                            S.programmes,
                            lambda b: rx.el.option(
                                b.programme.name + " · " + b.programme.price, value=b.programme.id.to_string()
                            ),
                        ),
                    ],
                    required=True,
                ),
                hint="A class costs its programme's price (next to its name) unless you give it its own below.",
            ),
            class_fields(S, form, S.instructors),
            submit(S, form, "Create class"),
            spacing="4",
            width="100%",
        ),
        on_submit=S.create_class,
        reset_on_submit=False,
        width="100%",
    )


def _class_row(c) -> rx.Component:
    return rx.link(
        rx.flex(
            rx.vstack(
                rx.text(c.name, weight="bold"),
                rx.text(c.schedule + " · " + c.term, size="2"),
                rx.text(
                    rx.cond(c.is_online, "Online", c.venue)
                    + rx.cond(c.instructor != "", " · " + c.instructor, ""),
                    size="2",
                    color_scheme="gray",
                ),
                spacing="0",
                min_width="0",
                flex="1 1 16rem",
            ),
            rx.hstack(
                rx.badge(
                    c.booked.to_string() + " / " + c.capacity.to_string() + " enrolled",
                    variant="soft",
                    color_scheme=rx.cond(c.booked >= c.capacity, "orange", "gray"),
                ),
                rx.text(c.price, size="2", weight="medium", white_space="nowrap"),
                rx.icon("chevron-right", size=16, color=rx.color("gray", 9)),
                spacing="3",
                align="center",
            ),
            spacing="2",
            wrap="wrap",
            align="center",
            justify="between",
            width="100%",
        ),
        href="/admin/classes/" + c.id.to_string(),
        underline="none",
        color=rx.color("gray", 12),
        class_name="cp-class-link",
        width="100%",
        padding_y="0.6rem",
        border_top=f"1px solid {rx.color('gray', 4)}",
    )


def _programme(block) -> rx.Component:
    p = block.programme
    return card(
        rx.vstack(
            rx.flex(
                rx.heading(p.name, size="4", as_="h3"),
                rx.hstack(
                    rx.badge(p.kind, variant="soft"),
                    rx.cond(p.level != "", rx.badge(p.level, variant="soft", color_scheme="gray")),
                    rx.badge(p.price, variant="soft", color_scheme="gray"),
                    rx.cond(~p.makeups_enabled, rx.badge("no make-ups", variant="soft", color_scheme="gray")),
                    spacing="2",
                    wrap="wrap",
                ),
                spacing="2",
                wrap="wrap",
                align="center",
                justify="between",
                width="100%",
            ),
            rx.cond(p.description != "", rx.text(p.description, size="2", color_scheme="gray")),
            form_feedback(S, "programme-" + p.id.to_string()),
            disclosure(
                "Edit programme",
                _programme_form("programme-" + p.id.to_string(), p),
                small=True,
                key=S.form_round.to_string() + "-" + p.version.to_string(),
            ),
            rx.cond(
                block.rows.length() > 0,
                rx.vstack(rx.foreach(block.rows, _class_row), spacing="0", width="100%"),
                empty_note("No classes yet: add one with “New class”."),
            ),
            spacing="2",
            width="100%",
        ),
        class_name="cp-programme",
    )


@page(
    "/admin/schedule",
    "Schedule",
    area="staff",
    load=[S.load_admin_schedule],
    nav=Nav("Schedule", "calendar-days", 20, section="schedule"),
)
def admin_schedule_page() -> rx.Component:
    return admin_shell(
        "Schedule",
        rx.vstack(
            rx.heading("Schedule", size="6", as_="h1"),
            rx.text(
                "Programmes, their classes and sessions: what families see.", color_scheme="gray", size="2"
            ),
            spacing="1",
        ),
        form_feedback(S, ""),
        loading_or(
            S.loaded,
            rx.cond(
                ~S.refused,
                rx.vstack(
                    rx.vstack(
                        card(
                            form_feedback(S, "programme"),
                            disclosure(
                                "New programme",
                                _programme_form("programme"),
                                icon="plus",
                                id="new-programme",
                                key=S.form_round.to_string(),
                            ),
                        ),
                        card(
                            form_feedback(S, "class"),
                            disclosure(
                                "New class",
                                _class_form(),
                                icon="plus",
                                id="new-class",
                                key=S.form_round.to_string(),
                            ),
                        ),
                        spacing="2",
                        width="100%",
                    ),
                    section(
                        "Programmes",
                        rx.cond(
                            S.programmes.length() > 0,
                            rx.vstack(rx.foreach(S.programmes, _programme), spacing="3", width="100%"),
                            empty_note("No programmes yet: start with “New programme”."),
                        ),
                    ),
                    spacing="5",
                    width="100%",
                ),
            ),
        ),
    )
