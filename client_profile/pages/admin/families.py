"""/admin/families (find a family, create one) and /admin/families/[family_id] (one family: clients, attendees and
their photos, bookings with enrol / end / move, shared access, "view as client"). Owner and office only: the
services refuse everyone else, and the page then shows the refusal and no family data."""

from __future__ import annotations

import reflex as rx

from client_profile.components.admin_deletions import deletion_requests
from client_profile.components.admin_forms import (
    check,
    disclosure,
    field,
    field_message,
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
from client_profile.state.admin.deletions import AdminDeletionsState
from client_profile.state.admin.families import AdminFamiliesState as L
from client_profile.state.admin.families import AdminFamilyState as S

PHOTO_UPLOAD_ID = "attendee-photo"
PHOTO_TYPES = {"image/jpeg": [".jpg", ".jpeg"], "image/png": [".png"], "image/webp": [".webp"]}


# ------------------------------------------------------------------------------------------------ small parts


def _grid(items, render) -> rx.Component:
    """Cards side by side as the width allows (one column on a phone); a card opening a form grows alone."""
    return rx.grid(
        rx.foreach(items, render),
        grid_template_columns="repeat(auto-fill, minmax(min(100%, 24rem), 1fr))",
        align_items="start",
        gap="0.75rem",
        width="100%",
    )


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
        form_feedback(L, key),
        disclosure(
            "New family",
            form(
                L.create_family,
                rx.text(
                    "The e-mail is the family's login (optional: a family can exist without one).",
                    size="2",
                    color_scheme="gray",
                ),
                row(
                    field(L, key, "name", "Family name", text_input(key, "name", autocomplete="off")),
                    field(
                        L, key, "email", "E-mail", text_input(key, "email", type="email", autocomplete="off")
                    ),
                ),
                row(
                    field(
                        L, key, "full_name", "Parent's name", text_input(key, "full_name", autocomplete="off")
                    ),
                    field(L, key, "phone", "Phone", text_input(key, "phone", type="tel", autocomplete="off")),
                ),
                submit(L, key, "Create family"),
                key=L.form_round,
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
    load=[L.load_admin_families, AdminDeletionsState.load_admin_deletions],
    nav=Nav("Families", "house", 30, section="families"),
)
def admin_families_page() -> rx.Component:
    return admin_shell(
        "Families",
        page_heading("Families", action_link("Import from a spreadsheet", "/admin/import", "upload")),
        form_feedback(L, ""),
        loading_or(
            L.loaded,
            rx.cond(
                L.refused,
                rx.fragment(),
                rx.vstack(
                    deletion_requests(),
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
            form_feedback(S, key),
            disclosure(
                "Edit",
                form(
                    S.save_client,
                    hidden("id", c.id),
                    hidden("version", c.version),
                    row(
                        field(S, key, "email", "E-mail", text_input(key, "email", c.email, type="email")),
                        field(S, key, "full_name", "Name", text_input(key, "full_name", c.full_name)),
                    ),
                    row(
                        field(S, key, "phone", "Phone", text_input(key, "phone", c.phone, type="tel")),
                        _language_field(key, c.language),
                    ),
                    check(key, "reminders_opt_out", "No reminder e-mails", c.reminders_opt_out),
                    rx.text("A new e-mail logs this client out everywhere.", size="1", color_scheme="gray"),
                    submit(S, key, "Save client"),
                    key=f"{S.form_round}-{c.id}-{c.version}",
                ),
            ),
            spacing="2",
            width="100%",
        ),
        class_name="cp-client-row",
    )


def _language_field(key: str, value) -> rx.Component:
    return field(
        S,
        key,
        "language",
        "Language of messages",
        text_input(key, "language", value, placeholder="e.g. sk", autocomplete="off", max_length=8),
        hint="Empty: the provider's language.",
        min_width="9rem",
    )


def _add_client() -> rx.Component:
    key = "add-client"
    return card(
        form_feedback(S, key),
        disclosure(
            "Add a client (a login)",
            form(
                S.add_client,
                hidden("family_id", S.family_key),
                row(
                    field(
                        S, key, "email", "E-mail", text_input(key, "email", type="email", autocomplete="off")
                    ),
                    field(S, key, "full_name", "Name", text_input(key, "full_name", autocomplete="off")),
                ),
                row(
                    field(S, key, "phone", "Phone", text_input(key, "phone", type="tel", autocomplete="off")),
                    _language_field(key, ""),
                ),
                check(key, "reminders_opt_out", "No reminder e-mails"),
                submit(S, key, "Add client"),
                key=f"{S.form_round}",
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
            form_feedback(S, key),
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
            disclosure(
                "Edit",
                form(
                    S.save_attendee,
                    hidden("id", a.id),
                    hidden("version", a.version),
                    row(
                        field(
                            S, key, "first_name", "First name", text_input(key, "first_name", a.first_name)
                        ),
                        field(S, key, "last_name", "Last name", text_input(key, "last_name", a.last_name)),
                    ),
                    row(
                        field(
                            S,
                            key,
                            "birth_date",
                            "Birth date",
                            text_input(key, "birth_date", a.birth_date, type="date", max=S.today_iso),
                        )
                    ),
                    submit(S, key, "Save attendee"),
                    key=f"{S.form_round}-{a.id}-{a.version}",
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
        form_feedback(S, key),
        disclosure(
            "Add an attendee",
            form(
                S.add_attendee,
                hidden("family_id", S.family_key),
                row(
                    field(
                        S, key, "first_name", "First name", text_input(key, "first_name", autocomplete="off")
                    ),
                    field(S, key, "last_name", "Last name", text_input(key, "last_name", S.family_name)),
                ),
                row(
                    field(
                        S,
                        key,
                        "birth_date",
                        "Birth date",
                        text_input(key, "birth_date", type="date", max=S.today_iso),
                    )
                ),
                submit(S, key, "Add attendee"),
                key=f"{S.form_round}",
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
                field_message(S, key, "photo"),
                form_feedback(S, key),
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


def _class_select(key, label: str) -> rx.Component:
    return select(
        key,
        "class_id",
        [rx.el.option("Choose a class", value=""), rx.foreach(S.class_choices, _class_option)],
        aria_label=label,
    )


def _enrol_form() -> rx.Component:
    key = "enrol"
    return card(
        rx.vstack(
            rx.heading("Enrol in a class", size="3", as_="h3"),
            form_feedback(S, key),
            form(
                S.enrol,
                row(
                    field(
                        S,
                        key,
                        "attendee_id",
                        "Attendee",
                        select(
                            key,
                            "attendee_id",
                            [rx.foreach(S.attendees, lambda a: rx.el.option(a.full_name, value=a.id))],
                        ),
                    ),
                    field(S, key, "class_id", "Class", _class_select(key, "Class"), flex="3"),
                    field(
                        S,
                        key,
                        "from_date",
                        "From",
                        text_input(key, "from_date", S.today_iso, type="date"),
                        flex="1",
                    ),
                ),
                rx.text(
                    "Creates the booking, a place in every session from that day, and the term fee (due in 14 "
                    "days, the family's discounts applied).",
                    size="1",
                    color_scheme="gray",
                ),
                submit(S, key, "Enrol"),
                key=f"{S.form_round}",
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
    end, move, share = f"end-{b.id}", f"move-{b.id}", f"share-{b.id}"
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
            form_feedback(S, end),
            form_feedback(S, move),
            form_feedback(S, share),
            rx.cond(
                b.status == "active",
                rx.vstack(
                    disclosure(
                        "End",
                        form(
                            S.end_enrolment,
                            hidden("id", b.id),
                            hidden("version", b.version),
                            row(
                                field(
                                    S,
                                    end,
                                    "from_date",
                                    "First day without the class",
                                    text_input(end, "from_date", S.today_iso, type="date"),
                                )
                            ),
                            submit(S, end, "End enrolment", color_scheme="red", variant="soft"),
                            key=f"end-{S.form_round}-{b.id}-{b.version}",
                        ),
                    ),
                    disclosure(
                        "Move",
                        form(
                            S.move_enrolment,
                            hidden("id", b.id),
                            hidden("version", b.version),
                            row(
                                field(
                                    S, move, "class_id", "To class", _class_select(move, "To class"), flex="3"
                                ),
                                field(
                                    S,
                                    move,
                                    "from_date",
                                    "From",
                                    text_input(move, "from_date", S.today_iso, type="date"),
                                ),
                            ),
                            rx.text(
                                "No new fee: the term was paid with this booking.",
                                size="1",
                                color_scheme="gray",
                            ),
                            submit(S, move, "Move", variant="soft"),
                            key=f"move-{S.form_round}-{b.id}-{b.version}",
                        ),
                    ),
                    disclosure(
                        "Share",
                        form(
                            S.grant_share,
                            hidden("booking_id", b.id),
                            row(field(S, share, "email", "E-mail", text_input(share, "email", type="email"))),
                            rx.flex(
                                check(share, "notify", "Notifications", True),
                                check(share, "can_pay", "May pay"),
                                check(share, "can_manage", "May manage"),
                                spacing="3",
                                wrap="wrap",
                            ),
                            submit(S, share, "Share", variant="soft"),
                            key=f"share-{S.form_round}-{b.id}",
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
        form_feedback(S, key),
        disclosure(
            "Rename",
            form(
                S.rename_family,
                hidden("id", S.family_key),
                hidden("version", S.family_version),
                row(field(S, key, "name", "Family name", text_input(key, "name", S.family_name))),
                submit(S, key, "Save name", variant="soft"),
                key=f"{S.form_round}-{S.family_version}",
            ),
        ),
        width="100%",
    )


def _family() -> rx.Component:
    return rx.vstack(
        rx.flex(
            rx.heading(S.family_name, size="6", as_="h1", min_width="0"),
            rx.flex(
                action_link(
                    "Money", f"/admin/families/{S.family_key}/money", "wallet", id="family-money-link"
                ),
                action_link("Benefits", f"/admin/families/{S.family_key}/benefits", "gift"),
                rx.button(
                    rx.icon("eye", size=16),
                    "View as client",
                    variant="soft",
                    on_click=S.view_as_client(S.family_key),
                ),
                spacing="2",
                wrap="wrap",
            ),
            justify="between",
            align="center",
            spacing="3",
            wrap="wrap",
            width="100%",
        ),
        _rename(),
        form_feedback(S, ""),
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
                    form_feedback(S, ""),
                    empty_note("This family does not exist or is not one of yours."),
                    spacing="3",
                ),
                rx.cond(
                    S.family_key == 0,
                    form_feedback(S, ""),  # a refused load (the role): the message, and nothing of the family
                    _family(),
                ),
            ),
        ),
    )
