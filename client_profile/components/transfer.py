"""Bank transfer instructions (IBAN, amount, reference, an EPC QR code for banking apps) with copy buttons: the
payments page and an order's page show the same panel for their own state."""

from __future__ import annotations

import reflex as rx

from client_profile.components.layout import card


def _copy(label: str, value) -> rx.Component:
    return rx.icon_button(
        rx.icon("copy", size=16),
        on_click=rx.set_clipboard(value),
        variant="ghost",
        size="2",
        aria_label=f"Copy the {label}",
        title=f"Copy the {label}",
        class_name="cp-copy",
    )


def transfer_panel(state) -> rx.Component:
    t = state.transfer

    def line(label: str, value, copy=None) -> rx.Component:
        return rx.hstack(
            rx.text(label, size="2", color_scheme="gray", min_width="7rem"),
            rx.text(value, size="2", weight="medium"),
            _copy(label.lower(), copy) if copy is not None else rx.fragment(),
            spacing="2",
            wrap="wrap",
            align="center",
        )

    qr = rx.image(
        src=t.qr_svg,
        alt="QR code for a banking app (EPC / SEPA)",
        width="11rem",
        height="11rem",
        class_name="cp-epc-qr",
    )
    return card(
        rx.flex(
            rx.vstack(
                rx.heading("Bank transfer", size="4", as_="h3"),
                line("Account holder", t.account_name),
                line("IBAN", rx.code(t.iban), t.iban),
                rx.cond(t.bic != "", line("BIC", rx.code(t.bic))),
                line("Amount", t.amount, t.amount_value),
                line("Reference", rx.code(t.reference, class_name="cp-transfer-ref"), t.reference),
                rx.cond(t.due != "", line("Due", t.due)),
                rx.cond(t.note != "", rx.text(t.note, size="1", color_scheme="gray")),
                rx.cond(t.hint != "", rx.text(t.hint, size="1", color_scheme="gray")),
                spacing="2",
                flex="1",
                min_width="14rem",
            ),
            rx.cond(
                t.qr_svg != "",
                rx.fragment(
                    # A desktop shows the code to scan with the phone's banking app; a phone cannot scan itself, so
                    # there the code is one tap away, for paying from another device.
                    rx.vstack(
                        qr,
                        rx.text("Scan with your banking app", size="1", color_scheme="gray"),
                        align="center",
                        spacing="1",
                        display=rx.breakpoints(initial="none", md="flex"),
                    ),
                    rx.el.details(
                        rx.el.summary("QR code for a banking app on another device"),
                        rx.center(qr),
                        display=rx.breakpoints(initial="block", md="none"),
                        width="100%",
                    ),
                ),
            ),
            gap="1rem",
            wrap="wrap",
            width="100%",
            align="start",
        ),
        id="bank-transfer",
    )
