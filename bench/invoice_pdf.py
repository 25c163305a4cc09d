"""Render time of one invoice PDF (reportlab, DejaVu Sans, logo, two VAT rates, Unicode names).

    .venv/bin/python bench/invoice_pdf.py [runs]

Builds the document content the way services.money.billing freezes it (no database), renders it once to warm up
(font registration happens once per process), then reports the median and p95 of `runs` renders.
Goal (issue 4): under 20 ms per invoice on our 2-core machines.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from client_profile.integrations.invoice_pdf import render_pdf  # noqa: E402
from client_profile.services.demo import demo_logo_png  # noqa: E402
from client_profile.services.money.billing import split_vat  # noqa: E402


def content() -> dict:
    lines = []
    for description, qty, unit, rate in (
        ("Plavecký kurz – jeseň (Ema Šťastná)", 1, 12000, 2300),
        ("Plavecká čiapka", 2, 800, 2300),
        ("Okuliare Żółć", 1, 1000, 2300),
        ("Kniha o plávaní", 1, 1300, 500),
    ):
        net, vat = split_vat(qty * unit, rate)
        lines.append(
            {
                "description": description,
                "quantity": qty,
                "unit_gross": unit,
                "unit_net": split_vat(unit, rate)[0],
                "vat_rate_bp": rate,
                "net": net,
                "vat": vat,
                "gross": qty * unit,
            }
        )
    summary = []
    for rate in (2300, 500):
        gross = sum(x["gross"] for x in lines if x["vat_rate_bp"] == rate)
        net, vat = split_vat(gross, rate)
        summary.append({"rate_bp": rate, "net": net, "vat": vat, "gross": gross})
    return {
        "kind": "invoice",
        "title": "Invoice",
        "number": "2026-0042",
        "currency": "EUR",
        "supplier": {
            "name": "Little Otters s.r.o.",
            "address": ["Hlavná 12", "811 01 Bratislava"],
            "company_id": "52 123 456",
            "tax_id": "2121234567",
            "vat_id": "SK2121234567",
            "email": "hello@little-otters.example",
        },
        "customer": {"name": "Jan Šťastný", "email": "jan@example.com", "address": []},
        "lines": lines,
        "vat_summary": summary,
        "vat_payer": True,
        "exemption_note": "",
        "total_net": sum(r["net"] for r in summary),
        "total_vat": sum(r["vat"] for r in summary),
        "total": sum(r["gross"] for r in summary),
        "footer": "Registered in the Business Register.",
        "dates": [("Issued", "2026-11-26"), ("Date of supply", "2026-11-26"), ("Paid", "2026-11-26")],
        "notes_before": ["Payment reference: 202600042"],
        "notes_after": ["Paid in full. Thank you!"],
    }


def main() -> None:
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    doc, logo = content(), demo_logo_png()
    t0 = time.perf_counter()
    size = len(render_pdf(doc, logo))
    first = (time.perf_counter() - t0) * 1000
    times, cpu = [], []
    for _ in range(runs):
        t, c = time.perf_counter(), time.process_time()
        render_pdf(doc, logo)
        times.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    times.sort()
    cpu.sort()
    print(f"first render (fonts registered): {first:.1f} ms; PDF {size / 1024:.0f} KiB")
    print(
        f"warm: median {statistics.median(times):.2f} ms, p95 {times[int(0.95 * len(times)) - 1]:.2f} ms, "
        f"min {times[0]:.2f} ms over {runs} renders"
    )
    # CPU time is what one render costs this process, whatever else the machine is doing.
    print(f"cpu: median {statistics.median(cpu):.2f} ms, p95 {cpu[int(0.95 * len(cpu)) - 1]:.2f} ms")


if __name__ == "__main__":
    main()
