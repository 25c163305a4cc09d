"""/admin/import (owner and office): families from a spreadsheet. Download the template, upload the filled-in file
(a plain form POST to api/admin/imports.py), look at the dry run (/admin/import/<id>: every row's outcome, every
error with its row and column) and import it, all or nothing."""

from __future__ import annotations

import reflex as rx

from client_profile.components.admin_forms import disclosure, form_feedback
from client_profile.components.admin_layout import admin_shell, console_body
from client_profile.components.layout import card, native_form, section
from client_profile.page_registry import page
from client_profile.state.admin.imports import AdminImportState as S

UPLOAD_ACTION = "/admin/import-files"
TEMPLATE_URL = "/admin/import-files/template.csv"

_COLUMNS_HELP = (
    (
        "family_name, client_email",
        "the family and its first client's login e-mail (an existing family is found by it)",
    ),
    ("client_name, phone", "the client's name and phone (optional)"),
    ("guardian2_email, guardian2_name", "a second parent who logs in too (optional)"),
    ("attendee_first_name, attendee_last_name, birth_date", "the child; the date as 2019-05-01 or 1.5.2019"),
    (
        "class, start_date",
        "an enrolment (optional): the class's id or 'Programme / Class', and its first day",
    ),
)


def _steps() -> rx.Component:
    return rx.grid(
        card(
            rx.vstack(
                rx.heading("1. Fill in the template", size="3", as_="h2"),
                rx.text(
                    "One row per child. Save it as CSV (UTF-8); commas or semicolons both work.",
                    size="2",
                    color_scheme="gray",
                ),
                rx.link(  # a full browser request (reload_document), not routing inside the app
                    rx.hstack(
                        rx.icon("file-down", size=16),
                        rx.text("Download the template", size="2", weight="medium"),
                        spacing="2",
                        align="center",
                    ),
                    href=TEMPLATE_URL,
                    reload_document=True,
                    download="families-import-template.csv",
                    id="import-template",
                    underline="none",
                    padding_y="0.5rem",
                ),
                disclosure(
                    "The columns",
                    rx.vstack(
                        *[
                            rx.box(
                                rx.text(names, size="2", weight="medium", font_family="monospace"),
                                rx.text(what, size="2", color_scheme="gray"),
                            )
                            for names, what in _COLUMNS_HELP
                        ],
                        spacing="2",
                    ),
                    small=True,
                ),
                disclosure(
                    "Class ids",
                    rx.vstack(
                        rx.foreach(
                            S.class_list,
                            lambda c: rx.hstack(
                                rx.badge(c.id, variant="soft", color_scheme="gray"),
                                rx.text(c.label, size="2"),
                                spacing="2",
                                align="center",
                            ),
                        ),
                        spacing="1",
                    ),
                    small=True,
                ),
                spacing="3",
                width="100%",
            )
        ),
        card(
            rx.vstack(
                rx.heading("2. Upload it for a dry run", size="3", as_="h2"),
                rx.text(
                    "Nothing is imported yet: you see what each row would do first. At most 1 MB (5000 rows).",
                    size="2",
                    color_scheme="gray",
                ),
                native_form(
                    rx.vstack(
                        rx.el.input(
                            type="file",
                            name="file",
                            accept=".csv,text/csv",
                            required=True,
                            id="import-file",
                            aria_label="CSV file",
                            max_width="100%",
                        ),
                        rx.button(
                            rx.icon("upload", size=16), "Check the file", type="submit", id="import-check"
                        ),
                        spacing="3",
                        width="100%",
                    ),
                    action=UPLOAD_ACTION,
                    enc_type="multipart/form-data",
                    width="100%",
                ),
                rx.cond(
                    S.missing_file,
                    rx.text("Choose a CSV file to upload.", size="2", color_scheme="red", role="alert"),
                ),
                spacing="3",
                width="100%",
            )
        ),
        grid_template_columns="repeat(auto-fit, minmax(min(100%, 22rem), 1fr))",
        gap="0.75rem",
        width="100%",
    )


def _count(label: str, value, color: str = "gray") -> rx.Component:
    return rx.badge(value.to_string() + " " + label, variant="soft", color_scheme=color, size="2")


def _error_line(e) -> rx.Component:
    return rx.hstack(
        rx.badge(rx.cond(e.row > 0, "Row " + e.row.to_string(), "File"), color_scheme="red", variant="soft"),
        rx.cond(e.column != "", rx.code(e.column, size="1")),
        rx.text(e.message, size="2", min_width="0"),
        spacing="2",
        align="start",
        wrap="wrap",
        width="100%",
    )


def _row_line(r) -> rx.Component:
    return rx.box(
        rx.hstack(
            rx.text("Row " + r.row.to_string(), size="1", color_scheme="gray", min_width="3.5rem"),
            rx.badge(
                r.status,
                color_scheme=rx.match(r.status, ("new", "green"), ("unchanged", "gray"), "red"),
                variant="soft",
            ),
            rx.text(r.family + " · " + r.attendee, size="2", weight="medium", min_width="0"),
            spacing="2",
            align="center",
            wrap="wrap",
        ),
        rx.text(
            r.outcome, size="2", color_scheme="gray", padding_left=rx.breakpoints(initial="0", sm="4rem")
        ),
        rx.foreach(
            r.problems,
            lambda p: rx.text(
                p, size="2", color_scheme="red", padding_left=rx.breakpoints(initial="0", sm="4rem")
            ),
        ),
        padding_y="0.5rem",
        border_bottom=f"1px solid {rx.color('gray', 4)}",
        width="100%",
        class_name="cp-import-row",
    )


def _dry_run() -> rx.Component:
    return section(
        rx.cond(S.applied, "Imported: " + S.filename, "Dry run: " + S.filename),
        rx.cond(
            S.applied,
            card(
                rx.vstack(
                    form_feedback(S, "import"),
                    rx.cond(  # right after the import the confirmation above says it already
                        S.message == "",
                        rx.text("Imported earlier: ", S.applied_summary, ".", size="2"),
                    ),
                    rx.link("See the families", href="/admin/families", size="2"),
                    rx.foreach(S.rows, _row_line),
                    spacing="2",
                    width="100%",
                )
            ),
            card(
                rx.vstack(
                    rx.flex(
                        _count("rows", S.total_rows),
                        _count("new families", S.new_families, "green"),
                        _count("new attendees", S.new_attendees, "green"),
                        _count("new enrolments", S.new_enrolments, "green"),
                        _count("unchanged", S.unchanged_rows),
                        _count(
                            "errors", S.problems.length(), rx.cond(S.problems.length() > 0, "red", "gray")
                        ),
                        spacing="2",
                        wrap="wrap",
                    ),
                    rx.cond(
                        S.problems.length() > 0,
                        rx.vstack(
                            rx.text(
                                "Nothing is imported while a row has an error: correct the file and upload it "
                                "again.",
                                size="2",
                                color_scheme="red",
                                weight="medium",
                            ),
                            rx.foreach(S.problems, _error_line),
                            spacing="2",
                            width="100%",
                            id="import-errors",
                        ),
                        rx.flex(
                            rx.button(
                                rx.icon("check", size=16),
                                "Import " + S.total_rows.to_string() + " rows",
                                on_click=S.import_rows(S.fingerprint),
                                id="import-apply",
                            ),
                            rx.text(
                                "All or nothing: if anything changed since this dry run, you see the new one.",
                                size="2",
                                color_scheme="gray",
                            ),
                            spacing="3",
                            align="center",
                            wrap="wrap",
                        ),
                    ),
                    form_feedback(S, "import"),
                    rx.box(rx.foreach(S.rows, _row_line), width="100%", id="import-rows"),
                    spacing="3",
                    width="100%",
                )
            ),
        ),
    )


def _content() -> rx.Component:
    return admin_shell(
        "Families",
        rx.heading("Import families", size="6", as_="h1"),
        console_body(
            S,
            rx.cond(S.upload_key != "", _dry_run()),
            rx.cond(S.applied | (S.upload_key == ""), _steps(), rx.fragment()),
            rx.cond(
                (S.upload_key != "") & ~S.applied,
                disclosure("Upload another file", _steps(), icon="upload", small=True),
            ),
        ),
    )


@page(
    "/admin/import",
    "Import families",
    load=[S.load_admin_import],
    area="staff",
)
def import_page() -> rx.Component:
    return _content()


@page("/admin/import/[import_id]", "Import families", load=[S.load_admin_import], area="staff")
def import_dry_run_page() -> rx.Component:
    return _content()
