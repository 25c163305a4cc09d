"""Invoice and receipt PDFs (reportlab canvas, DejaVu Sans shipped with the app for names like "Šťastný").

`render_pdf(content, logo_png)` draws one A4 page from the frozen document content that services.money.billing builds
at issue time; it does no database or network work. Fonts are registered once per process, so a warm render
takes a few milliseconds (bench/invoice_pdf.py).
"""

from __future__ import annotations

import io
from datetime import date
from functools import lru_cache
from pathlib import Path

from PIL import Image
from reportlab import rl_config
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader, simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from client_profile.formatting import money

FONT_DIR = Path(__file__).resolve().parent / "fonts"
REGULAR, BOLD = "DejaVuSans", "DejaVuSans-Bold"
LOGO_MAX_PX = (450, 150)  # stored size: drawn at most 150 x 50 pt, so 3 px per point
MARGIN = 42.0
GRAY = (0.38, 0.38, 0.42)


@lru_cache(maxsize=1)
def _fonts() -> None:
    rl_config.useA85 = (
        0  # binary image streams: ASCII85-encoding the logo in pure Python doubled the render time
    )
    pdfmetrics.registerFont(TTFont(REGULAR, str(FONT_DIR / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(TTFont(BOLD, str(FONT_DIR / "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFontFamily(REGULAR, normal=REGULAR, bold=BOLD, italic=REGULAR, boldItalic=BOLD)


def logo_png(raw: bytes) -> bytes:
    """Any image Pillow reads -> an RGB PNG no larger than LOGO_MAX_PX (aspect kept), transparency flattened
    onto white (an opaque image needs no soft mask in the PDF, which keeps renders fast)."""
    with Image.open(io.BytesIO(raw)) as img:
        img.load()
        rgba = img.convert("RGBA")
        rgba.thumbnail(LOGO_MAX_PX, Image.Resampling.LANCZOS)
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        out = io.BytesIO()
        flat.save(out, format="PNG", optimize=True)
        return out.getvalue()


@lru_cache(maxsize=8)
def _logo_reader(png: bytes) -> tuple[ImageReader, int, int]:
    reader = ImageReader(io.BytesIO(png))
    w, h = reader.getSize()
    return reader, w, h


def _day(value: str | None) -> str:
    if not value:
        return ""
    d = date.fromisoformat(value)
    return f"{d.day} {d:%b} {d.year}"


def _rate(bp: int) -> str:
    return f"{bp / 100:g} %"


class _Page:
    def __init__(self, c: canvas.Canvas) -> None:
        self.c = c
        self.width, self.height = A4

    def text(
        self,
        x: float,
        y: float,
        value: str,
        size: float = 9,
        bold: bool = False,
        color=None,
        align: str = "left",
    ) -> None:
        c = self.c
        c.setFont(BOLD if bold else REGULAR, size)
        c.setFillColorRGB(*(color or (0, 0, 0)))
        if align == "right":
            c.drawRightString(x, y, value)
        else:
            c.drawString(x, y, value)

    def lines(
        self,
        x: float,
        y: float,
        values: list[str],
        size: float = 9,
        leading: float = 12.0,
        bold_first: bool = False,
        width: float = 240,
    ) -> float:
        for i, value in enumerate(values):
            for part in simpleSplit(value, BOLD if bold_first and i == 0 else REGULAR, size, width) or [""]:
                self.text(x, y, part, size, bold=bold_first and i == 0)
                y -= leading
        return y

    def rule(self, y: float) -> None:
        self.c.setStrokeColorRGB(0.8, 0.8, 0.82)
        self.c.setLineWidth(0.6)
        self.c.line(MARGIN, y, self.width - MARGIN, y)


def _party(p: dict) -> list[str]:
    rows = [p.get("name", "")] + list(p.get("address", []))
    for label, key in (("Company ID", "company_id"), ("Tax ID", "tax_id"), ("VAT ID", "vat_id")):
        if p.get(key):
            rows.append(f"{label}: {p[key]}")
    if p.get("email"):
        rows.append(p["email"])
    return [r for r in rows if r]


def render_pdf(content: dict, logo: bytes | None = None) -> bytes:
    """One A4 page: header with logo and number, supplier/customer, dates, lines, VAT summary, totals."""
    _fonts()
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=A4, invariant=1, pageCompression=0)
    title = content.get("title", "Invoice")
    c.setTitle(f"{title} {content['number']}")
    c.setAuthor(content["supplier"].get("name", ""))
    p = _Page(c)
    cur = content["currency"]
    right = p.width - MARGIN
    top = p.height - MARGIN

    if logo:
        reader, w, h = _logo_reader(logo)
        scale = min(150 / w, 50 / h, 1.0)
        c.drawImage(reader, MARGIN, top - h * scale, w * scale, h * scale)
    p.text(right, top - 16, f"{title} {content['number']}", size=16, bold=True, align="right")
    y = top - 32
    for label, value in content.get("dates", []):
        p.text(right, y, f"{label}: {_day(value)}", size=9, align="right")
        y -= 12

    y = min(y, top - 60) - 16
    p.text(MARGIN, y, "Supplier", size=8, color=GRAY)
    p.text(p.width / 2 + 10, y, "Customer", size=8, color=GRAY)
    y -= 13
    y_left = p.lines(MARGIN, y, _party(content["supplier"]), bold_first=True)
    y_right = p.lines(p.width / 2 + 10, y, _party(content["customer"]), bold_first=True)
    y = min(y_left, y_right) - 10

    for note in content.get("notes_before", []):
        y = p.lines(MARGIN, y, [note], size=9, width=right - MARGIN)
    y -= 6

    vat_payer = content.get("vat_payer", False)
    if vat_payer:
        cols = [
            ("Description", MARGIN, "left"),
            ("Qty", 282, "right"),
            ("Unit excl. VAT", 352, "right"),
            ("VAT", 390, "right"),
            ("Total excl. VAT", 474, "right"),
            ("Total", right, "right"),
        ]
    else:
        cols = [
            ("Description", MARGIN, "left"),
            ("Qty", 360, "right"),
            ("Unit price", 450, "right"),
            ("Total", right, "right"),
        ]
    p.rule(y + 10)
    for label, x, align in cols:
        p.text(x, y, label, size=8, bold=True, align=align)
    y -= 6
    p.rule(y)
    y -= 13
    for line in content["lines"]:
        desc = simpleSplit(line["description"], REGULAR, 9, (262 if vat_payer else 330) - MARGIN)
        if vat_payer:
            values = [
                str(line["quantity"]),
                money(line["unit_net"], cur),
                _rate(line["vat_rate_bp"]),
                money(line["net"], cur),
                money(line["gross"], cur),
            ]
        else:
            values = [str(line["quantity"]), money(line["unit_gross"], cur), money(line["gross"], cur)]
        for (_, x, _a), value in zip(cols[1:], values, strict=True):
            p.text(x, y, value, size=9, align="right")
        for i, part in enumerate(desc or [""]):
            p.text(MARGIN, y - i * 11, part, size=9)
        y -= 11 * max(1, len(desc)) + 5
    p.rule(y + 6)
    y -= 10

    if vat_payer:
        p.text(MARGIN, y, "VAT summary", size=8, bold=True)
        for label, x in (("Rate", 200), ("Net", 300), ("VAT", 400), ("Total", right)):
            p.text(x, y, label, size=8, bold=True, align="right")
        y -= 12
        for row in content["vat_summary"]:
            p.text(200, y, _rate(row["rate_bp"]), size=9, align="right")
            p.text(300, y, money(row["net"], cur), size=9, align="right")
            p.text(400, y, money(row["vat"], cur), size=9, align="right")
            p.text(right, y, money(row["gross"], cur), size=9, align="right")
            y -= 12
        y -= 6
        p.text(400, y, "Total excl. VAT", size=9, align="right")
        p.text(right, y, money(content["total_net"], cur), size=9, align="right")
        y -= 12
        p.text(400, y, "VAT", size=9, align="right")
        p.text(right, y, money(content["total_vat"], cur), size=9, align="right")
        y -= 16
    p.text(400, y, content.get("total_label", "Total"), size=11, bold=True, align="right")
    p.text(right, y, money(content["total"], cur), size=11, bold=True, align="right")
    y -= 22
    if not vat_payer and content.get("exemption_note"):
        y = p.lines(MARGIN, y, [content["exemption_note"]], size=9, width=right - MARGIN) - 4

    for note in content.get("notes_after", []):
        y = p.lines(MARGIN, y, [note], size=9, width=right - MARGIN)

    footer = content.get("footer", "")
    if footer:
        p.lines(MARGIN, MARGIN + 10, [footer], size=7.5, width=right - MARGIN, leading=10)
    c.showPage()
    c.save()
    return buf.getvalue()
