"""docs/security.md finding 6: what one bad websocket event can write to the log, and how big a websocket
message may be."""

from __future__ import annotations

import io
import logging

import pytest

from client_profile import log_limits
from client_profile.settings import get_settings


@pytest.fixture
def capture():
    """A strict UTF-8 byte stream handler on the root logger (like a container's stderr), and its errors."""
    log_limits.install()
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="utf-8", errors="strict", write_through=True)
    handler = logging.StreamHandler(stream)
    errors: list[logging.LogRecord] = []
    handler.handleError = errors.append  # what logging calls instead of printing "--- Logging error ---"
    names = ("reflex.app", "engineio.server", "socketio.server", "reflex_base.event", "client_profile.test")
    loggers = [logging.getLogger(n) for n in names]
    saved = [(lg.propagate, lg.level) for lg in loggers]
    for lg in loggers:
        lg.addHandler(handler)
        lg.propagate = False
        lg.setLevel(logging.DEBUG)
    yield (lambda: raw.getvalue().decode("utf-8")), errors
    for lg, (propagate, level) in zip(loggers, saved, strict=False):
        lg.removeHandler(handler)
        lg.propagate, lg.level = propagate, level


def test_a_megabyte_event_payload_is_cut_to_a_few_kilobytes(capture):
    output, errors = capture
    payload = {"name": "state.x", "payload": {"junk": "A" * 1_000_000}}
    logging.getLogger("reflex.app").warning(
        f"Received event from session s with no associated token. {payload}"
    )
    logging.getLogger("reflex_base.event").warning("bad args %s", payload)
    text = output()
    assert not errors
    assert len(text.encode()) <= 2 * (log_limits.MAX_CHARS + 100)
    assert "more characters cut" in text


def test_a_lone_surrogate_is_escaped_not_a_logging_error(capture):
    output, errors = capture
    logging.getLogger("socketio.server").warning("Event data: %s", {"x": "\ud800 and \udfff"})
    assert not errors
    assert "\\ud800" in output()


def test_a_traceback_carrying_the_payload_is_cut_too(capture):
    output, errors = capture
    try:
        raise ValueError(f"Failed to deserialize event data: {'B' * 1_000_000} \ud800")
    except ValueError:
        logging.getLogger("engineio.server").exception("message handler error")
    text = output()
    assert not errors
    assert "message handler error" in text and "ValueError" in text
    assert len(text.encode()) <= 2 * log_limits.MAX_CHARS + 200


def test_our_own_loggers_are_left_alone(capture):
    output, _ = capture
    logging.getLogger("client_profile.test").info("x" * 10_000)
    assert output().count("x") == 10_000


def test_the_app_installs_the_cap_and_the_socket_message_limit():
    from client_profile.client_profile import app

    assert getattr(logging.getLogRecordFactory(), "_client_profile_log_cap", False)
    cap = get_settings().socket_max_message_bytes
    assert cap == 64 * 1024 < 1_000_000  # Reflex's default is 1 000 000 bytes
    assert app.sio is not None and app.sio.eio.max_http_buffer_size == cap


def test_reflex_logging_a_megabyte_bad_event_writes_a_few_kilobytes(caplog):
    """The real path: Reflex's socket namespace gets an event from a socket it has no token for (no login) and
    logs it with the whole payload."""
    import asyncio

    from client_profile.client_profile import app

    caplog.set_level(logging.WARNING)
    event = {"name": "reflex___state____state.x", "payload": {"junk": "A" * 1_000_000 + "\ud800"}}
    asyncio.run(app.event_namespace.on_event("no-such-sid", event))
    messages = [r.getMessage() for r in caplog.records if r.name.startswith("reflex")]
    assert messages, "Reflex logged nothing"
    assert all(len(m) <= log_limits.MAX_CHARS + 60 for m in messages)
    assert all(m.encode("utf-8") for m in messages)  # no lone surrogate left to break a UTF-8 stream
