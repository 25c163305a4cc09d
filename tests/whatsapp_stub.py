"""A local stand-in for the Twilio and Meta WhatsApp APIs: a real HTTP server on 127.0.0.1 (http.server in a
thread) that records every request and answers like the real service. Not a test module.

- Twilio: POST /2010-04-01/Accounts/{sid}/Messages.json (form) -> 201 {"sid": "SM...", "status": "queued"}
- Meta:   POST /{version}/{phone-number-id}/messages (JSON)   -> 200 {"messages": [{"id": "wamid..."}]}
``responses`` (a list of status codes) scripts the next answers; ``stall_on`` (1-based request number) records that
request and then never answers until ``release()`` (a provider that took the message and went silent).
"""

from __future__ import annotations

import json
import threading
import urllib.parse
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict
    body: bytes

    @property
    def form(self) -> dict:
        return {k: v[0] for k, v in urllib.parse.parse_qs(self.body.decode()).items()}

    @property
    def json(self) -> dict:
        return json.loads(self.body)


class WhatsAppStub:
    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.responses: list[int] = []
        self.stall_on: int | None = None
        self.stalled = threading.Event()
        self._release = threading.Event()
        self._lock = threading.Lock()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet
                pass

            def do_POST(self):  # noqa: N802
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                with stub._lock:
                    stub.requests.append(Recorded("POST", self.path, dict(self.headers), body))
                    number = len(stub.requests)
                    status = stub.responses.pop(0) if stub.responses else None
                if stub.stall_on == number:
                    stub.stalled.set()
                    stub._release.wait(60)
                    return
                twilio = "/Messages.json" in self.path
                if status is None:
                    status = 201 if twilio else 200
                if status < 300:
                    payload = (
                        {"sid": f"SM{number:032d}", "status": "queued"}
                        if twilio
                        else {"messaging_product": "whatsapp", "messages": [{"id": f"wamid.TEST{number}"}]}
                    )
                elif twilio:
                    payload = {"code": 21211, "message": "Invalid 'To' Phone Number", "status": status}
                else:
                    payload = {"error": {"message": "(#132001) Template name does not exist", "code": 132001}}
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)

    def start(self) -> WhatsAppStub:
        self._thread.start()
        return self

    def release(self) -> None:
        self._release.set()

    def stop(self) -> None:
        self.release()
        self.server.shutdown()
        self.server.server_close()


def twilio_env(stub: WhatsAppStub) -> dict[str, str]:
    return {
        "WHATSAPP_PROVIDER": "twilio",
        "TWILIO_ACCOUNT_SID": "AC" + "1" * 32,
        "TWILIO_AUTH_TOKEN": "tok-secret",
        "TWILIO_WHATSAPP_FROM": "+14155238886",
        "TWILIO_API_BASE": stub.base,
        "WHATSAPP_TEMPLATE_MAKEUP_EARNED": "HX" + "a" * 32,
        "WHATSAPP_TEMPLATE_MAKEUP_EXPIRING": "HX" + "b" * 32,
        "WHATSAPP_TEMPLATE_WAITLIST_OFFER": "HX" + "c" * 32,
    }


def meta_env(stub: WhatsAppStub) -> dict[str, str]:
    return {
        "WHATSAPP_PROVIDER": "meta",
        "META_ACCESS_TOKEN": "EAAG-test-token",
        "META_PHONE_NUMBER_ID": "106540352242922",
        "META_API_BASE": f"{stub.base}/v21.0",
        "WHATSAPP_TEMPLATE_MAKEUP_EARNED": "makeup_earned",
        "WHATSAPP_TEMPLATE_MAKEUP_EXPIRING": "makeup_expiring",
        "WHATSAPP_TEMPLATE_WAITLIST_OFFER": "makeup_waitlist_offer",
    }
