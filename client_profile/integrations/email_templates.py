"""E-mail bodies: plain text plus an HTML alternative, branded with the provider's name and colour.

Pure functions (no DB, no settings): the outbox worker gathers the data and the mailer sends the result.
Everything interpolated into HTML is escaped; the brand colour is accepted only as a #rgb/#rrggbb value.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

DEFAULT_BRAND = "#0d9488"
_COLOR_RE = re.compile(r"^#(?:[0-9a-fA-F]{3}|[0-9a-fA-F]{6})$")


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


def safe_color(value: str | None) -> str:
    return value if value and _COLOR_RE.match(value) else DEFAULT_BRAND


def _one_line(value: str, limit: int = 120) -> str:
    return " ".join((value or "").split())[:limit]


def spaced_code(code: str) -> str:
    return f"{code[:3]} {code[3:]}" if len(code) == 6 else code


def login_email(
    *,
    provider_name: str,
    brand_color: str | None,
    code: str,
    link: str,
    minutes: int,
    code_disabled: bool = False,
) -> RenderedEmail:
    """The login mail: the 6-digit code (shown spaced) and the one-time link, both valid for ``minutes``."""
    name = _one_line(provider_name) or "Client Profile"
    color = safe_color(brand_color)
    shown = spaced_code(code)
    subject = f"Your login code for {name}"

    text_lines = [f"Log in to {name}", ""]
    if code_disabled:
        text_lines += [
            "Code login is switched off for your account after too many wrong codes.",
            "Open this link on the device where you asked to log in:",
        ]
    else:
        text_lines += [
            "Your login code is:",
            "",
            f"    {shown}",
            "",
            "Enter it on the page where you asked to log in, or open this link on that device:",
        ]
    text_lines += [
        "",
        link,
        "",
        f"The code and the link expire in {minutes} minutes and work once.",
        "If you did not ask to log in, ignore this e-mail: nobody can log in without it.",
        "",
        f"-- {name}",
    ]
    text = "\n".join(text_lines) + "\n"

    e_name, e_link, e_code = html.escape(name), html.escape(link, quote=True), html.escape(shown)
    if code_disabled:
        code_block = (
            '<p style="margin:0 0 16px">Code login is switched off for your account after too many wrong codes. '
            "Use the button on the device where you asked to log in.</p>"
        )
    else:
        code_block = (
            '<p style="margin:0 0 8px">Your login code is:</p>'
            f'<p style="margin:0 0 20px;font-size:32px;font-weight:700;letter-spacing:6px;'
            f'font-family:ui-monospace,Menlo,Consolas,monospace;color:#111">{e_code}</p>'
            '<p style="margin:0 0 16px">Enter it on the page where you asked to log in, or use the button on '
            "that device:</p>"
        )
    html_body = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{html.escape(subject)}</title></head>
<body style="margin:0;padding:0;background:#f4f4f5;font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;color:#27272a">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f4f4f5;padding:24px 12px">
<tr><td align="center">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:480px;background:#ffffff;border-radius:12px;overflow:hidden">
<tr><td style="background:{color};color:#ffffff;padding:16px 24px;font-size:18px;font-weight:600">{e_name}</td></tr>
<tr><td style="padding:24px;font-size:16px;line-height:1.5">
<h1 style="margin:0 0 16px;font-size:20px">Log in to {e_name}</h1>
{code_block}
<p style="margin:0 0 20px"><a href="{e_link}" style="display:inline-block;background:{color};color:#ffffff;text-decoration:none;padding:12px 20px;border-radius:8px;font-weight:600">Log in</a></p>
<p style="margin:0 0 12px;font-size:14px;color:#52525b">The code and the link expire in {minutes} minutes and work once.</p>
<p style="margin:0;font-size:14px;color:#52525b">If you did not ask to log in, ignore this e-mail: nobody can log in without it.</p>
</td></tr></table>
</td></tr></table>
</body></html>
"""
    return RenderedEmail(subject=subject, text=text, html=html_body)


def staff_invite_email(
    *, provider_name: str, brand_color: str | None, invited_by: str, role: str, login_url: str
) -> RenderedEmail:
    """An owner added someone to the console: where to log in (no credential in it: the login is by e-mail)."""
    name = _one_line(provider_name) or "Client Profile"
    color = safe_color(brand_color)
    who = _one_line(invited_by) or "The owner"
    subject = f"You were added to the {name} console"
    text = (
        f"{who} added you to the {name} console as {role}.\n\n"
        f"Log in with this e-mail address (no password: we send you a code):\n\n{login_url}\n\n-- {name}\n"
    )
    e_name, e_url = html.escape(name), html.escape(login_url, quote=True)
    html_body = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{html.escape(subject)}</title></head>
<body style="margin:0;padding:24px 12px;background:#f4f4f5;font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;color:#27272a">
<div style="max-width:480px;margin:0 auto;background:#ffffff;border-radius:12px;overflow:hidden">
<div style="background:{color};color:#ffffff;padding:16px 24px;font-size:18px;font-weight:600">{e_name}</div>
<div style="padding:24px;font-size:16px;line-height:1.5">
<p style="margin:0 0 16px">{html.escape(who)} added you to the {e_name} console as {html.escape(role)}.</p>
<p style="margin:0 0 20px">Log in with this e-mail address; there is no password, we send you a code.</p>
<p style="margin:0"><a href="{e_url}" style="display:inline-block;background:{color};color:#ffffff;text-decoration:none;padding:12px 20px;border-radius:8px;font-weight:600">Open the console</a></p>
</div></div>
</body></html>
"""
    return RenderedEmail(subject=subject, text=text, html=html_body)


# ------------------------------------------------------------------------------------------ provider's texts
# The provider's own text for a message (services/notifications/templates.py checks it and gathers the values):
# plain text with merge tags *|NAME|*, paragraphs separated by a blank line. The text part gets the values as
# they are; the HTML part is built here with every piece escaped, a URL value becoming a link.

TAG_RE = re.compile(r"\*\|([A-Za-z0-9_]*)\|\*")


class HeaderInjection(ValueError):
    """A subject line would carry a line break (or another control character) into the e-mail's header."""


def _paragraphs(body: str) -> list[str]:
    text = (body or "").replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    return [p.strip("\n") for p in re.split(r"\n\s*\n", text) if p.strip()]


def fill_text(template: str, values: dict[str, str]) -> str:
    """The template with each tag replaced by its value (one pass: a value is never read as a tag)."""
    return TAG_RE.sub(lambda m: values.get(m[1], ""), template)


def fill_subject(template: str, values: dict[str, str]) -> str:
    """The subject with values flattened to one line each; a control character left in it is refused."""
    subject = TAG_RE.sub(lambda m: _one_line(values.get(m[1], ""), 200), template).strip()
    if any(ord(c) < 32 or ord(c) == 127 for c in subject):
        raise HeaderInjection("the subject contains a line break or a control character")
    return subject


def _fill_html(template: str, values: dict[str, str], url_tags: frozenset[str]) -> str:
    out, last = [], 0
    for m in TAG_RE.finditer(template):
        out.append(html.escape(template[last : m.start()]))
        value = values.get(m[1], "")
        if m[1] in url_tags and value.startswith(("https://", "http://")):
            e = html.escape(value, quote=True)
            out.append(f'<a href="{e}" style="color:inherit">{e}</a>')
        else:
            out.append(html.escape(value))
        last = m.end()
    out.append(html.escape(template[last:]))
    return "".join(out).replace("\n", "<br>")


def template_email(
    *,
    provider_name: str,
    brand_color: str | None,
    subject: str,
    body: str,
    values: dict[str, str],
    url_tags: frozenset[str] = frozenset(),
) -> RenderedEmail:
    """A message from the provider's own subject and body (already checked for unknown tags)."""
    name = _one_line(provider_name) or "Client Profile"
    color = safe_color(brand_color)
    rendered_subject = fill_subject(subject, values)
    paragraphs = _paragraphs(body)
    text = "\n\n".join(fill_text(p, values) for p in paragraphs) + f"\n\n-- {name}\n"
    html_paragraphs = "".join(
        f'<p style="margin:0 0 16px">{_fill_html(p, values, url_tags)}</p>' for p in paragraphs
    )
    e = html.escape
    html_body = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>{e(rendered_subject)}</title></head>
<body style="margin:0;padding:0;background:#f4f4f5;font-family:-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif;color:#27272a">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f4f4f5;padding:24px 12px">
<tr><td align="center">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:480px;background:#ffffff;border-radius:12px;overflow:hidden">
<tr><td style="background:{color};color:#ffffff;padding:16px 24px;font-size:18px;font-weight:600">{e(name)}</td></tr>
<tr><td style="padding:24px;font-size:16px;line-height:1.5;overflow-wrap:anywhere">
{html_paragraphs}
</td></tr></table>
</td></tr></table>
</body></html>
"""
    return RenderedEmail(subject=rendered_subject, text=text, html=html_body)
