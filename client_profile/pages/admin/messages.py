"""/admin/messages: the e-mail texts with a live preview (the owner edits, the office reads), messages to the
families of a class or a session, and what was sent with its delivery status per recipient."""

from __future__ import annotations

import reflex as rx

from client_profile.components.admin_forms import (
    disclosure,
    field,
    form_feedback,
    hidden,
    submit,
    text_input,
)
from client_profile.components.admin_layout import admin_shell, console_body
from client_profile.components.layout import card, empty_note, section
from client_profile.page_registry import Nav, page
from client_profile.state.admin.messages import AdminMessagesState as S


def _preview(subject, text, problem, heading: str = "Preview") -> rx.Component:
    return rx.vstack(
        rx.text(heading, size="2", weight="medium", color_scheme="gray"),
        rx.box(
            rx.text(rx.cond(subject != "", subject, "(no subject)"), weight="bold", size="2"),
            rx.separator(size="4", margin_y="0.5rem"),
            rx.text(text, size="2", white_space="pre-wrap", overflow_wrap="anywhere"),
            padding="0.75rem",
            border_radius="8px",
            background=rx.color("gray", 2),
            border=f"1px solid {rx.color('gray', 5)}",
            width="100%",
            class_name="cp-preview",
        ),
        rx.cond(problem != "", rx.text(problem, size="1", color_scheme="orange", role="status")),
        spacing="2",
        width="100%",
    )


def _tags(tags) -> rx.Component:
    return disclosure(
        "Merge tags",
        rx.vstack(rx.foreach(tags, lambda t: rx.code(t, size="1", white_space="normal")), spacing="1"),
        small=True,
    )


def _kind_row(row) -> rx.Component:
    return card(
        rx.flex(
            rx.vstack(
                rx.text(row.label, weight="bold"),
                rx.hstack(
                    rx.cond(
                        row.edited,
                        rx.badge("your text", color_scheme="teal", variant="soft"),
                        rx.badge("built-in text", color_scheme="gray", variant="soft"),
                    ),
                    rx.cond(~row.sent, rx.badge("not sent yet", color_scheme="orange", variant="soft")),
                    rx.cond(row.to_staff, rx.badge("to staff", color_scheme="gray", variant="outline")),
                    spacing="2",
                    wrap="wrap",
                ),
                spacing="1",
                min_width="0",
                flex="1",
            ),
            rx.button(
                rx.cond(S.may_edit, "Edit", "View"),
                variant="soft",
                on_click=S.open_template(row.kind),
                aria_label=f"Open the text of {row.label}",
            ),
            justify="between",
            align="center",
            spacing="3",
            width="100%",
        ),
        class_name="cp-template-row",
    )


def _editor() -> rx.Component:
    key = "template"
    form = rx.form(
        rx.vstack(
            hidden("kind", S.editing),
            hidden("version", S.edit_version),
            field(
                S,
                key,
                "subject",
                "Subject",
                text_input(
                    key,
                    "subject",
                    S.edit_subject,
                    read_only=~S.may_edit,
                    on_change=lambda v: S.redraft("subject", v),
                ),
            ),
            field(
                S,
                key,
                "body",
                "Message",
                rx.text_area(
                    id=f"{key}-body",
                    name="body",
                    default_value=S.edit_body,
                    rows="12",
                    width="100%",
                    read_only=~S.may_edit,
                    on_change=lambda v: S.redraft("body", v),
                ),
                hint="Plain text; a blank line starts a new paragraph. Links become clickable.",
            ),
            rx.cond(
                S.edit_required != "",
                rx.text("Must contain: ", S.edit_required, size="1", color_scheme="gray"),
            ),
            _tags(S.edit_tags),
            rx.cond(
                S.may_edit,
                rx.flex(
                    submit(S, key, "Save"),
                    rx.cond(
                        S.edit_edited,
                        rx.button(
                            "Reset to the built-in text",
                            type="button",
                            variant="soft",
                            color_scheme="red",
                            on_click=S.reset_template(S.editing, S.edit_version),
                        ),
                    ),
                    spacing="3",
                    wrap="wrap",
                    align="start",
                ),
                rx.text("Only the owner can change these texts.", size="2", color_scheme="gray"),
            ),
            spacing="3",
            width="100%",
        ),
        on_submit=S.save_template,
        reset_on_submit=False,
        width="100%",
        key=S.editing + S.form_round.to_string() + "-" + S.edit_version.to_string(),
    )
    return card(
        rx.vstack(
            rx.flex(
                rx.heading(S.edit_label, size="4", as_="h2"),
                rx.button("Back to the list", variant="ghost", on_click=S.close_template),
                justify="between",
                align="center",
                wrap="wrap",
                spacing="2",
                width="100%",
            ),
            rx.cond(
                ~S.edit_sent,
                rx.callout(
                    "The app does not send this message yet; your text is kept for when it does.",
                    icon="info",
                    color_scheme="orange",
                    size="1",
                ),
            ),
            form_feedback(S, key),
            rx.flex(
                rx.box(form, flex="1 1 22rem", min_width="0"),
                rx.box(
                    _preview(S.preview_subject, S.preview_text, S.preview_problem, "Preview (sample values)"),
                    flex="1 1 18rem",
                    min_width="0",
                ),
                spacing="4",
                wrap="wrap",
                width="100%",
            ),
            spacing="3",
            width="100%",
        ),
        class_name="cp-template-editor",
    )


def _message_form() -> rx.Component:
    key = "message"
    return card(
        rx.form(
            rx.vstack(
                rx.text(
                    "One e-mail to each parent of the families with a place in the class (or in the session), "
                    "for news such as a closed pool.",
                    size="2",
                    color_scheme="gray",
                ),
                hidden("token", S.send_token),
                field(
                    S,
                    key,
                    "target",
                    "To the families of",
                    rx.el.select(
                        rx.el.option("Choose a class or a session", value=""),
                        rx.foreach(S.targets, lambda t: rx.el.option(t.label, value=t.value)),
                        id=f"{key}-target",
                        name="target",
                        class_name="cp-select",
                        width="100%",
                        on_change=S.pick_target,
                    ),
                ),
                rx.cond(
                    S.msg_audience != "",
                    rx.text(S.msg_audience, size="1", color_scheme="gray", class_name="cp-audience"),
                ),
                field(
                    S,
                    key,
                    "subject",
                    "Subject",
                    text_input(key, "subject", on_change=lambda v: S.redraft("msg_subject", v)),
                ),
                field(
                    S,
                    key,
                    "body",
                    "Message",
                    rx.text_area(
                        id=f"{key}-body",
                        name="body",
                        rows="6",
                        width="100%",
                        on_change=lambda v: S.redraft("msg_body", v),
                    ),
                ),
                rx.text("Merge tags: ", S.msg_tags.join(" "), size="1", color_scheme="gray"),
                rx.cond(
                    (S.msg_subject != "") | (S.msg_body != ""),
                    _preview(S.msg_preview_subject, S.msg_preview_text, S.msg_preview_problem),
                ),
                form_feedback(S, key),
                submit(S, key, "Send"),
                spacing="3",
                width="100%",
            ),
            on_submit=S.send_message,
            reset_on_submit=False,
            width="100%",
            key=S.form_round.to_string(),
        )
    )


def _delivery(d) -> rx.Component:
    return rx.flex(
        rx.text(d.email, size="2", overflow_wrap="anywhere", flex="1", min_width="0"),
        rx.badge(
            d.status,
            color_scheme=rx.match(d.status, ("sent", "green"), ("failed", "red"), "gray"),
            variant="soft",
        ),
        rx.cond(d.error != "", rx.text(d.error, size="1", color_scheme="red", width="100%")),
        justify="between",
        align="center",
        wrap="wrap",
        spacing="2",
        width="100%",
        class_name="cp-delivery",
    )


def _sent_row(m) -> rx.Component:
    return card(
        rx.vstack(
            rx.text(m.subject, weight="bold"),
            rx.text(m.target, size="2"),
            rx.text(m.at, " · ", m.counts, size="1", color_scheme="gray"),
            disclosure("Recipients", rx.vstack(rx.foreach(m.deliveries, _delivery), spacing="2"), small=True),
            spacing="1",
            width="100%",
        ),
        class_name="cp-sent-message",
    )


@page(
    "/admin/messages",
    "Messages",
    area="staff",
    load=[S.load_admin_messages],
    nav=Nav("Messages", "mail", 40, section="messages"),
)
def admin_messages_page() -> rx.Component:
    return admin_shell(
        "Messages",
        rx.heading("Messages", size="6", as_="h1"),
        console_body(
            S,
            rx.cond(
                S.editing != "",
                _editor(),
                section(
                    "E-mail texts",
                    rx.text(
                        "What the app sends, in your words. A text you never edit stays the built-in one.",
                        size="2",
                        color_scheme="gray",
                    ),
                    rx.foreach(S.kinds, _kind_row),
                ),
            ),
            section("Message families", _message_form()),
            section(
                "Sent messages",
                rx.cond(S.sent.length() > 0, rx.foreach(S.sent, _sent_row), empty_note("Nothing sent yet.")),
            ),
        ),
    )
