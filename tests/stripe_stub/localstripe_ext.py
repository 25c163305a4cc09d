"""Test-only: localstripe (GPL-3.0-or-later, a test dependency, never shipped) plus the Checkout Sessions it
lacks, served on 127.0.0.1 from a background thread.

Added on top of localstripe 1.15:
- POST/GET /v1/checkout/sessions, GET /v1/checkout/sessions/{id}, POST /v1/checkout/sessions/{id}/expire
  (mode=payment with line_items[].price_data, client_reference_id, customer_email, metadata,
  payment_intent_data.metadata, success_url/cancel_url, expires_at);
- a fake hosted payment page GET/POST /_config/checkout/pay/{id} with the buttons a test clicks:
  paid | declined | async_ok | async_fail | cancel. Paying confirms a real localstripe PaymentIntent and sends
  checkout.session.completed (+ async_payment_succeeded/failed for a delayed method) to registered webhooks,
  signed exactly as Stripe signs them;
- Idempotency-Key replay: same key + same body -> the first response again; same key + another body -> 400.
This emulates the objects our code reads; it is not Stripe.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import html
import json
import threading
import time

from aiohttp import web
from localstripe import resources as res
from localstripe import server
from localstripe.errors import UserError
from localstripe.webhooks import register_webhook, schedule_webhook

res.Store.dump_to_disk = lambda self: None  # no pickle in the temp folder
res.Store.try_load_from_disk = lambda self: None

ASYNC_SETTLE_SECONDS = 0.3


class CheckoutSession(res.StripeObject):
    object = "checkout.session"
    _id_prefix = "cs_test_"

    def __init__(
        self,
        mode=None,
        line_items=None,
        success_url=None,
        cancel_url=None,
        client_reference_id=None,
        customer_email=None,
        customer=None,
        metadata=None,
        payment_intent_data=None,
        expires_at=None,
        payment_method_types=None,
        **kwargs,
    ):
        if kwargs:
            raise UserError(400, "Unexpected " + ", ".join(kwargs.keys()))
        try:
            assert mode == "payment"
            assert isinstance(line_items, list) and line_items
            currencies = set()
            total = 0
            for item in line_items:
                price = item["price_data"]
                amount = int(price["unit_amount"])
                quantity = int(item.get("quantity", 1))
                assert amount > 0 and quantity > 0 and price["product_data"]["name"]
                currencies.add(price["currency"])
                total += amount * quantity
            assert len(currencies) == 1
            assert isinstance(success_url, str) and success_url.startswith("http")
            assert isinstance(cancel_url, str) and cancel_url.startswith("http")
        except (AssertionError, KeyError, TypeError, ValueError):
            raise UserError(400, "Bad request") from None
        super().__init__()
        self.mode = mode
        self.status = "open"
        self.payment_status = "unpaid"
        self.amount_total = total
        self.currency = currencies.pop()
        self.client_reference_id = client_reference_id
        self.customer_email = customer_email
        self.customer = customer
        self.metadata = metadata or {}
        self.payment_intent = None
        self.success_url = success_url
        self.cancel_url = cancel_url
        self.expires_at = int(expires_at) if expires_at else self.created + 24 * 3600
        self.url = f"{BASE['url']}/_config/checkout/pay/{self.id}"
        self._pi_metadata = (payment_intent_data or {}).get("metadata", {})
        self._line_items = line_items

    @classmethod
    def _api_expire(cls, id, **kwargs):
        obj = cls._api_retrieve(id)
        if obj.status != "open":
            raise UserError(400, f"Only open sessions can be expired (this one is {obj.status}).")
        obj._set(status="expired")
        return obj

    def _set(self, event: str | None = None, **values) -> None:
        for key, value in values.items():
            setattr(self, key, value)
        schedule_webhook(res.Event(event or "checkout.session.expired", self))


BASE = {"url": ""}
_IDEMPOTENT: dict[str, tuple[str, int, bytes]] = {}


@web.middleware
async def idempotency_middleware(request, handler):
    key = request.headers.get("Idempotency-Key")
    if request.method != "POST" or not key or request.path.startswith("/_config/"):
        return await handler(request)
    body = hashlib.sha256(request.path.encode() + b"|" + await request.read()).hexdigest()
    seen = _IDEMPOTENT.get(key)
    if seen is not None:
        if seen[0] != body:
            return web.json_response(
                {
                    "error": {
                        "type": "idempotency_error",
                        "message": "Keys for idempotent requests can only be used with the same parameters they were "
                        "first used with.",
                    }
                },
                status=400,
            )
        return web.Response(
            body=seen[2],
            status=seen[1],
            content_type="application/json",
            headers={"Idempotent-Replayed": "true"},
        )
    response = await handler(request)
    if isinstance(response, web.Response) and response.body is not None:
        _IDEMPOTENT[key] = (body, response.status, bytes(response.body))
    return response


async def _create(request):
    data = await server.get_post_data(request) or {}
    return server.json_response(CheckoutSession._api_create(**data)._export())


def _retrieve(request):
    return server.json_response(CheckoutSession._api_retrieve(request.match_info["id"])._export())


def _list(request):
    sessions = [v._export() for k, v in res.store.items() if k.startswith("checkout.session:")]
    return server.json_response(
        {"object": "list", "data": sessions, "has_more": False, "url": "/v1/checkout/sessions"}
    )


async def _expire(request):
    return server.json_response(CheckoutSession._api_expire(request.match_info["id"])._export())


PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Test checkout</title></head><body>
<h1>Test checkout</h1><p id="amount">{amount} {currency}</p><p id="status">{status}</p><p id="error">{error}</p>
<form method="post">{buttons}</form></body></html>"""
ACTIONS = ("paid", "declined", "async_ok", "async_fail", "cancel")


def _page(session: CheckoutSession, error: str = "", status: int = 200) -> web.Response:
    buttons = "".join(f'<button name="action" value="{a}" id="{a}">{a}</button>' for a in ACTIONS)
    body = PAGE.format(
        amount=session.amount_total / 100,
        currency=session.currency.upper(),
        status=html.escape(session.status),
        error=html.escape(error),
        buttons=buttons,
    )
    return web.Response(text=body, status=status, content_type="text/html")


def _confirmed_payment_intent(session: CheckoutSession, card: str) -> res.PaymentIntent:
    pm = res.PaymentMethod(
        type="card", card={"number": card, "exp_month": 12, "exp_year": 2034, "cvc": "123"}
    )
    return res.PaymentIntent._api_create(
        confirm=True,
        amount=session.amount_total,
        currency=session.currency,
        payment_method=pm.id,
        metadata=dict(session._pi_metadata),
    )


def _success(session: CheckoutSession) -> web.Response:
    raise web.HTTPSeeOther(session.success_url.replace("{CHECKOUT_SESSION_ID}", session.id))


async def _settle_later(session: CheckoutSession, ok: bool) -> None:
    await asyncio.sleep(ASYNC_SETTLE_SECONDS)
    if ok:
        session._set("checkout.session.async_payment_succeeded", payment_status="paid")
    else:
        session._set("checkout.session.async_payment_failed")


async def _pay(request):
    session = CheckoutSession._api_retrieve(request.match_info["id"])
    if request.method == "GET":
        return _page(session)
    action = (await request.post()).get("action")
    if session.status != "open" or (session.expires_at and session.expires_at < time.time()):
        return _page(session, "This checkout session is no longer open.", status=410)
    if action == "cancel":
        raise web.HTTPSeeOther(session.cancel_url)
    if action == "declined":
        with contextlib.suppress(UserError):
            _confirmed_payment_intent(session, "4000000000000341")
        return _page(session, "Your card was declined.", status=402)
    if action == "paid":
        pi = _confirmed_payment_intent(session, "4242424242424242")
        session._set(
            "checkout.session.completed", status="complete", payment_status="paid", payment_intent=pi.id
        )
        return _success(session)
    if action in ("async_ok", "async_fail"):
        session._set("checkout.session.completed", status="complete", payment_status="unpaid")
        asyncio.ensure_future(_settle_later(session, action == "async_ok"))
        return _success(session)
    return _page(session, "Unknown action.", status=400)


async def _state(request):
    """Test hook: the current session as JSON without an API key."""
    return server.json_response(CheckoutSession._api_retrieve(request.match_info["id"])._export())


def _install(app: web.Application) -> None:
    app.middlewares.append(idempotency_middleware)
    # Checkout routes go first so that nothing generic shadows them.
    app.router.add_post("/v1/checkout/sessions", _create)
    app.router.add_get("/v1/checkout/sessions", _list)
    app.router.add_get("/v1/checkout/sessions/{id}", _retrieve)
    app.router.add_post("/v1/checkout/sessions/{id}/expire", _expire)
    app.router.add_route("*", "/_config/checkout/pay/{id}", _pay)
    app.router.add_get("/_config/checkout/state/{id}", _state)


_SHARED: list[LocalStripe] = []


def shared_localstripe(port: int) -> LocalStripe:
    """The one stand-in of this test process: localstripe's aiohttp app is a module-level object that can be
    started only once, so every fixture (payments tests, e2e) shares it."""
    if not _SHARED:
        _SHARED.append(LocalStripe(port).start())
    return _SHARED[0]


class LocalStripe:
    """localstripe + the extension on 127.0.0.1:<port>, in a daemon thread with its own event loop."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        BASE["url"] = self.url
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._runner: web.AppRunner | None = None
        self._thread = threading.Thread(target=self._run, daemon=True, name="localstripe")

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        _install(server.app)
        self._runner = web.AppRunner(server.app, access_log=None)
        self._loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        self._loop.run_until_complete(site.start())
        self._ready.set()
        self._loop.run_forever()

    def start(self) -> LocalStripe:
        self._thread.start()
        if not self._ready.wait(15):
            raise RuntimeError("localstripe did not start")
        return self

    def register_webhook(self, url: str, secret: str) -> None:
        register_webhook("app", url, secret, None)

    def call(self, fn, *args):
        """Runs fn(*args) on localstripe's loop (its objects are not thread-safe) and returns the result."""

        async def wrapped():
            return fn(*args)

        return asyncio.run_coroutine_threadsafe(wrapped(), self._loop).result(10)

    def session(self, session_id: str) -> dict:
        return self.call(lambda: json.loads(json.dumps(CheckoutSession._api_retrieve(session_id)._export())))

    def stop(self) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
