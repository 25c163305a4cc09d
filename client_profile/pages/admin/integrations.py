"""/admin/integrations (owners): keys of the REST API /api/v1 and webhooks (docs/api.md)."""

from __future__ import annotations

import reflex as rx

from client_profile.components.admin_forms import (
    check,
    field,
    field_message,
    form_feedback,
    row,
    submit,
    text_input,
)
from client_profile.components.admin_layout import admin_shell, console_body
from client_profile.components.layout import card, section
from client_profile.page_registry import Nav, page
from client_profile.state.admin.integrations import AdminIntegrationsState as S


def _new_key_form() -> rx.Component:
    key = "api-key"
    return card(
        rx.form(
            rx.vstack(
                rx.heading("New API key", size="3", as_="h2"),
                rx.text(
                    "Another system (accounting, a website, a spreadsheet) reads your data at /api/v1 with it. "
                    "A read-write key may also add families, enrol and take attendance.",
                    size="2",
                    color_scheme="gray",
                ),
                form_feedback(S, key),
                row(
                    field(
                        S,
                        key,
                        "name",
                        "What uses it",
                        text_input(key, "name", required=True, max_length=100),
                        min_width="14rem",
                        flex="2",
                    ),
                ),
                check(key, "write", "Read-write (otherwise read-only)"),
                submit(S, key, "Make the key"),
                spacing="3",
                width="100%",
            ),
            on_submit=S.create_api_key,
            reset_on_submit=False,
            width="100%",
            key=S.form_round.to_string(),
        )
    )


def _shown_once() -> rx.Component:
    return rx.cond(
        S.new_key != "",
        rx.callout.root(
            rx.callout.icon(rx.icon("key-round")),
            rx.vstack(
                rx.text("Your new key (shown only now: copy it into the other system):", size="2"),
                rx.code(S.new_key, id="new-api-key", word_break="break-all", size="3"),
                spacing="2",
            ),
            color_scheme="amber",
            width="100%",
        ),
    )


def _key_row(item) -> rx.Component:
    return card(
        rx.flex(
            rx.vstack(
                rx.hstack(
                    rx.text(item.name, weight="bold"),
                    rx.badge(item.scope, variant="soft"),
                    rx.cond(item.is_revoked, rx.badge("revoked", color_scheme="red", variant="soft")),
                    spacing="2",
                    align="center",
                    wrap="wrap",
                ),
                rx.text(rx.el.code(item.prefix), " · made ", item.created, size="2", color_scheme="gray"),
                rx.text(
                    rx.cond(item.last_used != "", "Last used " + item.last_used, "Never used"),
                    rx.cond(item.is_revoked, " · revoked " + item.revoked, ""),
                    size="2",
                    color_scheme="gray",
                ),
                spacing="1",
                min_width="0",
                flex="1",
            ),
            rx.cond(
                ~item.is_revoked,
                rx.button(
                    "Revoke",
                    variant="soft",
                    color_scheme="red",
                    on_click=S.revoke_api_key(item.id),
                    aria_label="Revoke " + item.name,
                ),
            ),
            justify="between",
            align="center",
            spacing="3",
            wrap="wrap",
            width="100%",
        ),
        class_name="cp-api-key-row",
    )


def _webhook_form() -> rx.Component:
    key = "webhook"
    return card(
        rx.form(
            rx.vstack(
                rx.heading("New webhook", size="3", as_="h2"),
                rx.text(
                    "We POST each change to this URL as JSON, signed with a secret you get once (docs/api.md).",
                    size="2",
                    color_scheme="gray",
                ),
                form_feedback(S, key),
                field(
                    S,
                    key,
                    "url",
                    "Receiver URL",
                    text_input(key, "url", type="url", required=True, placeholder="https://"),
                ),
                rx.flex(
                    check(key, "booking", "Bookings"),
                    check(key, "attendance", "Attendance"),
                    check(key, "payment", "Payments"),
                    spacing="4",
                    wrap="wrap",
                ),
                field_message(S, key, "events"),
                submit(S, key, "Add the webhook"),
                spacing="3",
                width="100%",
            ),
            on_submit=S.add_webhook,
            reset_on_submit=False,
            width="100%",
            key=S.form_round.to_string(),
        )
    )


def _secret_once() -> rx.Component:
    return rx.cond(
        S.new_secret != "",
        rx.callout.root(
            rx.callout.icon(rx.icon("key-round")),
            rx.vstack(
                rx.text("The webhook's signing secret (shown only now):", size="2"),
                rx.code(S.new_secret, id="new-webhook-secret", word_break="break-all", size="3"),
                spacing="2",
            ),
            color_scheme="amber",
            width="100%",
        ),
    )


def _hook_row(item) -> rx.Component:
    return card(
        rx.flex(
            rx.vstack(
                rx.hstack(
                    rx.text(item.url, weight="bold", word_break="break-all"),
                    rx.cond(item.is_disabled, rx.badge("stopped", color_scheme="red", variant="soft")),
                    spacing="2",
                    align="center",
                    wrap="wrap",
                ),
                rx.text(item.events, " · added ", item.created, size="2", color_scheme="gray"),
                rx.text(
                    rx.cond(item.last_delivery != "", "Last: " + item.last_delivery, "Nothing sent yet"),
                    size="2",
                    color_scheme="gray",
                ),
                spacing="1",
                min_width="0",
                flex="1",
            ),
            rx.cond(
                ~item.is_disabled,
                rx.button("Stop", variant="soft", color_scheme="red", on_click=S.stop_webhook(item.id)),
            ),
            justify="between",
            align="center",
            spacing="3",
            wrap="wrap",
            width="100%",
        ),
        class_name="cp-webhook-row",
    )


@page(
    "/admin/integrations",
    "Integrations",
    area="staff",
    load=[S.load_admin_integrations],
    nav=Nav("Integrations", "plug", 58, section="integrations"),
)
def admin_integrations_page() -> rx.Component:
    return admin_shell(
        "Integrations",
        rx.heading("Integrations", size="6", as_="h1"),
        console_body(
            S,
            _shown_once(),
            _new_key_form(),
            section(
                "API keys",
                rx.cond(
                    S.keys_list.length() > 0,
                    rx.foreach(S.keys_list, _key_row),
                    rx.text("No keys yet.", size="2", color_scheme="gray"),
                ),
                rx.text(
                    "How to use them: Authorization: Bearer <key> on /api/v1; the reference is at /api/v1/docs.",
                    size="2",
                    color_scheme="gray",
                ),
            ),
            _secret_once(),
            _webhook_form(),
            section(
                "Webhooks",
                rx.cond(
                    S.hooks.length() > 0,
                    rx.foreach(S.hooks, _hook_row),
                    rx.text("No webhooks yet.", size="2", color_scheme="gray"),
                ),
            ),
        ),
    )
