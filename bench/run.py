#!/usr/bin/env python3
"""One command for the whole backend benchmark: `.venv/bin/python bench/run.py`.

1. Snapshots the working tree into a temp dir (so the build does not race other `reflex run`s on the
   shared .web), creates a temp SQLite DB with the demo (`client-profile demo`), and serves Client Profile
   with `reflex run --env prod`, REFLEX_STATE_MANAGER_MODE=memory, 1 worker, CLIENT_PROFILE_ENV=development,
   on a free port, pinned to core 0 (taskset) when there are 2+ cores.
2. Logs in as anna@example.com over plain HTTP exactly as a browser does: POST /auth/request (email) keeping
   the flow cookie, reads the 6-digit code from the development mailbox (one .eml per message in
   DEV_MAILBOX_DIR), POST /auth/verify (code) with the flow cookie, keeps the `cp_session` cookie.
3. Serves bench/emptyapp (the floor: `EmptyState.noop`) the same way on another port.
4. Runs bench/rxload.py (pinned to core 1): idle connections on the fresh servers (memory per client),
   then closed-loop 1/50/200 clients and paced 200 clients x ~1 event/s for
   HomeState.select_member (alternating Ema/Jakub), HomeState.load_home (the page's on_load) and noop.
5. Writes bench/results/<timestamp>/*.json + summary.json + summary.md and prints the markdown table.

Options: --quick (short steps, for checking the harness), --duration, --paced-duration, --idle 200,1000,
--only app|empty, --in-place (serve the repo itself instead of a snapshot), --pyspy (after the measured steps, profile
the app worker with py-spy during extra select_member x 50 closed-loop and load_home x 200 paced steps; needs
`.venv/bin/pip install py-spy`; summarise with bench/pyspy_summary.py).
"""

from __future__ import annotations

import argparse
import contextlib
import email
import json
import os
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from email import policy
from http.cookies import SimpleCookie
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from rxload import redact_argv  # noqa: E402

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
BIN = Path(sys.executable).parent
PY = sys.executable
RXLOAD = BENCH / "rxload.py"
EMPTYAPP = BENCH / "emptyapp"
LOGIN_EMAIL = "anna@example.com"
MEMBERS = ("Ema", "Jakub")
SELECT_MEMBER = "client_profile.state.home.HomeState.select_member"
LOAD_HOME = "client_profile.state.home.HomeState.load_home"
NOOP = "emptyapp.emptyapp.EmptyState.noop"
SNAPSHOT_IGNORE = shutil.ignore_patterns(
    ".git",
    ".venv",
    ".web",
    "bench",
    "node_modules",
    "__pycache__",
    "*.db",
    "*.db-*",
    ".states",
    "test-artifacts",
    ".dev-mailbox",
    ".pytest_cache",
    ".ruff_cache",
    "uploaded_files",
    "reflex.lock",
    "*.egg-info",
    ".client_profile_secret",
)


def log(msg: str) -> None:
    print(f"[run {time.strftime('%H:%M:%S')}] {msg}", flush=True)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pinning() -> tuple[list[str], list[str]]:
    """taskset prefixes: server on core 0, generator on core 1 (when there are 2 cores and taskset)."""
    if shutil.which("taskset") and len(os.sched_getaffinity(0)) >= 2:
        cores = sorted(os.sched_getaffinity(0))
        return ["taskset", "-c", str(cores[0])], ["taskset", "-c", str(cores[1])]
    return [], []


# ------------------------------------------------------------------------------------------- servers


class Server:
    def __init__(self, name: str, cwd: Path, port: int, env: dict[str, str], logfile: Path, pin: list[str]):
        self.name, self.cwd, self.port, self.env, self.logfile, self.pin = name, cwd, port, env, logfile, pin
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, ready_path: str = "/ping", timeout: float = 900) -> None:
        cmd = [
            *self.pin,
            str(BIN / "reflex"),
            "run",
            "--env",
            "prod",
            "--frontend-port",
            str(self.port),
            "--backend-port",
            str(self.port),
            "--loglevel",
            "warning",
        ]
        log(f"starting {self.name}: cd {self.cwd} && {' '.join(cmd)}")
        self._log = open(self.logfile, "w")  # noqa: SIM115 (closed in stop)
        self.proc = subprocess.Popen(
            cmd,
            cwd=self.cwd,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        t0 = time.monotonic()
        while time.monotonic() - t0 < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.name} exited early:\n{self.logfile.read_text()[-4000:]}")
            try:
                with (
                    urllib.request.urlopen(self.url + "/ping", timeout=2),
                    urllib.request.urlopen(self.url + ready_path, timeout=5) as r,
                ):
                    if r.status == 200:
                        log(
                            f"{self.name} up on {self.url} after {time.monotonic() - t0:.0f}s (pid {self.proc.pid})"
                        )
                        return
            except Exception:  # noqa: BLE001 - not up yet
                pass
            time.sleep(1)
        raise RuntimeError(f"{self.name} not ready in {timeout}s:\n{self.logfile.read_text()[-4000:]}")

    def worker_pid(self) -> int | None:
        """The process doing the work: the busiest python process of the tree (for py-spy)."""
        try:
            import psutil
        except ImportError:
            return None
        root = psutil.Process(self.proc.pid)
        # The root `reflex run` process compiled the app (lots of CPU, none of it serving): prefer its children,
        # the granian worker(s), and among them the one busiest over a short window.
        procs = root.children(recursive=True) or [root]
        for p in procs:
            p.cpu_percent(None)
        time.sleep(0.5)
        return max(procs, key=lambda p: (p.cpu_percent(None), sum(p.cpu_times()[:2]))).pid

    def stop(self) -> None:
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
        self._log.close()
        log(f"stopped {self.name}")


def base_env() -> dict[str, str]:
    env = dict(os.environ)
    for key in (
        "REFLEX_REDIS_URL",
        "GRANIAN_WORKERS",
        "SMTP_HOST",
        "PYTEST_CURRENT_TEST",
        "REFLEX_DB_URL",
        "DEV_MAILBOX_DIR",
        "BASE_URL",
        "VIRTUAL_ENV_PROMPT",
    ):
        env.pop(key, None)
    env.update(
        REFLEX_USE_NPM="1",
        REFLEX_TELEMETRY_ENABLED="false",
        REFLEX_STATE_MANAGER_MODE="memory",
        GRANIAN_WORKERS="1",
        PATH=f"{BIN}:{env.get('PATH', '')}",
        PYTHONUNBUFFERED="1",
    )
    return env


# --------------------------------------------------------------------------------------------- login


class Browserish:
    """Just enough of a browser for the login form posts: cookies by name, manual redirects, Origin."""

    def __init__(self, base: str):
        self.base = base
        self.cookies: dict[str, str] = {}
        self.opener = urllib.request.build_opener(_NoRedirect)

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> tuple[int, str, str]:
        url = self.base + path
        for _ in range(6):
            data = urllib.parse.urlencode(form).encode() if form is not None and method == "POST" else None
            req = urllib.request.Request(url, data=data, method=method)
            req.add_header("Origin", self.base)
            req.add_header("Referer", self.base + "/login")
            req.add_header("User-Agent", "Mozilla/5.0 (bench/run.py)")
            if data is not None:
                req.add_header("Content-Type", "application/x-www-form-urlencoded")
            if self.cookies:
                req.add_header("Cookie", "; ".join(f"{k}={v}" for k, v in self.cookies.items()))
            try:
                resp = self.opener.open(req, timeout=30)
            except urllib.error.HTTPError as e:
                resp = e
            for raw in resp.headers.get_all("Set-Cookie") or []:
                c = SimpleCookie()
                c.load(raw)
                for k, morsel in c.items():
                    if morsel["max-age"] == "0" or (morsel["expires"] and "1970" in morsel["expires"]):
                        self.cookies.pop(k, None)
                    else:
                        self.cookies[k] = morsel.value
            body = resp.read().decode(errors="replace")
            if resp.status in (301, 302, 303, 307, 308) and resp.headers.get("Location"):
                url = urllib.parse.urljoin(url, resp.headers["Location"])
                if resp.status in (301, 302, 303):
                    method, form = "GET", None
                continue
            return resp.status, url, body
        raise RuntimeError(f"too many redirects from {path}")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def hidden_fields(html: str) -> dict[str, str]:
    fields = {}
    for tag in re.findall(r"<input[^>]+>", html):
        if re.search(r"type=[\"']?hidden", tag):
            name = re.search(r"name=[\"']([^\"']+)", tag)
            value = re.search(r"value=[\"']([^\"']*)", tag)
            if name:
                fields[name.group(1)] = value.group(1) if value else ""
    return fields


def read_code(mailbox: Path, to: str, since: set[str], timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for path in sorted(mailbox.glob("*.eml"), key=lambda p: p.stat().st_mtime, reverse=True):
            if path.name in since:
                continue
            msg = email.message_from_bytes(path.read_bytes(), policy=policy.default)
            if to.lower() not in str(msg["To"]).lower():
                continue
            body = msg.get_body(preferencelist=("plain", "html"))
            m = re.search(r"\b(\d{3})\s?(\d{3})\b", body.get_content() if body else "")
            if m:
                return m.group(1) + m.group(2)
        time.sleep(0.2)
    raise RuntimeError(f"no login e-mail to {to} in {mailbox} within {timeout}s")


def login(base: str, mailbox: Path, address: str) -> str:
    """The browser's login, over HTTP; returns the Cookie header value for the websocket handshake."""
    b = Browserish(base)
    _, _, page = b.request("GET", "/login")
    before = {p.name for p in mailbox.glob("*.eml")} if mailbox.is_dir() else set()
    status, url, page = b.request("POST", "/auth/request", {**hidden_fields(page), "email": address})
    if status >= 400:
        raise RuntimeError(f"POST /auth/request -> {status} {url}: {page[:300]}")
    code = read_code(mailbox, address, before)
    status, url, page = b.request("POST", "/auth/verify", {**hidden_fields(page), "code": code})
    if status >= 400:
        raise RuntimeError(f"POST /auth/verify -> {status} {url}: {page[:300]}")
    session = {k: v for k, v in b.cookies.items() if k.endswith("cp_session")}
    if not session:
        raise RuntimeError(
            f"no cp_session cookie after /auth/verify (cookies: {sorted(b.cookies)}, at {url})"
        )
    log(f"logged in as {address} (landed on {urllib.parse.urlsplit(url).path})")
    return "; ".join(f"{k}={v}" for k, v in session.items())


def member_ids(db_path: Path, address: str) -> dict[str, int]:
    with contextlib.closing(sqlite3.connect(db_path)) as con:
        rows = con.execute(
            "SELECT a.first_name, a.id FROM attendee a JOIN client c ON c.family_id = a.family_id "
            "WHERE lower(c.email) = ? ORDER BY a.id",
            (address.lower(),),
        ).fetchall()
    ids = dict(rows)
    missing = [m for m in MEMBERS if m not in ids]
    if missing:
        raise RuntimeError(f"demo DB has no {missing} in {address}'s family (found {ids})")
    return ids


# ----------------------------------------------------------------------------------------------- load


def rxload(gen_pin: list[str], out: Path, *args: str) -> dict:
    cmd = [*gen_pin, PY, str(RXLOAD), *args, "--json", str(out)]
    shown = [*cmd[:2], *redact_argv(cmd[2:])] if cmd else cmd
    log("$ " + " ".join(_shell_quote(a) for a in shown))
    subprocess.run(cmd, check=True)
    return json.loads(out.read_text())


def _shell_quote(a: str) -> str:
    return a if re.fullmatch(r"[\w@%+=:,./-]+", a) else "'" + a.replace("'", "'\\''") + "'"


def fmt(v, nd=2) -> str:
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:,.{nd}f}"
    return f"{v:,}" if isinstance(v, int) else str(v)


def markdown(results: dict[str, dict]) -> str:
    lines = [
        "| scenario | clients | mode | events/s | p50 ms | p95 ms | p99 ms | server CPU ms/event | server cores "
        "| other load (cores) | delta B | errors |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, res in results.items():
        if name.endswith("idle"):
            continue
        for s in res["steps"]:
            lat = s["latency_ms"]
            think = f" {int(s['think_ms'])} ms" if s["think_ms"] else ""
            lines.append(
                f"| {name} | {s['clients']} | {s['mode']}{think} "
                f"| {fmt(s['events_per_s'], 0)} | {fmt(lat['p50'])} | {fmt(lat['p95'])} | {fmt(lat['p99'])} "
                f"| {fmt(s.get('server_cpu_ms_per_event'), 3)} | {fmt(s.get('server_cores'))} "
                f"| {fmt(s.get('other_cores'))} | {fmt(s['delta_bytes_mean'])} | {s['errors']} |"
            )
    idle = [(n, r) for n, r in results.items() if n.endswith("idle")]
    if idle:
        lines += [
            "",
            "| server | connected | PSS MB | PSS KB / client | RSS KB / client | connect+hydrate p50 / p95 ms "
            "| errors |",
            "|---|---|---|---|---|---|---|",
        ]
        for name, res in idle:
            first = res["steps"][0]["mem_before"] if res["steps"] else {}
            lines.append(f"| {name} | 0 | {fmt(first.get('pss_mb'), 1)} | | | | |")
            for s in res["steps"]:
                ch = s["connect_hydrate_ms"]
                lines.append(
                    f"| {name} | {s['connected']} | {fmt(s['mem_connected'].get('pss_mb'), 1)} "
                    f"| {fmt(s.get('pss_kb_per_client'), 1)} | {fmt(s.get('rss_kb_per_client'), 1)} "
                    f"| {fmt(ch['p50'], 1)} / {fmt(ch['p95'], 1)} | {s['errors']} |"
                )
    return "\n".join(lines)


def targets(results: dict[str, dict]) -> list[str]:
    """The README targets, checked against this run."""
    out = []

    def step(name, clients, mode):
        for s in results.get(name, {}).get("steps", []):
            if s["clients"] == clients and s["mode"] == mode:
                return s
        return None

    for app_name, floor_name in (("select_member", "noop"), ("load_home", "noop")):
        for clients, mode in ((1, "closed"), (50, "closed"), (200, "closed"), (200, "paced")):
            a, f = step(app_name, clients, mode), step(floor_name, clients, mode)
            if a and f and a.get("server_cpu_ms_per_event") and f.get("server_cpu_ms_per_event"):
                ratio = a["server_cpu_ms_per_event"] / f["server_cpu_ms_per_event"]
                out.append(
                    f"- CPU/event {app_name} vs empty handler, {clients} {mode}: "
                    f"{a['server_cpu_ms_per_event']:.3f} / {f['server_cpu_ms_per_event']:.3f} ms = "
                    f"{ratio:.2f}x (target <= 2x): {'OK' if ratio <= 2 else 'MISSED'}"
                )
    for name in ("select_member", "load_home", "noop"):
        s = step(name, 200, "paced")
        if s and s["latency_ms"]["p95"] is not None:
            p95 = s["latency_ms"]["p95"]
            out.append(
                f"- p95 {name}, 200 paced clients at ~1 event/s: {p95:.2f} ms (target < 25 ms): "
                f"{'OK' if p95 < 25 else 'MISSED'}"
            )
    for name in ("app idle", "empty idle"):
        for s in results.get(name, {}).get("steps", []):
            kb = s.get("pss_kb_per_client")
            if kb is not None:
                out.append(
                    f"- PSS per connection, {name}, {s['connected']} connected: {kb:.0f} KB "
                    f"(target <= 200 KB): {'OK' if kb <= 200 else 'MISSED'}"
                )
    return out


# ----------------------------------------------------------------------------------------------- main


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--duration", type=float, default=10, help="measured seconds per closed-loop step")
    p.add_argument("--paced-duration", type=float, default=20, help="measured seconds of the paced step")
    p.add_argument("--warmup", type=float, default=2)
    p.add_argument("--clients", default="1,50,200")
    p.add_argument("--paced-clients", type=int, default=200)
    p.add_argument("--think-ms", type=float, default=1000)
    p.add_argument("--idle", default="200,1000", help="cumulative idle totals ('' to skip)")
    p.add_argument("--only", choices=["app", "empty"], default=None)
    p.add_argument("--quick", action="store_true", help="2 s steps, idle 50,200: checks the harness only")
    p.add_argument("--in-place", action="store_true", help="serve the repo itself, not a snapshot")
    p.add_argument("--pyspy", action="store_true", help="py-spy extra select_member/load_home steps")
    p.add_argument("--out", default=None, help="results dir (default bench/results/<timestamp>)")
    p.add_argument("--keep", action="store_true", help="keep the temp dir (snapshot, DB, logs)")
    a = p.parse_args()
    if a.quick:
        a.duration, a.paced_duration, a.warmup, a.idle = 2, 4, 1, "50,200"

    stamp = time.strftime("%Y%m%d-%H%M%S")
    out = Path(a.out) if a.out else BENCH / "results" / stamp
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="cp-bench-"))
    srv_pin, gen_pin = pinning()
    log(f"results -> {out}; temp -> {tmp}; server pin {srv_pin or 'none'}, generator pin {gen_pin or 'none'}")
    servers: list[Server] = []
    results: dict[str, dict] = {}
    meta: dict = {
        "started": stamp,
        "argv": sys.argv,
        "git": _git_head(),
        "pin_server": srv_pin,
        "pin_generator": gen_pin,
        "loadavg_start": os.getloadavg(),
        "cpus": os.cpu_count(),
    }
    try:
        app = empty = None
        cookie = ""
        ids: dict[str, int] = {}
        if a.only in (None, "app"):
            app_dir = ROOT if a.in_place else tmp / "app"
            if not a.in_place:
                shutil.copytree(ROOT, app_dir, ignore=SNAPSHOT_IGNORE, symlinks=True)
            db = tmp / "bench.db"
            mailbox = tmp / "mailbox"
            mailbox.mkdir()
            port = free_port()
            env = base_env()
            env.update(
                CLIENT_PROFILE_ENV="development",
                REFLEX_DB_URL=f"sqlite:///{db}",
                DEV_MAILBOX_DIR=str(mailbox),
                BASE_URL=f"http://127.0.0.1:{port}",
                SECRET_KEY=secrets.token_urlsafe(48),
                PYTHONPATH=str(app_dir),
            )
            # `client-profile demo`, run from the snapshot so it uses the snapshot's code.
            demo_cmd = [PY, "-c", "import sys; from client_profile.cli import main; sys.exit(main(['demo']))"]
            log("loading the demo: client-profile demo")
            r = subprocess.run(demo_cmd, cwd=app_dir, env=env, capture_output=True, text=True)
            if r.returncode:
                raise RuntimeError(f"client-profile demo failed:\n{r.stdout}\n{r.stderr}")
            ids = member_ids(db, LOGIN_EMAIL)
            app = Server("client-profile", app_dir, port, env, out / "app.log", srv_pin)
            servers.append(app)
            app.start(ready_path="/login")
            cookie = login(app.url, mailbox, LOGIN_EMAIL)
        if a.only in (None, "empty"):
            empty = Server("emptyapp", EMPTYAPP, free_port(), base_env(), out / "emptyapp.log", srv_pin)
            servers.append(empty)
            empty.start()

        common = ["--warmup", str(a.warmup)]
        # Idle first, on the fresh servers: later steps would leave allocator high-water behind.
        if a.idle:
            idle_args = ["--idle", "--clients", a.idle, "--duration", "3", "--connect-concurrency", "50"]
            if app:
                results["app idle"] = rxload(
                    gen_pin,
                    out / "app_idle.json",
                    "--url",
                    app.url,
                    "--pid",
                    str(app.proc.pid),
                    "--cookie",
                    cookie,
                    "--path",
                    "/",
                    *idle_args,
                )
            if empty:
                results["empty idle"] = rxload(
                    gen_pin,
                    out / "empty_idle.json",
                    "--url",
                    empty.url,
                    "--pid",
                    str(empty.proc.pid),
                    *idle_args,
                )
        payload = json.dumps([{"member_id": ids[m]} for m in MEMBERS]) if ids else "{}"
        scenarios = []
        if app:
            app_args = ["--url", app.url, "--pid", str(app.proc.pid), "--cookie", cookie, "--path", "/"]
            scenarios += [
                ("select_member", [*app_args, "--event", SELECT_MEMBER, "--payload", payload]),
                ("load_home", [*app_args, "--event", LOAD_HOME, "--payload", "{}"]),
            ]
        if empty:
            scenarios.append(("noop", ["--url", empty.url, "--pid", str(empty.proc.pid), "--event", NOOP]))
        for name, args in scenarios:
            res = rxload(
                gen_pin,
                out / f"{name}_closed.json",
                *args,
                "--clients",
                a.clients,
                "--duration",
                str(a.duration),
                *common,
            )
            paced = rxload(
                gen_pin,
                out / f"{name}_paced.json",
                *args,
                "--clients",
                str(a.paced_clients),
                "--think-ms",
                str(a.think_ms),
                "--duration",
                str(a.paced_duration),
                *common,
            )
            res["steps"] += paced["steps"]
            results[name] = res
        if a.pyspy and app:
            # Extra, unreported steps: py-spy's sampling must not disturb the measured ones.
            for name, extra in (
                ("select_member", ["--clients", "50"]),
                ("load_home", ["--clients", str(a.paced_clients), "--think-ms", str(a.think_ms)]),
            ):
                args = dict(scenarios)[name]
                spy = _start_pyspy(app, out / f"pyspy_{name}.txt", a.warmup + a.duration + 3)
                rxload(
                    gen_pin,
                    out / f"{name}_profiled.json",
                    *args,
                    *extra,
                    "--duration",
                    str(a.duration),
                    *common,
                )
                if spy:
                    spy.wait()
    finally:
        for s in reversed(servers):
            s.stop()
        if a.keep:
            log(f"kept {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)

    meta["loadavg_end"] = os.getloadavg()
    table = markdown(results)
    checks = targets(results)
    summary = {"meta": meta, "table_md": table, "targets": checks, "results": results}
    (out / "summary.json").write_text(json.dumps(summary, indent=1))
    md = (
        f"# bench/run.py {stamp}\n\ncommit {meta['git']}, {meta['cpus']} CPUs, load average at start "
        f"{meta['loadavg_start']}, at end {meta['loadavg_end']}\n\n{table}\n\n" + "\n".join(checks) + "\n"
    )
    (out / "summary.md").write_text(md)
    print("\n" + md)
    return 0


def _start_pyspy(server: Server, path: Path, seconds: float) -> subprocess.Popen | None:
    exe = BIN / "py-spy"
    if not exe.exists():
        log("py-spy not installed in the venv (`.venv/bin/pip install py-spy`): no profile")
        return None
    # The worker may not have run yet; the busiest process of the tree after the idle runs is the worker.
    pid = server.worker_pid()
    cmd = [
        str(exe),
        "record",
        "-p",
        str(pid),
        "-d",
        str(int(seconds)),
        "-r",
        "250",
        "-f",
        "raw",
        "-o",
        str(path),
        "--nonblocking",
    ]
    log("$ " + " ".join(cmd))
    return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _git_head() -> str:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, capture_output=True, text=True
        ).stdout.strip()
        return head + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


if __name__ == "__main__":
    sys.exit(main())
