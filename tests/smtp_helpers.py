"""A real SMTP server on loopback (aiosmtpd) that keeps what the app delivers, and a free port. Not a test
module: the SMTP fixtures of the api, worker and e2e tests are built from these."""

from __future__ import annotations

import email
import email.message
import re
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from email import policy

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Mailbox:
    """Collects every message delivered to it: the SMTP envelopes and the parsed messages."""

    def __init__(self) -> None:
        self.envelopes: list = []
        self.messages: list[email.message.EmailMessage] = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        msg = email.message_from_bytes(envelope.content, policy=policy.default)
        with self._lock:
            self.envelopes.append(envelope)
            self.messages.append(msg)
        return "250 OK"

    def count(self) -> int:
        with self._lock:
            return len(self.messages)

    def wait_for(
        self, to: str, after: int, timeout: float = 20.0, subject_has: str = ""
    ) -> email.message.EmailMessage:
        """The first e-mail to ``to`` received after the first ``after`` (and, given ``subject_has``, whose
        subject contains it, any case)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                for msg in self.messages[after:]:
                    if (
                        to.lower() in str(msg["To"]).lower()
                        and subject_has.lower() in str(msg["Subject"]).lower()
                    ):
                        return msg
            time.sleep(0.1)
        raise AssertionError(f"no e-mail to {to} within {timeout}s")

    def wait_for_code(self, to: str, after: int, timeout: float = 20.0) -> str:
        """The code of the next login (or confirmation) e-mail to ``to``: other e-mails to that address (a new
        charge, a session change) may arrive in between and are passed over."""
        return self.code_in(self.wait_for(to, after, timeout, subject_has="code"))

    @staticmethod
    def code_in(msg: email.message.EmailMessage) -> str:
        text = msg.get_body(preferencelist=("plain",)).get_content()
        match = re.search(r"\b(\d{3})\s?(\d{3})\b", text)
        assert match, "no 6-digit code in the login e-mail"
        return match.group(1) + match.group(2)


@contextmanager
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    """An SMTP server on a free loopback port for the duration of the block: (mailbox, port)."""
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield box, controller.port
    finally:
        controller.stop()
