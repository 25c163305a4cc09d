"""Small server-rendered pages for the login routes: one inline stylesheet (allowed by its CSP hash), no scripts,
no third-party assets, mobile-first (works at 320 px). Every response gets the same strict security headers."""

from __future__ import annotations

import base64
import hashlib
import html
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from client_profile.integrations.email_templates import safe_color
from client_profile.settings import get_settings

_CSS = """
*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{margin:0;min-height:100vh;background:#f4f4f5;color:#18181b;
font:16px/1.5 -apple-system,BlinkMacSystemFont,"Segoe UI",Roboto,Helvetica,Arial,sans-serif;
display:flex;flex-direction:column;align-items:center;padding:24px 12px}
header{width:100%;max-width:420px;font-weight:700;font-size:18px;color:BRAND;margin:8px 0 16px;
overflow-wrap:anywhere}
main{width:100%;max-width:420px;background:#fff;border-radius:14px;padding:24px 20px;
box-shadow:0 1px 3px rgba(0,0,0,.08)}
h1{font-size:22px;line-height:1.25;margin:0 0 8px}
p{margin:0 0 16px}
.muted{color:#52525b;font-size:14px}
label{display:block;font-weight:600;margin:0 0 6px}
input{display:block;width:100%;font:inherit;font-size:18px;padding:12px;border:1px solid #a1a1aa;
border-radius:10px;background:#fff;color:inherit}
input:focus{outline:3px solid BRAND;outline-offset:1px;border-color:BRAND}
input.code{font-size:28px;letter-spacing:6px;text-align:center;font-variant-numeric:tabular-nums}
button{display:block;width:100%;margin:16px 0 0;font:inherit;font-weight:600;font-size:17px;padding:12px;
border:0;border-radius:10px;background:BRAND;color:#fff;cursor:pointer}
button:focus-visible{outline:3px solid #18181b;outline-offset:2px}
a{color:BRAND}
.msg{border-radius:10px;padding:10px 12px;margin:0 0 16px;background:#fef2f2;color:#991b1b;
border:1px solid #fecaca}
.ok{background:#f0fdf4;color:#166534;border-color:#bbf7d0}
.links{margin:16px 0 0;font-size:15px}
.dev{background:#fef3c7;color:#78350f;border:2px dashed #b45309;border-radius:10px;padding:10px 12px;
font-weight:700;margin:0 0 16px}
article{border-top:1px solid #e4e4e7;padding:12px 0}
pre{white-space:pre-wrap;overflow-wrap:anywhere;background:#fafafa;border-radius:8px;padding:10px;
font-size:14px;margin:8px 0 0}
"""


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def _style(brand: str) -> str:
    return _CSS.replace("BRAND", safe_color(brand))


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def _csp(style: str, script: str = "") -> str:
    scripts = f"script-src {_sha256(script)}; " if script else ""
    return (
        "default-src 'none'; "
        f"style-src {_sha256(style)}; {scripts}"
        f"img-src 'self'; form-action 'self'; frame-ancestors {get_settings().frame_ancestors}; base-uri 'none'"
    )


def _static_csp() -> str:
    return f"default-src 'none'; form-action 'self'; frame-ancestors {get_settings().frame_ancestors}; base-uri 'none'"


def secure_headers(response: Response, csp: str | None = None) -> Response:
    response.headers["Cache-Control"] = "no-store"
    response.headers["Pragma"] = "no-cache"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Content-Security-Policy"] = csp or _static_csp()
    return response


def page(
    title: str, body_html: str, *, provider_name: str, brand: str, status_code: int = 200, script: str = ""
) -> HTMLResponse:
    """A complete page. ``body_html`` must already be escaped; title and provider name are escaped here.
    ``script``: one inline script of ours (a constant), allowed by its hash and nothing else."""
    style = _style(brand)
    doc = (
        "<!doctype html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width,initial-scale=1">'
        '<meta name="robots" content="noindex,nofollow">'
        f"<title>{esc(title)} · {esc(provider_name)}</title>"
        f"<style>{style}</style></head>"
        f"<body><header>{esc(provider_name)}</header><main>{body_html}</main>"
        + (f"<script>{script}</script>" if script else "")
        + "</body></html>"
    )
    return secure_headers(HTMLResponse(doc, status_code=status_code), _csp(style, script))


def redirect(url: str) -> RedirectResponse:
    """A 303 to a local path only (never to a URL taken from the request)."""
    if not url.startswith("/") or url.startswith("//"):
        url = "/"
    return secure_headers(RedirectResponse(url, status_code=303))  # type: ignore[return-value]


def plain(status_code: int, text: str) -> Response:
    return secure_headers(Response(text, status_code=status_code, media_type="text/plain; charset=utf-8"))


def expected_origin() -> str:
    parts = urlsplit(get_settings().base_url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def origin_allowed(request: Request) -> bool:
    """POSTs from another site are refused (ASVS 3.5).

    - An Origin header with a real origin must be BASE_URL's.
    - ``Origin: null`` is what browsers send for a form POST from a page with ``Referrer-Policy: no-referrer``
      (all our pages), but also from sandboxed frames and data: URLs. Then the browser's own Sec-Fetch-Site
      decides (scripts cannot set it): only "same-origin" passes.
    - No Origin at all (old browsers, non-browser clients): Sec-Fetch-Site, when present, must not be
      cross-site; otherwise allowed, SameSite=Lax cookies still apply.
    """
    origin = (request.headers.get("origin") or "").strip().rstrip("/").lower()
    fetch_site = (request.headers.get("sec-fetch-site") or "").strip().lower()
    if origin and origin != "null":
        return origin == expected_origin()
    if origin == "null":
        return fetch_site == "same-origin"
    return fetch_site in ("", "same-origin", "none")


def client_ip(request: Request) -> str:
    """The client address: the socket peer, or with TRUSTED_PROXY_HOPS=n the n-th X-Forwarded-For entry from the
    right (the one our own proxy appended; entries further left are client-controlled)."""
    direct = request.client.host if request.client else ""
    hops = get_settings().trusted_proxy_hops
    if hops > 0:
        chain = ",".join(request.headers.getlist("x-forwarded-for"))
        parts = [p.strip() for p in chain.split(",") if p.strip()]
        if len(parts) >= hops:
            return parts[-hops][:100]
    return direct
