"""A cap on what the framework writes to the log for one record (docs/security.md finding 6).

Reflex, python-socketio and python-engineio put a bad websocket event's whole payload into their log messages and
exception texts ("Failed to deserialize event data: {fields}", handler tracebacks): any socket, logged in or not,
could write about 0.9 MB per event, and a lone surrogate ("\\ud800") in it made the handler's UTF-8 stream raise,
so logging printed its own "--- Logging error ---" traceback. The websocket message size is capped separately
(SOCKET_MAX_MESSAGE_BYTES, client_profile.py).

``install()`` wraps the log record factory once per process: a record from those libraries gets its message (and
its traceback, which is formatted here and then dropped from the record) cut to MAX_CHARS characters, with
surrogates and other unencodable characters escaped (``\\udc80``). A record factory, not a handler filter, because
Reflex attaches its own handlers (and granian may reconfigure logging) after our module is imported; a factory
sees every record of every logger before any handler does. Our own loggers are left alone.
"""

from __future__ import annotations

import logging
import traceback

MAX_CHARS = 4096
CAPPED_LOGGERS = ("reflex", "socketio", "engineio")
_MARK = "_client_profile_log_cap"


def _safe(text: str) -> str:
    """Printable by any UTF-8 stream: lone surrogates become backslash escapes."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def cap_text(text: str, limit: int = MAX_CHARS) -> str:
    if len(text) > limit:
        text = f"{text[:limit]}... [{len(text) - limit} more characters cut]"
    return _safe(text)


def _is_capped(name: str) -> bool:
    return any(name == root or name.startswith((root + ".", root + "_")) for root in CAPPED_LOGGERS)


def cap_record(record: logging.LogRecord, limit: int = MAX_CHARS) -> logging.LogRecord:
    """Replace the record's message (with its traceback, if any) by a capped, safely encodable text."""
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a broken format string must not break logging either
        message = f"{record.msg!r} % {record.args!r}"
    if record.exc_info and record.exc_info[0] is not None:
        # The traceback repeats the exception text (often the same payload): formatted here, capped with the rest.
        message = f"{cap_text(message, limit)}\n{''.join(traceback.format_exception(*record.exc_info))}"
        record.exc_info, record.exc_text = None, None
        limit *= 2
    record.msg, record.args = cap_text(message, limit), None
    return record


def install() -> None:
    """Cap every record of the framework's loggers from now on. Idempotent."""
    current = logging.getLogRecordFactory()
    if getattr(current, _MARK, False):
        return

    def factory(*args, **kwargs) -> logging.LogRecord:
        record = current(*args, **kwargs)
        if _is_capped(record.name):
            cap_record(record)
        return record

    setattr(factory, _MARK, True)
    logging.setLogRecordFactory(factory)
