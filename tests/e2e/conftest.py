"""End-to-end fixtures: a real SMTP server (aiosmtpd), the app built and served in production mode on a free
port with the demo data, and headless Debian Chromium driven by Playwright. Under TEST_NOW the app runs at
that instant (CLIENT_PROFILE_NOW, in the test environment: see app_env) while this process keeps real time
(tests/conftest.py says why).

With TEST_DATABASE_URL the app uses a fresh PostgreSQL database; with TEST_REDIS_URL it runs the Redis state
manager with 2 workers, as a scaled-out installation would.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from tests.clock_helpers import parse as parse_instant
from tests.db_helpers import fresh_database_url
from tests.smtp_helpers import free_port
from tests.smtp_helpers import smtp_server as running_smtp

# Assertions wait up to 15 s (Playwright's default is 5 s): under the PostgreSQL + Redis run, two app workers,
# Redis and Chromium share two cores, and the first paint after a full page load has once taken longer than 5 s
# (a reload, /bookings). Page actions already wait up to 20 s (set_default_timeout). Speed is measured in bench/.
expect.set_options(timeout=15_000)

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}


@pytest.fixture(scope="session")
def smtp_server():
    with running_smtp() as (box, port):
        yield box, port


E2E_WEBHOOK_SECRET = "whsec_e2e_" + uuid.uuid4().hex


@pytest.fixture(scope="session")
def stripe_stub():
    """localstripe + the test-only Checkout extension on loopback (GPL, test dependency only)."""
    from tests.stripe_stub.localstripe_ext import shared_localstripe

    return shared_localstripe(free_port())  # shared with the payment tests of the same run


@pytest.fixture(scope="session")
def app_env(smtp_server, stripe_stub, tmp_path_factory):
    """The environment the app runs with (its database URL is what tests use to act as the provider)."""
    _, smtp_port = smtp_server
    tmp = tmp_path_factory.mktemp("e2e")
    port = free_port()
    base = f"http://localhost:{port}"
    env = {
        **os.environ,
        "CLIENT_PROFILE_ENV": "production",
        "SECRET_KEY": "e2e-" + uuid.uuid4().hex * 2,
        "BASE_URL": base,
        "REFLEX_DB_URL": fresh_database_url(tmp / "e2e.db", "cp_e2e"),
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp_port),
        "SMTP_SECURITY": "none",
        "MAIL_FROM": "Little Otters <no-reply@little-otters.example>",
        "LOGIN_MIN_SECONDS_BETWEEN": "0",
        "LOGIN_MAX_PER_EMAIL_HOUR": "100",
        "LOGIN_MAX_PER_IP_HOUR": "1000",
        "OUTBOX_POLL_SECONDS": "0.2",
        # Session-change e-mails wait this long for an undo (production: 2 minutes); tests read them at once.
        "NOTIFY_GRACE_SECONDS": "1",
        # The SSRF guard as in production, also when TEST_NOW runs the app in the "test" environment.
        "WEBHOOK_ALLOW_PRIVATE": "false",
        "STRIPE_SECRET_KEY": "sk_test_e2e",
        "STRIPE_WEBHOOK_SECRET": E2E_WEBHOOK_SECRET,
        "STRIPE_API_BASE": stripe_stub.url,
        "REFLEX_USE_NPM": "1",
        "REFLEX_TELEMETRY_ENABLED": "false",
        "PATH": f"{BIN}:{os.environ.get('PATH', '')}",
    }
    for key in (
        "PYTEST_CURRENT_TEST",
        "DEV_MAILBOX_DIR",
        "REFLEX_REDIS_URL",
        "GRANIAN_WORKERS",
        "REFLEX_STATE_MANAGER_MODE",
    ):
        env.pop(key, None)
    if os.environ.get("TEST_REDIS_URL"):
        env.update(REFLEX_REDIS_URL=os.environ["TEST_REDIS_URL"], GRANIAN_WORKERS="2")
    if os.environ.get("TEST_NOW"):
        # The app (and the admin CLI the tests call) run at TEST_NOW: each process's clock starts there and
        # runs on. Production refuses a shifted clock, so these runs use the "test" environment; with
        # SMTP_HOST set it behaves as production does (no development mailbox). Stripe keeps real time
        # (clock.to_wall).
        env.update(
            CLIENT_PROFILE_NOW=parse_instant(os.environ["TEST_NOW"]).isoformat(), CLIENT_PROFILE_ENV="test"
        )
    env["_E2E_PORT"], env["_E2E_TMP"] = str(port), str(tmp)
    # Stripe (the stand-in) signs and sends every event to the app's webhook route.
    stripe_stub.register_webhook(f"http://127.0.0.1:{port}/stripe/webhook", E2E_WEBHOOK_SECRET)
    return env


@pytest.fixture(scope="session")
def app_server(app_env):
    env = app_env
    port, tmp, base = int(env["_E2E_PORT"]), Path(env["_E2E_TMP"]), env["BASE_URL"]
    cli = str(BIN / "client-profile")
    subprocess.run([cli, "migrate"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run([cli, "demo"], cwd=ROOT, env=env, check=True, capture_output=True)
    log = open(tmp / "app.log", "w")  # noqa: SIM115 (closed below)
    proc = subprocess.Popen(
        [
            str(BIN / "reflex"),
            "run",
            "--env",
            "prod",
            "--frontend-port",
            str(port),
            "--backend-port",
            str(port),
            "--loglevel",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        _wait_ready(f"http://127.0.0.1:{port}", proc, tmp / "app.log")
        yield base
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        log.close()


@pytest.fixture(scope="module", autouse=True)
def fresh_demo(app_server, app_env):
    """Every module starts from the demo as `make run` loads it: the console's tests pay, charge, cancel and
    import for real, and a later module's page must not depend on which modules ran before it (the app reads
    everything from the database, so a reset under the running app is what a new visitor would see)."""
    cli = str(BIN / "client-profile")
    subprocess.run([cli, "demo", "--reset"], cwd=ROOT, env=app_env, check=True, capture_output=True)
    return app_server


def _wait_ready(url: str, proc: subprocess.Popen, log: Path, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"app exited early:\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(url + "/login", timeout=2) as r:  # noqa: S310 (loopback)
                if r.status == 200:
                    with urllib.request.urlopen(url + "/ping", timeout=2):  # backend up too
                        return
        except Exception:  # noqa: BLE001 - not up yet
            pass
        time.sleep(1)
    raise RuntimeError(f"app not ready in {timeout}s:\n{log.read_text()[-4000:]}")


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield b
        b.close()


@pytest.fixture(params=list(VIEWPORTS), ids=list(VIEWPORTS))
def viewport(request):
    return request.param


def _new_page(browser, viewport: str):
    context = browser.new_context(
        viewport=VIEWPORTS[viewport], is_mobile=viewport == "phone", has_touch=viewport == "phone"
    )
    pg = context.new_page()
    pg.set_default_timeout(20000)
    return context, pg


@pytest.fixture
def page(browser, viewport):
    """A fresh browser context at each of the two viewports (the test runs twice)."""
    context, pg = _new_page(browser, viewport)
    yield pg
    context.close()


@pytest.fixture
def phone_page(browser):
    context, pg = _new_page(browser, "phone")
    yield pg
    context.close()


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def admin(app_env, *args: str) -> str:
    """Run the admin CLI against the app's database, as the provider would."""
    out = subprocess.run(
        [str(BIN / "client-profile"), *args],
        cwd=ROOT,
        env=app_env,
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout


def login(page, base: str, smtp_server, address: str) -> None:
    """Log in exactly as a person does: e-mail form, then the code from the e-mail."""
    box, _ = smtp_server
    page.goto(base + "/")
    page.wait_for_url(re.compile(r"/login/?(\?.*)?$"))
    before = box.count()
    page.fill("input[name=email]", address)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/login/code"))
    code = box.wait_for_code(address, before)
    page.fill("input[name=code]", code)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"^" + re.escape(base) + r"/?$"))


def staff_login(page, base: str, smtp_server, address: str) -> None:
    """Log in to the console (/admin/login) the same way: e-mail form, then the code from the e-mail."""
    box, _ = smtp_server
    page.goto(base + "/admin")
    page.wait_for_url(re.compile(r"/admin/login/?(\?.*)?$"))
    before = box.count()
    page.fill("input[name=email]", address)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/admin/login/code"))
    code = box.wait_for_code(address, before)
    page.fill("input[name=code]", code)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"^" + re.escape(base) + r"/admin/?$"))


def app_today():
    """The app's local day (it runs at TEST_NOW when set: app_env above), in the demo provider's timezone."""
    now = parse_instant(os.environ["TEST_NOW"]) if os.environ.get("TEST_NOW") else datetime.now(UTC)
    return now.astimezone(ZoneInfo("Europe/Bratislava")).date()
