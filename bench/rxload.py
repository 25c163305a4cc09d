#!/usr/bin/env python3
"""rxload: a load generator for Reflex 0.10.1 apps that speaks the websocket protocol directly.

No socket.io client library: Engine.IO v4 / Socket.IO v5 over one websocket per simulated browser tab,
as a browser tab speaks it:

    > GET ws://host:port/_event/?EIO=4&transport=websocket&token=<uuid4>   (optional Cookie/Origin headers)
    < 0{"sid":...,"pingInterval":25000,...}
    > 40/_event,{"event":{"name":"reflex___state____state.hydrate_and_load","payload":{},"router_data":{...}}}
    < 40/_event,{"sid":...}
    < 42/_event,["event",{"delta":{...}}]                                   (hydrate: full state)
    > 42/_event,["event",{"name":"<full state path>.<handler>","payload":{...},"router_data":{...}}]
    < 42/_event,["event",{"delta":{...}}]                                   (one per yield / return)
    < 2   > 3                                                               (heartbeat)

Each client is closed-loop (send, wait for the first non-empty delta, send again) or paced (--think-ms:
exponential think time between sends, so a client offers about 1000/think-ms events/s). The server's CPU
and memory are read with psutil from its process tree (--pid, or whoever listens on the URL's port).

Examples:
    rxload.py --url http://127.0.0.1:3000 --event EmptyState.noop --clients 1,50,200 --duration 10
    rxload.py --url http://127.0.0.1:3000 --event HomeState.select_member \\
        --payload '[{"member_id": 3}, {"member_id": 4}]' --cookie 'cp_session=...' --clients 200 --think-ms 1000
    rxload.py --url http://127.0.0.1:3000 --idle --clients 200,1000 --json idle.json
    rxload.py --discover path/to/app        # list handler names compiled into path/to/app/.web
    rxload.py --url http://127.0.0.1:3000 --list-states     # substate paths seen in the hydrate delta
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import random
import re
import resource
import statistics
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

try:
    import psutil
except ImportError:  # psutil is optional: without it there are no CPU/memory numbers.
    psutil = None

import contextlib

from websockets.asyncio.client import connect as ws_connect

NAMESPACE = "/_event"
ROOT_STATE = "reflex___state____state"
HYDRATE = f"{ROOT_STATE}.hydrate_and_load"
HYDRATED_VAR = "is_hydrated_rx_state_"
REFLEX_VERSION_SUBPROTOCOL = "0.10.1"


# --------------------------------------------------------------------------------------------- names


def to_snake_case(text: str) -> str:
    """The same conversion Reflex uses for state class names (reflex.utils.format.to_snake_case)."""
    s1 = re.sub("(.)([A-Z][a-z]+)", r"\1_\2", text)
    return re.sub("([a-z0-9])([A-Z])", r"\1_\2", s1).lower().replace("-", "_")


def state_segment(dotted_class: str) -> str:
    """`pkg.mod.ClassName` -> `pkg___mod____class_name` (Reflex's get_name()); `ClassName` -> `class_name`."""
    module, _, cls = dotted_class.rpartition(".")
    snake = to_snake_case(cls)
    return f"{module.replace('.', '___')}____{snake}" if module else snake


def resolve_event_name(spec: str, state_paths: list[str]) -> str:
    """Turn `--event` into the full event name Reflex expects.

    Accepted forms: a full name (`reflex___state____state.a___b____c.handler`), a dotted Python path
    (`client_profile.state.home.HomeState.select_member`) or `Class.handler`; the last two are matched by
    suffix against the substate paths seen in the hydrate delta (or compiled into .web).
    """
    if spec.startswith(ROOT_STATE + "."):
        return spec
    head, _, handler = spec.rpartition(".")
    if not head or not handler:
        raise SystemExit(f"--event {spec!r}: expected Class.handler, module.Class.handler or a full name")
    seg = state_segment(head)
    if "." in head:  # module path given: the last path segment must be exactly this state's name
        matches = [p for p in state_paths if p.rsplit(".", 1)[-1] == seg]
    else:  # only the class: any module
        matches = [
            p
            for p in state_paths
            if p.rsplit(".", 1)[-1].endswith("____" + seg) or p.rsplit(".", 1)[-1] == seg
        ]
    if len(matches) == 1:
        return f"{matches[0]}.{handler}"
    if not matches:
        known = "\n  ".join(sorted(state_paths)) or "(none)"
        raise SystemExit(f"--event {spec!r}: no state matches {seg!r}. States seen:\n  {known}")
    raise SystemExit(f"--event {spec!r} is ambiguous: {matches}; pass the full name")


def collect_state_paths(delta: dict[str, Any]) -> list[str]:
    return sorted(k for k in delta if k == ROOT_STATE or k.startswith(ROOT_STATE + "."))


def discover(app_dir: str) -> list[tuple[str, str]]:
    """Event names and literal payloads compiled into APP/.web (ReflexEvent(`name`, {payload}, ...))."""
    web = Path(app_dir) / ".web"
    if not web.is_dir():
        raise SystemExit(f"{web} does not exist: compile the app first (reflex export / reflex run)")
    pat = re.compile(
        r"ReflexEvent\(\s*[`\"']((?:reflex___state____state)[\w.]*)[`\"']\s*,\s*\(?\s*(\{[^;]*?\})\s*\)?\s*,"
    )
    found: dict[tuple[str, str], None] = {}
    for sub in ("app", "app_components", "utils", "components"):
        base = web / sub
        if not base.is_dir():
            continue
        for path in base.rglob("*"):
            if path.suffix not in (".js", ".jsx") or "node_modules" in path.parts:
                continue
            for m in pat.finditer(path.read_text(errors="replace")):
                found[(m.group(1), m.group(2)[:200])] = None
    return sorted(found)


# ------------------------------------------------------------------------------------------ process


def find_server_pids(port: int) -> list[int]:
    """The process listening on `port`, plus its parent when that is a Reflex/granian supervisor."""
    if psutil is None:
        return []
    pids: set[int] = set()
    try:
        for c in psutil.net_connections(kind="tcp"):
            if c.status == psutil.CONN_LISTEN and c.laddr and c.laddr.port == port and c.pid:
                pids.add(c.pid)
    except (psutil.AccessDenied, PermissionError):
        return []
    roots = set()
    for pid in pids:
        try:
            p = psutil.Process(pid)
            parent = p.parent()
            if parent and any(w in " ".join(parent.cmdline()) for w in ("reflex", "granian", "uvicorn")):
                roots.add(parent.pid)
            else:
                roots.add(pid)
        except psutil.Error:
            pass
    return sorted(roots)


def tree(pids: list[int]) -> list[Any]:
    procs = {}
    for pid in pids:
        try:
            p = psutil.Process(pid)
        except psutil.Error:
            continue
        procs[p.pid] = p
        try:
            for c in p.children(recursive=True):
                procs[c.pid] = c
        except psutil.Error:
            pass
    return list(procs.values())


def tree_cpu(pids: list[int]) -> float:
    """User+system CPU seconds of the live processes in the trees."""
    total = 0.0
    for p in tree(pids):
        try:
            t = p.cpu_times()
            total += t.user + t.system
        except psutil.Error:
            pass
    return total


def tree_mem(pids: list[int]) -> dict[str, float]:
    """PSS and RSS (MB) summed over the trees. PSS does not double count pages shared by forked workers."""
    pss = rss = 0
    for p in tree(pids):
        try:
            m = p.memory_full_info()
            pss += getattr(m, "pss", m.rss)
            rss += m.rss
        except psutil.Error:
            pass
    return {"pss_mb": pss / 2**20, "rss_mb": rss / 2**20}


class CpuWindow:
    """CPU used by the server tree, by this generator, and by everything else, over one window."""

    def __init__(self, pids: list[int]):
        self.pids = pids

    def __enter__(self):
        self.t0 = time.perf_counter()
        if psutil:
            self.srv0 = tree_cpu(self.pids)
            self.me0 = sum(psutil.Process().cpu_times()[:2])
            s = psutil.cpu_times()
            self.sys_busy0 = s.user + s.system + s.nice + getattr(s, "irq", 0) + getattr(s, "softirq", 0)
        return self

    def __exit__(self, *exc):
        self.elapsed = time.perf_counter() - self.t0
        if psutil:
            self.server_s = tree_cpu(self.pids) - self.srv0
            self.gen_s = sum(psutil.Process().cpu_times()[:2]) - self.me0
            s = psutil.cpu_times()
            busy = (
                s.user + s.system + s.nice + getattr(s, "irq", 0) + getattr(s, "softirq", 0) - self.sys_busy0
            )
            self.other_s = max(0.0, busy - self.server_s - self.gen_s)
        return False

    def result(self, events: int) -> dict[str, Any]:
        if not psutil:
            return {}
        el = max(self.elapsed, 1e-9)
        return {
            "server_cores": round(self.server_s / el, 3),
            "server_cpu_ms_per_event": round(1000 * self.server_s / events, 4) if events else None,
            "gen_cores": round(self.gen_s / el, 3),
            "other_cores": round(self.other_s / el, 3),
        }


# ------------------------------------------------------------------------------------------- client


class ProtocolError(Exception):
    pass


@dataclass
class Client:
    idx: int
    ws_url: str
    headers: list[tuple[str, str]]
    origin: str | None
    subprotocol: str | None
    router_data: dict[str, Any]
    hydrate: bool
    hydrate_payload: dict[str, Any]
    hydrate_timeout: float
    ws: Any = None
    token: str = field(default_factory=lambda: str(uuid.uuid4()))
    state_paths: set[str] = field(default_factory=set)
    ws_open_ms: float = 0.0
    hydrate_ms: float = 0.0
    hydrate_bytes: int = 0
    errors: list[str] = field(default_factory=list)
    # The response currently awaited: (future, expect-substring or None)
    _waiter: tuple[asyncio.Future, str | None] | None = None
    _reader: asyncio.Task | None = None
    _hydrated: asyncio.Event = field(default_factory=asyncio.Event)
    _connected: asyncio.Future | None = None

    async def connect(self) -> None:
        t0 = time.perf_counter()
        url = f"{self.ws_url}?EIO=4&transport=websocket&token={self.token}"
        self.ws = await ws_connect(
            url,
            origin=self.origin,
            additional_headers=self.headers or None,
            subprotocols=[self.subprotocol] if self.subprotocol else None,
            compression=None,  # granian does not negotiate permessage-deflate anyway
            ping_interval=None,  # Engine.IO has its own heartbeat (answered in _read)
            max_size=None,
            open_timeout=30,
            proxy=None,
        )
        open_pkt = await asyncio.wait_for(self.ws.recv(), 30)
        if not open_pkt.startswith("0"):
            raise ProtocolError(f"expected Engine.IO open packet, got {open_pkt[:80]!r}")
        self.ws_open_ms = (time.perf_counter() - t0) * 1000
        loop = asyncio.get_running_loop()
        self._connected = loop.create_future()
        self._reader = asyncio.create_task(self._read())
        auth: dict[str, Any] = {}
        if self.hydrate:
            auth = {
                "event": {"name": HYDRATE, "payload": self.hydrate_payload, "router_data": self.router_data}
            }
        await self.ws.send(f"40{NAMESPACE}," + json.dumps(auth, separators=(",", ":")))
        await asyncio.wait_for(self._connected, 30)
        if self.hydrate:
            # Hydration is complete when the root state reports is_hydrated = true (after any on_load chain).
            await asyncio.wait_for(self._hydrated.wait(), self.hydrate_timeout)
        self.hydrate_ms = (time.perf_counter() - t0) * 1000

    async def _read(self) -> None:
        try:
            async for msg in self.ws:
                if isinstance(msg, bytes):
                    continue
                if msg == "2":
                    await self.ws.send("3")
                    continue
                if msg.startswith("42" + NAMESPACE + ","):
                    self._on_event(msg)
                elif msg.startswith("40" + NAMESPACE):
                    if self._connected and not self._connected.done():
                        self._connected.set_result(None)
                elif msg.startswith("44" + NAMESPACE):  # CONNECT_ERROR
                    self._fail(f"connect refused: {msg[:200]}")
                elif msg.startswith("41" + NAMESPACE) or msg == "1":
                    self._fail("server closed the namespace")
        except Exception as e:  # connection closed: fail whoever waits
            self._fail(f"{type(e).__name__}: {e}")
        else:
            self._fail("websocket closed")

    def _fail(self, why: str) -> None:
        self.errors.append(why)
        for fut in (self._connected, self._waiter[0] if self._waiter else None):
            if fut is not None and not fut.done():
                fut.set_exception(ProtocolError(why))

    def _on_event(self, msg: str) -> None:
        try:
            name, *rest = json.loads(msg[len("42" + NAMESPACE + ",") :])
        except ValueError:
            self.errors.append(f"bad frame {msg[:80]!r}")
            return
        if name != "event":  # client_error, state_mismatch, new_token, ...
            self.errors.append(f"{name}: {json.dumps(rest)[:200]}")
            return
        update = rest[0] if rest else {}
        delta = update.get("delta") or {}
        if delta:
            self.state_paths.update(collect_state_paths(delta))
            if delta.get(ROOT_STATE, {}).get(HYDRATED_VAR) is True:
                self._hydrated.set()
            if not self._hydrated.is_set():
                self.hydrate_bytes += len(msg)
        if self._waiter and delta:
            fut, expect = self._waiter
            if not fut.done() and (expect is None or expect in msg):
                fut.set_result(len(msg))

    async def event(
        self, name: str, payload: dict[str, Any], expect: str | None, timeout: float
    ) -> tuple[float, int]:
        """Send one event; return (latency ms until the first non-empty delta, its size in bytes)."""
        fut = asyncio.get_running_loop().create_future()
        self._waiter = (fut, expect)
        frame = f"42{NAMESPACE}," + json.dumps(
            ["event", {"name": name, "payload": payload, "router_data": self.router_data}],
            separators=(",", ":"),
        )
        t0 = time.perf_counter()
        await self.ws.send(frame)
        try:
            size = await asyncio.wait_for(fut, timeout)
        finally:
            self._waiter = None
        return (time.perf_counter() - t0) * 1000, size

    async def close(self) -> None:
        if self._reader:
            self._reader.cancel()
        if self.ws is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.ws.close(), 5)


# ---------------------------------------------------------------------------------------------- run


def pct(values: list[float], p: float) -> float | None:
    if not values:
        return None
    s = sorted(values)
    k = (len(s) - 1) * p / 100
    f, c = math.floor(k), math.ceil(k)
    return s[f] if f == c else s[f] + (s[c] - s[f]) * (k - f)


def summary(values: list[float]) -> dict[str, float | None]:
    r = lambda v: None if v is None else round(v, 3)  # noqa: E731
    return {
        "p50": r(pct(values, 50)),
        "p95": r(pct(values, 95)),
        "p99": r(pct(values, 99)),
        "max": r(max(values)) if values else None,
        "mean": r(statistics.fmean(values)) if values else None,
    }


def timeline(offsets: list[float], lat: list[float], cpu: list[dict[str, float]]) -> list[dict[str, float]]:
    """Per second of the measured window: events sent, p50 and max latency, and the server's and everything
    else's CPU in that second. Shows whether a tail is spread evenly (the handler) or clustered in a few
    seconds (a pause: GC, a neighbour's CPU burst, an fsync)."""
    buckets: dict[int, list[float]] = {}
    for off, ms in zip(offsets, lat, strict=False):
        buckets.setdefault(max(0, int(off)), []).append(ms)
    rows = []
    for k, v in sorted(buckets.items()):
        row = {"s": k, "n": len(v), "p50": round(pct(v, 50), 2), "max": round(max(v), 2)}
        if k < len(cpu):
            row.update(cpu[k])
        rows.append(row)
    return rows


class Runner:
    def __init__(self, args: argparse.Namespace):
        self.args = args
        u = urlsplit(args.url)
        scheme = {"http": "ws", "https": "wss", "ws": "ws", "wss": "wss"}[u.scheme]
        self.port = u.port or (443 if scheme == "wss" else 80)
        self.ws_url = f"{scheme}://{u.netloc}{args.event_path.rstrip('/')}/"
        self.origin = (
            args.origin
            if args.origin is not None
            else f"{'https' if scheme == 'wss' else 'http'}://{u.netloc}"
        )
        headers = []
        for h in args.header:
            k, _, v = h.partition(":")
            headers.append((k.strip(), v.strip()))
        if args.cookie:
            headers.append(("Cookie", args.cookie))
        self.headers = headers
        path = args.path
        self.router_data = {"pathname": path, "asPath": args.as_path or path, "query": {}}
        self.pids = args.pid or find_server_pids(self.port)
        self.payloads = self._parse_payloads(args.payload)
        self.event_name: str | None = None

    @staticmethod
    def _parse_payloads(raw: str) -> list[dict[str, Any]]:
        try:
            v = json.loads(raw)
        except ValueError as e:
            raise SystemExit(f"--payload is not JSON: {e}") from e
        items = v if isinstance(v, list) else [v]
        if not items or not all(isinstance(i, dict) for i in items):
            raise SystemExit("--payload must be a JSON object or a non-empty list of objects")
        return items

    def new_client(self, idx: int) -> Client:
        a = self.args
        return Client(
            idx=idx,
            ws_url=self.ws_url,
            headers=self.headers,
            origin=self.origin or None,
            subprotocol=a.subprotocol or None,
            router_data=self.router_data,
            hydrate=not a.no_hydrate,
            hydrate_payload=json.loads(a.hydrate_payload),
            hydrate_timeout=a.hydrate_timeout,
        )

    async def connect_all(self, n: int, start_idx: int = 0) -> tuple[list[Client], list[str]]:
        sem = asyncio.Semaphore(self.args.connect_concurrency)
        errors: list[str] = []

        async def one(i: int) -> Client | None:
            async with sem:
                c = self.new_client(i)
                try:
                    await c.connect()
                    return c
                except Exception as e:
                    errors.append(f"client {i}: {type(e).__name__}: {e} {'; '.join(c.errors)[:300]}")
                    await c.close()
                    return None

        got = await asyncio.gather(*(one(start_idx + i) for i in range(n)))
        return [c for c in got if c is not None], errors

    async def sample_cpu(self, seconds: float) -> list[dict[str, float]]:
        """Server cores and other-load cores for each whole second of the window."""
        if not psutil:
            return []
        out = []
        me = psutil.Process()

        def snap():
            s = psutil.cpu_times()
            busy = s.user + s.system + s.nice + getattr(s, "irq", 0) + getattr(s, "softirq", 0)
            return time.perf_counter(), tree_cpu(self.pids), sum(me.cpu_times()[:2]), busy

        prev = snap()
        for _ in range(int(seconds)):
            await asyncio.sleep(1.0)
            cur = snap()
            dt = cur[0] - prev[0]
            srv, gen, busy = cur[1] - prev[1], cur[2] - prev[2], cur[3] - prev[3]
            out.append(
                {"server_cores": round(srv / dt, 2), "other_cores": round(max(0.0, busy - srv - gen) / dt, 2)}
            )
            prev = cur
        return out

    def mem(self) -> dict[str, float]:
        return tree_mem(self.pids) if (psutil and self.pids) else {}

    async def load_step(self, n: int) -> dict[str, Any]:
        a = self.args
        mem_before = self.mem()
        clients, conn_errors = await self.connect_all(n)
        if not clients:
            raise SystemExit(f"no client could connect: {conn_errors[:3]}")
        if self.event_name is None:
            paths = sorted(set().union(*(c.state_paths for c in clients)))
            self.event_name = resolve_event_name(a.event, paths)
        mem_connected = self.mem()
        lat: list[float] = []
        sizes: list[int] = []
        when: list[float] = []  # send time of each measured event, for the per-second timeline
        ev_errors: list[str] = []
        measuring = False
        stop = False
        think = a.think_ms / 1000.0

        async def drive(c: Client) -> None:
            seq = c.idx  # offset the payload cycle per client so concurrent clients differ
            rng = random.Random(a.seed * 100003 + c.idx)
            if think > 0:  # paced: desynchronise the clients
                await asyncio.sleep(rng.uniform(0, think))
            while not stop:
                t_send = time.perf_counter()
                payload = self.payloads[seq % len(self.payloads)]
                seq += 1
                try:
                    ms, size = await c.event(self.event_name, payload, a.expect, a.event_timeout)
                except Exception as e:
                    ev_errors.append(f"{type(e).__name__}: {e}")
                    if c.ws is None or c.ws.state.name != "OPEN":
                        return
                    continue
                if measuring and not stop:
                    lat.append(ms)
                    sizes.append(size)
                    when.append(t_send)
                if think > 0:
                    # Next send at t_send + Exp(think): the offered rate stays ~1/think whatever the latency.
                    delay = rng.expovariate(1.0 / think) - (time.perf_counter() - t_send)
                    if delay > 0:
                        await asyncio.sleep(delay)

        tasks = [asyncio.create_task(drive(c)) for c in clients]
        await asyncio.sleep(a.warmup)
        measuring = True
        with CpuWindow(self.pids) as win:
            t_measure = time.perf_counter()
            n0 = len(lat)
            sampler = asyncio.create_task(self.sample_cpu(a.duration))
            await asyncio.sleep(a.duration)
            events = len(lat) - n0
            cpu_by_second = await sampler
        stop = True
        await asyncio.wait(tasks, timeout=a.event_timeout + 5)
        for t in tasks:
            t.cancel()
        mem_after = self.mem()
        result = {
            "clients": n,
            "connected": len(clients),
            "mode": "paced" if think > 0 else "closed",
            "think_ms": a.think_ms,
            "duration_s": round(win.elapsed, 3),
            "events": events,
            "events_per_s": round(events / win.elapsed, 1),
            "latency_ms": summary(lat),
            "timeline": timeline([w - t_measure for w in when], lat, cpu_by_second),
            "delta_bytes_mean": round(statistics.fmean(sizes)) if sizes else None,
            "ws_open_ms": summary([c.ws_open_ms for c in clients]),
            "connect_hydrate_ms": summary([c.hydrate_ms for c in clients]),
            "hydrate_bytes_mean": round(statistics.fmean(c.hydrate_bytes for c in clients)),
            "errors": len(conn_errors) + len(ev_errors) + sum(len(c.errors) for c in clients),
            "error_samples": (conn_errors + ev_errors + [e for c in clients for e in c.errors])[:5],
            **win.result(events),
            "mem_before": mem_before,
            "mem_connected": mem_connected,
            "mem_after_load": mem_after,
        }
        await asyncio.gather(*(c.close() for c in clients))
        await asyncio.sleep(a.settle_after)
        result["mem_after_close"] = self.mem()
        return result

    async def idle_steps(self, totals: list[int]) -> list[dict[str, Any]]:
        """Connect + hydrate up to each total (cumulative), hold, and measure memory per connection."""
        a = self.args
        await asyncio.sleep(a.settle_before)
        base = self.mem()
        held: list[Client] = []
        results = []
        for total in totals:
            add = total - len(held)
            if add < 0:
                raise SystemExit("--idle --clients must be increasing totals, e.g. 200,1000")
            t0 = time.perf_counter()
            with CpuWindow(self.pids) as win:
                new, errors = await self.connect_all(add, start_idx=len(held))
            held += new
            storm_s = time.perf_counter() - t0
            await asyncio.sleep(a.duration)
            m = self.mem()
            per = {}
            if base and m and held:
                per = {
                    "pss_kb_per_client": round((m["pss_mb"] - base["pss_mb"]) * 1024 / len(held), 1),
                    "rss_kb_per_client": round((m["rss_mb"] - base["rss_mb"]) * 1024 / len(held), 1),
                }
            results.append(
                {
                    "clients": total,
                    "connected": len(held),
                    "mode": "idle",
                    "connect_storm_s": round(storm_s, 3),
                    "ws_open_ms": summary([c.ws_open_ms for c in new]),
                    "connect_hydrate_ms": summary([c.hydrate_ms for c in new]),
                    "hydrate_bytes_mean": round(statistics.fmean(c.hydrate_bytes for c in new))
                    if new
                    else None,
                    "errors": len(errors) + sum(len(c.errors) for c in held),
                    "error_samples": (errors + [e for c in held for e in c.errors])[:5],
                    "server_cpu_ms_per_connect": round(1000 * win.server_s / max(1, len(new)), 3)
                    if psutil
                    else None,
                    "mem_before": base,
                    "mem_connected": m,
                    **per,
                }
            )
            self.print_idle(results[-1])
        await asyncio.gather(*(c.close() for c in held))
        await asyncio.sleep(a.settle_after)
        if results:
            results[-1]["mem_after_close"] = self.mem()
        return results

    @staticmethod
    def print_step(r: dict[str, Any]) -> None:
        lat = r["latency_ms"]
        print(
            f"  {r['clients']:>5} clients {r['mode']:>6}: {r['events_per_s']:>8.1f} ev/s  "
            f"p50 {lat['p50']} p95 {lat['p95']} p99 {lat['p99']} ms  "
            f"cpu/ev {r.get('server_cpu_ms_per_event')} ms  srv {r.get('server_cores')} cores  "
            f"other {r.get('other_cores')}  delta {r['delta_bytes_mean']} B  errors {r['errors']}",
            flush=True,
        )

    @staticmethod
    def print_idle(r: dict[str, Any]) -> None:
        print(
            f"  {r['clients']:>5} idle: connected {r['connected']}  PSS {r['mem_connected'].get('pss_mb', 0):.1f} MB "
            f"({r.get('pss_kb_per_client')} KB/client, RSS {r.get('rss_kb_per_client')} KB/client)  "
            f"connect+hydrate p50 {r['connect_hydrate_ms']['p50']} p95 {r['connect_hydrate_ms']['p95']} ms  "
            f"errors {r['errors']}",
            flush=True,
        )

    async def run(self) -> dict[str, Any]:
        a = self.args
        steps = [int(x) for x in a.clients.split(",") if x.strip()]
        out: dict[str, Any] = {
            "label": a.label,
            "url": a.url,
            "event": a.event,
            "path": a.path,
            "argv": redact_argv(sys.argv),
            "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
            "server_pids": self.pids,
            "machine": machine_info(),
            "steps": [],
        }
        if not self.pids and psutil:
            print("  (no server process found: no CPU/memory numbers; pass --pid)", file=sys.stderr)
        if a.idle:
            out["steps"] = await self.idle_steps(steps)
        else:
            if not a.event:
                raise SystemExit("--event is required (or --idle)")
            for n in steps:
                r = await self.load_step(n)
                out["steps"].append(r)
                self.print_step(r)
            out["event_name"] = self.event_name
        return out


def redact_argv(argv: list[str]) -> list[str]:
    """Results are committed: never write the session cookie (or any header value) into them."""
    out, hide = [], False
    for arg in argv:
        if hide:
            out.append(arg.split("=", 1)[0] + "=<redacted>" if "=" in arg else "<redacted>")
            hide = False
            continue
        if arg in ("--cookie", "--header"):
            hide = True
        elif arg.startswith(("--cookie=", "--header=")):
            arg = arg.split("=", 1)[0] + "=<redacted>"
        out.append(arg)
    return out


def machine_info() -> dict[str, Any]:
    info: dict[str, Any] = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "loadavg": os.getloadavg(),
    }
    with contextlib.suppress(AttributeError):
        info["affinity"] = sorted(os.sched_getaffinity(0))
    if psutil:
        info["mem_total_gb"] = round(psutil.virtual_memory().total / 2**30, 1)
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                info["cpu_model"] = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return info


async def list_states(runner: Runner) -> None:
    clients, errors = await runner.connect_all(1)
    if not clients:
        raise SystemExit(f"could not connect: {errors}")
    for p in sorted(clients[0].state_paths):
        print(p)
    await clients[0].close()


def raise_fd_limit() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--url", default="http://127.0.0.1:3000", help="the Reflex backend (prod: the app port)")
    p.add_argument("--event", help="full event name, module.Class.handler, or Class.handler")
    p.add_argument("--payload", default="{}", help="JSON object, or a list of objects cycled per event")
    p.add_argument("--clients", default="1,50,200", help="comma-separated client counts, one step each")
    p.add_argument("--duration", type=float, default=10.0, help="measured seconds per step (idle: hold time)")
    p.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds before each step")
    p.add_argument(
        "--think-ms",
        type=float,
        default=0.0,
        help="mean exponential think time per client; 0 = closed loop (saturate)",
    )
    p.add_argument(
        "--idle", action="store_true", help="connect + hydrate only; --clients are cumulative totals"
    )
    p.add_argument("--path", default="/", help="router_data pathname (selects the page's on_load)")
    p.add_argument("--as-path", default=None, help="router_data asPath (default: --path)")
    p.add_argument(
        "--cookie", default="", help="Cookie header for the websocket handshake, e.g. 'cp_session=...'"
    )
    p.add_argument("--header", action="append", default=[], help="extra handshake header 'Name: value'")
    p.add_argument("--origin", default=None, help="Origin header (default: the URL's origin; '' = none)")
    p.add_argument(
        "--subprotocol", default=REFLEX_VERSION_SUBPROTOCOL, help="websocket subprotocol ('' = none)"
    )
    p.add_argument("--event-path", default="/_event", help="websocket mount path")
    p.add_argument("--expect", default=None, help="count a response only when its frame contains this string")
    p.add_argument("--hydrate-payload", default="{}", help="payload of hydrate_and_load (e.g. hashes)")
    p.add_argument("--no-hydrate", action="store_true", help="bare socket.io servers: no hydrate in CONNECT")
    p.add_argument("--hydrate-timeout", type=float, default=30.0)
    p.add_argument("--event-timeout", type=float, default=30.0)
    p.add_argument("--connect-concurrency", type=int, default=50, help="parallel handshakes")
    p.add_argument("--settle-before", type=float, default=1.0, help="idle: seconds before the baseline")
    p.add_argument("--settle-after", type=float, default=1.0, help="seconds after closing before memory")
    p.add_argument("--pid", type=int, action="append", help="server process (tree) to measure; repeatable")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--label", default="")
    p.add_argument("--json", default=None, help="write results here")
    p.add_argument(
        "--discover", metavar="APP_DIR", help="list event names compiled into APP_DIR/.web and exit"
    )
    p.add_argument("--list-states", action="store_true", help="print substate paths from the hydrate delta")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.discover:
        for name, payload in discover(args.discover):
            print(f"{name}  {payload}")
        return 0
    raise_fd_limit()
    runner = Runner(args)
    if args.list_states:
        asyncio.run(list_states(runner))
        return 0
    print(
        f"rxload {args.url} event={args.event} path={args.path} think_ms={args.think_ms} "
        f"server pids={runner.pids}",
        flush=True,
    )
    out = asyncio.run(runner.run())
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(out, indent=1))
    total_errors = sum(s.get("errors", 0) for s in out["steps"])
    return 1 if total_errors and all(s.get("connected", 0) == 0 for s in out["steps"]) else 0


if __name__ == "__main__":
    sys.exit(main())
