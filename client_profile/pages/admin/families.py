"""/admin/families (find a family, create one) and /admin/families/[family_id] (one family: clients, attendees and
their photos, bookings with enrol / end / move, shared access, "view as client"). Owner and office only: the
services refuse everyone else, and the page then shows the refusal and no family data."""

from __future__ import annotations

import reflex as rx

from client_profile.components.admin_layout import admin_shell
from client_profile.components.layout import card, empty_note, feedback, loading_or, section
from client_profile.page_registry import Nav, page
from client_profile.state.admin.families import AdminFamiliesState as L
from client_profile.state.admin.families import AdminFamilyState as S

PHOTO_UPLOAD_ID = "attendee-photo"
PHOTO_TYPES = {"image/jpeg": [".jpg", ".jpeg"], "image/png": [".png"], "image/webp": [".webp"]}


# ------------------------------------------------------------------------------------------------ small parts


def _label(text: str) -> rx.Component:
    return rx.text(text, size="2", weight="medium")


def _field(state, key, label: str, name: str, control: rx.Component, grow: str = "1") -> rx.Component:
    """A labelled form control with its field's message under it (when the refused form was this one)."""
    return rx.vstack(
        rx.el.label(
            _label(label), control, display="flex", flex_direction="column", gap="0.25rem", width="100%"
        ),
        rx.cond(
            (state.form_key == key) & (state.field_errors.get(name, "") != ""),
            rx.text(state.field_errors.get(name, ""), size="1", color_scheme="red", role="alert"),
        ),
        spacing="1",
        flex=grow,
        min_width="min(100%, 11rem)",
    )


def _input(name: str, value=None, type_: str = "text", **props) -> rx.Component:
    if value is not None:
        props["default_value"] = value
    return rx.input(name=name, type=type_, width="100%", **props)


def _check(name: str, label: str, checked=False) -> rx.Component:
    return rx.el.label(
        rx.el.input(type="checkbox", name=name, default_checked=checked),
        rx.text(label, size="2"),
        display="flex",
        align_items="center",
        gap="0.5rem",
        class_name="cp-check",
    )


def _hidden(name: str, value) -> rx.Component:
    return rx.el.input(type="hidden", name=name, value=value)


def _row(*children: rx.Component) -> rx.Component:
    return rx.flex(*children, spacing="3", wrap="wrap", width="100%", align="start")


def _form(handler, key, *children: rx.Component, form_key=None) -> rx.Component:
    """A form keyed on its record's version and the page's form round: it starts afresh after every change."""
    return rx.form(
        rx.vstack(*children, spacing="3", width="100%"),
        on_submit=handler,
        reset_on_submit=False,
        width="100%",
        key=form_key if form_key is not None else key,
    )


def _inline_feedback(state, key) -> rx.Component:
    """The last action's refusal or confirmation, next to the form it came from."""
    return rx.cond(state.form_key == key, feedback(state))


def _disclosure(summary: str, *content: rx.Component, **props) -> rx.Component:
    return rx.el.details(
        rx.el.summary(summary),
        rx.box(*content, width="100%"),
        class_name="cp-disclosure",
        width="100%",
        **props,
    )


def _grid(items, render) -> rx.Component:
    """Cards side by side as the width allows (one column on a phone); a card opening a form grows alone."""
    return rx.grid(
        rx.foreach(items, render),
        grid_template_columns="repeat(auto-fill, minmax(min(100%, 24rem), 1fr))",
        align_items="start",
        gap="0.75rem",
        width="100%",
    )


def _select(name: str, *options: rx.Component, label: str | None = None) -> rx.Component:
    return rx.el.select(*options, name=name, class_name="cp-select", width="100%", aria_label=label)


# ------------------------------------------------------------------------------------------------ the list


def _family_card(row) -> rx.Component:
    return rx.link(
        card(
            rx.vstack(
                rx.hstack(
                    rx.heading(row.name, size="4", as_="h3", min_width="0"),
                    rx.badge(
                        rx.cond(
                            row.active_bookings == 1,
                            "1 active booking",
                            f"{row.active_bookings} active bookings",
                        ),
                        variant="soft",
                        color_scheme=rx.cond(row.active_bookings > 0, "green", "gray"),
                    ),
                    justify="between",
                    align="center",
                    width="100%",
                    wrap="wrap",
                    spacing="2",
                ),
                rx.text(
                    rx.cond(row.emails.length() > 0, row.emails.join(", "), "No login"),
                    size="2",
                    color_scheme="gray",
                    overflow_wrap="anywhere",
                ),
                rx.text(
                    rx.cond(row.attendees.length() > 0, row.attendees.join(", "), "No attendees yet"),
                    size="2",
                ),
                spacing="1",
                width="100%",
            ),
            class_name="cp-family-row",
        ),
        href=f"/admin/families/{row.id}",
        underline="none",
        color=rx.color("gray", 12),
        width="100%",
    )


def _search_form() -> rx.Component:
    return rx.form(
        rx.flex(
            rx.input(
                name="q",
                type="search",
                placeholder="Name, e-mail, phone or attendee",
                default_value=L.query,
                aria_label="Search families",
                flex="1",
                min_width="min(100%, 14rem)",
            ),
            rx.button(rx.icon("search", size=16), "Search", type="submit"),
            spacing="2",
            wrap="wrap",
            width="100%",
        ),
        on_submit=L.search,
        reset_on_submit=False,
        width="100%",
        role="search",
    )


def _new_family_form() -> rx.Component:
    key = "new"
    return card(
        _disclosure(
            "New family",
            _form(
                L.create_family,
                key,
                rx.text(
                    "The e-mail is the family's login (optional: a family can exist without one).",
                    size="2",
                    color_scheme="gray",
                ),
                _row(
                    _field(L, key, "Family name", "name", _input("name", autocomplete="off")),
                    _field(L, key, "E-mail", "email", _input("email", type_="email", autocomplete="off")),
                ),
                _row(
                    _field(L, key, "Parent's name", "full_name", _input("full_name", autocomplete="off")),
                    _field(L, key, "Phone", "phone", _input("phone", type_="tel", autocomplete="off")),
                ),
                rx.button("Create family", type="submit"),
                form_key=L.form_round,
            ),
        ),
    )


def _pager() -> rx.Component:
    return rx.hstack(
        rx.button(
            rx.icon("chevron-left", size=16),
            "Previous",
            variant="soft",
            disabled=L.page_no == 0,
            on_click=L.go_to_page(L.page_no - 1),
        ),
        rx.text(f"Page {L.page_no + 1}", size="2", color_scheme="gray"),
        rx.button(
            "Next",
            rx.icon("chevron-right", size=16),
            variant="soft",
            disabled=~L.has_more,
            on_click=L.go_to_page(L.page_no + 1),
        ),
        spacing="3",
        align="center",
        justify="center",
        width="100%",
    )


@page(
    "/admin/families",
    "Families",
    area="staff",
    load=[L.load_admin_families],
    nav=Nav("Families", "house", 30, section="families"),
)
def admin_families_page() -> rx.Component:
    return admin_shell(
        "Families",
        rx.heading("Families", size="6", as_="h1"),
        feedback(L),
        loading_or(
            L.loaded,
            rx.cond(
                L.error != "",
                rx.fragment(),
                rx.vstack(
                    _search_form(),
                    _new_family_form(),
                    rx.cond(
                        L.rows.length() > 0,
                        rx.vstack(
                            rx.grid(
                                rx.foreach(L.rows, _family_card),
                                grid_template_columns="repeat(auto-fill, minmax(min(100%, 20rem), 1fr))",
                                gap="0.75rem",
                                width="100%",
                            ),
                            rx.cond((L.page_no > 0) | L.has_more, _pager()),
                            spacing="3",
                            width="100%",
                        ),
                        empty_note(
                            rx.cond(L.query != "", f"No family matches “{L.query}”.", "No families yet.")
                        ),
                    ),
                    spacing="4",
                    width="100%",
                ),
            ),
        ),
    )


# ------------------------------------------------------------------------------------------------ clients


def _client_card(c) -> rx.Component:
    key = f"client-{c.id}"
    return card(
        rx.vstack(
            rx.hstack(
                rx.text(rx.cond(c.full_name != "", c.full_name, c.email), weight="bold"),
                rx.cond(~c.is_active, rx.badge("inactive", color_scheme="red", variant="soft")),
                rx.cond(c.reminders_opt_out, rx.badge("no reminders", color_scheme="gray", variant="soft")),
                spacing="2",
                align="center",
                wrap="wrap",
            ),
            rx.text(c.email, size="2", color_scheme="gray", overflow_wrap="anywhere"),
            rx.cond(c.phone != "", rx.text(c.phone, size="2", color_scheme="gray")),
            _inline_feedback(S, key),
            _disclosure(
                "Edit",
                _form(
                    S.save_client,
                    key,
                    _hidden("id", c.id),
                    _hidden("version", c.version),
                    _row(
                        _field(S, key, "E-mail", "email", _input("email", c.email, "email")),
                        _field(S, key, "Name", "full_name", _input("full_name", c.full_name)),
                    ),
                    _row(_field(S, key, "Phone", "phone", _input("phone", c.phone, "tel"))),
                    _check("reminders_opt_out", "No reminder e-mails", c.reminders_opt_out),
                    rx.text("A new e-mail logs this client out everywhere.", size="1", color_scheme="gray"),
                    rx.button("Save client", type="submit"),
                    form_key=f"{S.form_round}-{c.id}-{c.version}",
                ),
            ),
            spacing="2",
            width="100%",
        ),
        class_name="cp-client-row",
    )


def _add_client() -> rx.Component:
    key = "add-client"
    return card(
        _inline_feedback(S, key),
        _disclosure(
            "Add a client (a login)",
            _form(
                S.add_client,
                key,
                _hidden("family_id", S.family_key),
                _row(
                    _field(S, key, "E-mail", "email", _input("email", type_="email", autocomplete="off")),
                    _field(S, key, "Name", "full_name", _input("full_name", autocomplete="off")),
                ),
                _row(_field(S, key, "Phone", "phone", _input("phone", type_="tel", autocomplete="off"))),
                _check("reminders_opt_out", "No reminder e-mails"),
                rx.button("Add client", type="submit"),
                form_key=f"{S.form_round}",
            ),
        ),
    )


# ------------------------------------------------------------------------------------------------ attendees


def _attendee_card(a) -> rx.Component:
    key = f"attendee-{a.id}"
    return card(
        rx.vstack(
            rx.hstack(
                rx.text(a.full_name, weight="bold"),
                rx.cond(a.age, rx.badge(f"{a.age} years", variant="soft", color_scheme="gray")),
                rx.cond(a.has_photo, rx.badge("photo", variant="soft", color_scheme="green")),
                spacing="2",
                align="center",
                wrap="wrap",
            ),
            rx.text(
                rx.cond(a.birth_date != "", f"Born {a.birth_date}", "Birth date not given"),
                size="2",
                color_scheme="gray",
            ),
            _inline_feedback(S, key),
            rx.flex(
                rx.button(
                    rx.icon("camera", size=16),
                    rx.cond(a.has_photo, "New photo", "Add photo"),
                    variant="soft",
                    size="2",
                    on_click=S.open_photo(a.id, a.version),
                    aria_label=f"Photo of {a.full_name}",
                ),
                rx.cond(
                    a.has_photo,
                    rx.button(
                        "Remove photo",
                        variant="soft",
                        color_scheme="red",
                        size="2",
                        on_click=S.remove_photo(a.id, a.version),
                    ),
                ),
                spacing="2",
                wrap="wrap",
            ),
            _disclosure(
                "Edit",
                _form(
                    S.save_attendee,
                    key,
                    _hidden("id", a.id),
                    _hidden("version", a.version),
                    _row(
                        _field(S, key, "First name", "first_name", _input("first_name", a.first_name)),
                        _field(S, key, "Last name", "last_name", _input("last_name", a.last_name)),
                    ),
                    _row(
                        _field(
                            S,
                            key,
                            "Birth date",
                            "birth_date",
                            _input("birth_date", a.birth_date, "date", max=S.today_iso),
                        )
                    ),
                    rx.button("Save attendee", type="submit"),
                    form_key=f"{S.form_round}-{a.id}-{a.version}",
                ),
            ),
            spacing="2",
            width="100%",
        ),
        class_name="cp-attendee-row",
    )


def _add_attendee() -> rx.Component:
    key = "add-attendee"
    return card(
        _inline_feedback(S, key),
        _disclosure(
            "Add an attendee",
            _form(
                S.add_attendee,
                key,
                _hidden("family_id", S.family_key),
                _row(
                    _field(S, key, "First name", "first_name", _input("first_name", autocomplete="off")),
                    _field(S, key, "Last name", "last_name", _input("last_name", S.family_name)),
                ),
                _row(
                    _field(
                        S,
                        key,
                        "Birth date",
                        "birth_date",
                        _input("birth_date", type_="date", max=S.today_iso),
                    )
                ),
                rx.button("Add attendee", type="submit"),
                form_key=f"{S.form_round}",
            ),
        ),
    )


def _photo_panel() -> rx.Component:
    """One picture for the attendee whose Photo button was chosen (the upload is checked by the service: JPEG, PNG
    or WebP, at most 10 MB, stored as a small square JPEG without EXIF)."""
    key = f"photo-{S.photo_for}"
    files = rx.selected_files(PHOTO_UPLOAD_ID)
    return rx.cond(
        S.photo_for != 0,
        card(
            rx.vstack(
                rx.heading(f"Photo of {S.photo_name}", size="3", as_="h3"),
                rx.upload(
                    rx.vstack(
                        rx.icon("image-plus", size=24),
                        rx.text("Choose a picture, or drop it here", size="2", weight="medium"),
                        rx.text("JPEG, PNG or WebP, at most 10 MB", size="1", color_scheme="gray"),
                        align="center",
                        spacing="1",
                    ),
                    id=PHOTO_UPLOAD_ID,
                    multiple=False,
                    max_files=1,
                    accept=PHOTO_TYPES,
                    border=f"1px dashed {rx.color('gray', 8)}",
                    border_radius="var(--radius-3)",
                    padding="1rem",
                    width="100%",
                    cursor="pointer",
                ),
                rx.cond(
                    files.length() > 0,
                    rx.text(files.join(", "), size="2", overflow_wrap="anywhere"),
                ),
                rx.cond(
                    (S.form_key == key) & (S.field_errors.get("photo", "") != ""),
                    rx.text(S.field_errors.get("photo", ""), size="2", color_scheme="red", role="alert"),
                    _inline_feedback(S, key),
                ),
                rx.flex(
                    rx.button(
                        rx.icon("upload", size=16),
                        "Upload photo",
                        on_click=[
                            S.upload_photo(rx.upload_files(upload_id=PHOTO_UPLOAD_ID)),
                            rx.clear_selected_files(PHOTO_UPLOAD_ID),
                        ],
                        disabled=files.length() == 0,
                    ),
                    rx.button(
                        "Cancel",
                        variant="soft",
                        color_scheme="gray",
                        on_click=[S.close_photo, rx.clear_selected_files(PHOTO_UPLOAD_ID)],
                    ),
                    spacing="2",
                    wrap="wrap",
                ),
                spacing="3",
                width="100%",
            ),
            id="photo-panel",
        ),
    )


# ------------------------------------------------------------------------------------------------ bookings


def _class_option(o) -> rx.Component:
    return rx.el.option(
        rx.cond(
            o.places_left > 0,
            f"{o.label} · {o.price} · {o.places_left} left",
            f"{o.label} · full",
        ),
        value=o.id,
        disabled=o.places_left <= 0,
    )


def _class_select(label: str) -> rx.Component:
    return _select(
        "class_id",
        rx.el.option("Choose a class", value=""),
        rx.foreach(S.class_choices, _class_option),
        label=label,
    )


def _enrol_form() -> rx.Component:
    key = "enrol"
    return card(
        rx.vstack(
            rx.heading("Enrol in a class", size="3", as_="h3"),
            _inline_feedback(S, key),
            _form(
                S.enrol,
                key,
                _row(
                    _field(
                        S,
                        key,
                        "Attendee",
                        "attendee_id",
                        _select(
                            "attendee_id",
                            rx.foreach(S.attendees, lambda a: rx.el.option(a.full_name, value=a.id)),
                        ),
                    ),
                    _field(S, key, "Class", "class_id", _class_select("Class"), grow="3"),
                    _field(S, key, "From", "from_date", _input("from_date", S.today_iso, "date"), grow="1"),
                ),
                rx.text(
                    "Creates the booking, a place in every session from that day, and the term fee (due in 14 "
                    "days, the family's discounts applied).",
                    size="1",
                    color_scheme="gray",
                ),
                rx.button("Enrol", type="submit", id="enrol-submit"),
                form_key=f"{S.form_round}",
            ),
            spacing="2",
            width="100%",
        ),
        id="enrol-card",
    )


def _share_row(share) -> rx.Component:
    return rx.flex(
        rx.text(share.email, size="2", overflow_wrap="anywhere", min_width="0"),
        rx.cond(share.can_pay, rx.badge("pays", variant="soft")),
        rx.cond(share.can_manage, rx.badge("manages", variant="soft")),
        rx.button(
            "Revoke",
            size="1",
            variant="ghost",
            color_scheme="red",
            on_click=S.revoke_share(share.booking_id, share.email),
            aria_label=f"Revoke {share.email}",
        ),
        spacing="2",
        align="center",
        wrap="wrap",
    )


def _booking_card(b) -> rx.Component:
    key = f"booking-{b.id}"
    return card(
        rx.vstack(
            rx.flex(
                rx.vstack(
                    rx.text(b.programme, weight="bold"),
                    rx.text(f"{b.attendee} · {b.class_name}", size="2"),
                    rx.cond(b.schedule != "", rx.text(b.schedule, size="2", color_scheme="gray")),
                    spacing="1",
                    min_width="0",
                ),
                rx.badge(
                    rx.cond(b.is_active, "active", b.status),
                    color_scheme=rx.cond(b.is_active, "green", "gray"),
                    variant="soft",
                ),
                justify="between",
                spacing="2",
                width="100%",
            ),
            rx.text(
                rx.cond(b.starts_on != "", f"From {b.starts_on}", "Open start"),
                rx.cond(b.ends_on != "", f" to {b.ends_on}", ""),
                " · ",
                b.price,
                size="2",
                color_scheme="gray",
            ),
            rx.cond(
                b.shares.length() > 0,
                rx.vstack(
                    rx.text("Shared with", size="1", weight="medium", color_scheme="gray"),
                    rx.foreach(b.shares, _share_row),
                    spacing="1",
                    width="100%",
                ),
            ),
            _inline_feedback(S, key),
            rx.cond(
                b.status == "active",
                rx.vstack(
                    _disclosure(
                        "End",
                        _form(
                            S.end_enrolment,
                            key,
                            _hidden("id", b.id),
                            _hidden("version", b.version),
                            _row(
                                _field(
                                    S,
                                    key,
                                    "First day without the class",
                                    "from_date",
                                    _input("from_date", S.today_iso, "date"),
                                )
                            ),
                            rx.button("End enrolment", type="submit", color_scheme="red", variant="soft"),
                            form_key=f"end-{S.form_round}-{b.id}-{b.version}",
                        ),
                    ),
                    _disclosure(
                        "Move",
                        _form(
                            S.move_enrolment,
                            key,
                            _hidden("id", b.id),
                            _hidden("version", b.version),
                            _row(
                                _field(S, key, "To class", "class_id", _class_select("To class"), grow="3"),
                                _field(S, key, "From", "from_date", _input("from_date", S.today_iso, "date")),
                            ),
                            rx.text(
                                "No new fee: the term was paid with this booking.",
                                size="1",
                                color_scheme="gray",
                            ),
                            rx.button("Move", type="submit", variant="soft"),
                            form_key=f"move-{S.form_round}-{b.id}-{b.version}",
                        ),
                    ),
                    _disclosure(
                        "Share",
                        _form(
                            S.grant_share,
                            key,
                            _hidden("booking_id", b.id),
                            _row(_field(S, key, "E-mail", "email", _input("email", type_="email"))),
                            rx.flex(
                                _check("notify", "Notifications", True),
                                _check("can_pay", "May pay"),
                                _check("can_manage", "May manage"),
                                spacing="3",
                                wrap="wrap",
                            ),
                            rx.button("Share", type="submit", variant="soft"),
                            form_key=f"share-{S.form_round}-{b.id}",
                        ),
                    ),
                    spacing="1",
                    width="100%",
                ),
            ),
            spacing="2",
            width="100%",
        ),
        class_name="cp-booking-row",
    )


# ------------------------------------------------------------------------------------------------ view as client


def _seen_booking(b) -> rx.Component:
    return rx.box(
        rx.text(f"{b.member}: {b.programme}", weight="medium", size="2"),
        rx.text(
            b.class_name,
            rx.cond(b.schedule != "", f" · {b.schedule}", ""),
            rx.cond(b.next_session != "", f" · next {b.next_session}", ""),
            rx.cond(~b.is_active, " · ended", ""),
            size="2",
            color_scheme="gray",
        ),
        width="100%",
    )


def _seen_unpaid(u) -> rx.Component:
    return rx.flex(
        rx.box(
            rx.text(u.description, size="2", weight="medium"),
            rx.text(
                rx.cond(u.attendee != "", f"{u.attendee} · ", ""),
                f"due {u.due}",
                rx.cond(u.overdue, " · overdue", ""),
                size="1",
                color_scheme=rx.cond(u.overdue, "red", "gray"),
            ),
            min_width="0",
        ),
        rx.text(u.amount, size="2", weight="bold", white_space="nowrap"),
        justify="between",
        spacing="3",
        width="100%",
    )


def _view_panel() -> rx.Component:
    return rx.cond(
        S.viewing,
        card(
            rx.vstack(
                rx.flex(
                    rx.heading("As the family sees it", size="4", as_="h2"),
                    rx.button("Close", variant="soft", color_scheme="gray", size="2", on_click=S.close_view),
                    justify="between",
                    align="center",
                    width="100%",
                    spacing="2",
                ),
                rx.callout(
                    rx.cond(
                        S.seen_as != "",
                        f"Read-only: {S.seen_as}'s home page now. This view is recorded in the audit log.",
                        "Read-only: the family's home page now (no login yet). This view is recorded in the audit "
                        "log.",
                    ),
                    icon="eye",
                    color_scheme="blue",
                    size="1",
                    width="100%",
                ),
                rx.text("Members", size="2", weight="bold"),
                rx.cond(
                    S.seen_members.length() > 0,
                    rx.flex(
                        rx.foreach(
                            S.seen_members,
                            lambda m: rx.badge(
                                rx.cond(m.age, f"{m.full_name} ({m.age})", m.full_name), variant="surface"
                            ),
                        ),
                        spacing="2",
                        wrap="wrap",
                    ),
                    empty_note("No members."),
                ),
                rx.text("Bookings", size="2", weight="bold"),
                rx.cond(
                    S.seen_bookings.length() > 0,
                    rx.vstack(rx.foreach(S.seen_bookings, _seen_booking), spacing="2", width="100%"),
                    empty_note("No bookings."),
                ),
                rx.text("To pay", size="2", weight="bold"),
                rx.cond(
                    S.seen_unpaid.length() > 0,
                    rx.vstack(
                        rx.foreach(S.seen_unpaid, _seen_unpaid),
                        rx.text(f"Total {S.seen_unpaid_total}", size="2", weight="bold"),
                        spacing="2",
                        width="100%",
                    ),
                    empty_note("Nothing is due."),
                ),
                rx.cond(S.seen_credit != "", rx.text(f"Credit: {S.seen_credit}", size="2")),
                spacing="2",
                width="100%",
            ),
            id="view-as-client",
            background=rx.color("blue", 2),
        ),
    )


# ------------------------------------------------------------------------------------------------ the page


def _rename() -> rx.Component:
    key = "family"
    return rx.box(
        _inline_feedback(S, key),
        _disclosure(
            "Rename",
            _form(
                S.rename_family,
                key,
                _hidden("id", S.family_key),
                _hidden("version", S.family_version),
                _row(_field(S, key, "Family name", "name", _input("name", S.family_name))),
                rx.button("Save name", type="submit", variant="soft"),
                form_key=f"{S.form_round}-{S.family_version}",
            ),
        ),
        width="100%",
    )


def _family() -> rx.Component:
    return rx.vstack(
        rx.flex(
            rx.heading(S.family_name, size="6", as_="h1", min_width="0"),
            rx.button(
                rx.icon("eye", size=16),
                "View as client",
                variant="soft",
                on_click=S.view_as_client(S.family_key),
            ),
            justify="between",
            align="center",
            spacing="3",
            wrap="wrap",
            width="100%",
        ),
        _rename(),
        rx.cond((S.form_key == "") | (S.form_key == "view"), feedback(S)),
        _view_panel(),
        section(
            "Clients",
            rx.text(
                "The family's logins: each one logs in with their e-mail.", size="2", color_scheme="gray"
            ),
            rx.cond(S.clients.length() > 0, _grid(S.clients, _client_card), empty_note("No login yet.")),
            _add_client(),
        ),
        section(
            "Attendees",
            rx.cond(
                S.attendees.length() > 0,
                _grid(S.attendees, _attendee_card),
                empty_note("No attendees yet."),
            ),
            _photo_panel(),
            _add_attendee(),
        ),
        section(
            "Bookings",
            rx.cond(S.attendees.length() > 0, _enrol_form(), empty_note("Add an attendee to enrol them.")),
            rx.cond(
                S.bookings.length() > 0,
                _grid(S.bookings, _booking_card),
                empty_note("No bookings yet."),
            ),
        ),
        spacing="5",
        width="100%",
    )


@page("/admin/families/[family_id]", "Family", area="staff", load=[S.load_admin_family])
def admin_family_page() -> rx.Component:
    return admin_shell(
        "Families",
        rx.link(
            rx.hstack(rx.icon("chevron-left", size=16), rx.text("Families"), spacing="1", align="center"),
            href="/admin/families",
            size="2",
        ),
        loading_or(
            S.loaded,
            rx.cond(
                S.not_found,
                rx.vstack(
                    rx.heading("Family not found", size="6", as_="h1"),
                    feedback(S),
                    empty_note("This family does not exist or is not one of yours."),
                    spacing="3",
                ),
                rx.cond(
                    S.family_key == 0,
                    feedback(S),  # a refused load (the role): the message, and nothing of the family
                    _family(),
                ),
            ),
        ),
    )
