"""EPC (SEPA credit transfer) QR codes, the "GiroCode" banking apps scan to pre-fill a transfer (segno)."""

from __future__ import annotations

from decimal import Decimal

import segno
from segno import helpers

MAX_TEXT = 140  # EPC069-12: unstructured remittance information


def epc_qr_svg_data_uri(*, name: str, iban: str, bic: str, amount_minor: int, text: str) -> str:
    """An SVG data URI of the EPC QR for a EUR transfer, or "" when the data cannot make a valid code
    (EPC QR codes are defined for EUR only, amounts 0.01-999999999.99)."""
    iban = "".join(iban.split()).upper()
    if not (name and iban) or not 1 <= amount_minor <= 99_999_999_999:
        return ""
    try:
        qr = helpers.make_epc_qr(
            name=name[:70],
            iban=iban,
            amount=Decimal(amount_minor) / 100,
            text=text[:MAX_TEXT],
            bic="".join(bic.split()).upper() or None,
        )
    except (ValueError, segno.DataOverflowError):
        return ""
    return qr.svg_data_uri(scale=4, border=2, dark="#111827")
