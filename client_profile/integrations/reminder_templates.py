"""Reminder e-mails (make-up to book, make-up expiring, waitlist offer): plain text plus an HTML alternative.

Pure functions: the outbox renderer (services.notifications.reminders) gathers the data. Everything interpolated into HTML is
escaped; the brand colour goes through ``safe_color``.
"""

from __future__ import annotations

import html

from client_profile.integrations.email_templates import RenderedEmail, safe_color


def _one_line(value: str, limit: int = 200) -> str:
    return " ".join((value or "").split())[:limit]


def reminder_email(
    *,
    provider_name: str,
    brand_color: str | None,
    subject: str,
    greeting: str,
    paragraphs: list[str],
    button_label: str,
    link: str,
    settings_link: str,
) -> RenderedEmail:
    """One reminder: a heading, a few short paragraphs, one button (what the parent can do) and a footer saying
    why they get it and where to turn it off."""
    name = _one_line(provider_name) or "Client Profile"
    color = safe_color(brand_color)
    subject = _one_line(subject)
    footer = f"You get this reminder from {name}. Turn reminders on or off in your account: {settings_link}"

    text = (
        "\n".join(
            [
                greeting,
                "",
                *[p + "\n" for p in paragraphs],
                f"{button_label}: {link}",
                "",
                footer,
                "",
                f"-- {name}",
            ]
        )
        + "\n"
    )

    e = html.escape
    body = "".join(f'<p style="margin:0 0 16px">{e(p)}</p>' for p in paragraphs)
    html_body = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{e(subject)}</title></head>
<body style="margin:0;padding:0;background:#f4f4f5;font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;color:#27272a">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f4f4f5;padding:24px 12px">
<tr><td align="center">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:480px;background:#ffffff;border-radius:12px;overflow:hidden">
<tr><td style="background:{color};color:#ffffff;padding:16px 24px;font-size:18px;font-weight:600">{e(name)}</td></tr>
<tr><td style="padding:24px;font-size:16px;line-height:1.5">
<h1 style="margin:0 0 16px;font-size:20px">{e(subject)}</h1>
<p style="margin:0 0 16px">{e(greeting)}</p>
{body}
<p style="margin:0 0 20px"><a href="{e(link, quote=True)}" style="display:inline-block;background:{color};color:#ffffff;text-decoration:none;padding:12px 20px;border-radius:8px;font-weight:600">{e(button_label)}</a></p>
<p style="margin:0;font-size:13px;color:#71717a">You get this reminder from {e(name)}. <a href="{e(settings_link, quote=True)}" style="color:#71717a">Turn reminders on or off</a> in your account.</p>
</td></tr></table>
</td></tr></table>
</body></html>
"""
    return RenderedEmail(subject=subject, text=text, html=html_body)
