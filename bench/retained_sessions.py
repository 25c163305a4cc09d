#!/usr/bin/env python3
"""Does the number of retained tab sessions change interaction latency? `.venv/bin/python bench/retained_sessions.py`

Serves Client Profile exactly like bench/run.py (snapshot, demo DB, memory state manager, 1 worker, pinned),
logs in, and runs the paced select_member step (200 clients x ~1 event/s) three times:
  A. on the fresh server,
  B. after --sessions tabs have connected, hydrated (home on_load) and closed: the memory state manager keeps
     their state for SESSION_IDLE_MINUTES (rxconfig: redis_token_expiration), so the heap holds them,
  C. B again, to show the run-to-run spread on a shared machine ("other load" is the cores other jobs used).
Results go to bench/results/<timestamp>-sessions/.
"""

from __future__ import annotations

import argparse
import json
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import run as R  # noqa: E402  (bench/run.py: the same server setup and login)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--sessions", type=int, default=1000)
    p.add_argument("--duration", type=float, default=15)
    a = p.parse_args()
    out = R.BENCH / "results" / (time.strftime("%Y%m%d-%H%M%S") + "-sessions")
    out.mkdir(parents=True)
    tmp = Path(tempfile.mkdtemp(prefix="cp-bench-"))
    srv_pin, gen_pin = R.pinning()
    app = None
    results = {}
    try:
        app_dir = tmp / "app"
        shutil.copytree(R.ROOT, app_dir, ignore=R.SNAPSHOT_IGNORE, symlinks=True)
        db, mailbox, port = tmp / "bench.db", tmp / "mailbox", R.free_port()
        mailbox.mkdir()
        env = R.base_env()
        env.update(
            CLIENT_PROFILE_ENV="development",
            REFLEX_DB_URL=f"sqlite:///{db}",
            DEV_MAILBOX_DIR=str(mailbox),
            BASE_URL=f"http://127.0.0.1:{port}",
            SECRET_KEY=secrets.token_urlsafe(48),
            PYTHONPATH=str(app_dir),
        )
        subprocess.run(
            [R.PY, "-c", "import sys; from client_profile.cli import main; sys.exit(main(['demo']))"],
            cwd=app_dir,
            env=env,
            check=True,
            capture_output=True,
        )
        ids = R.member_ids(db, R.LOGIN_EMAIL)
        app = R.Server("client-profile", app_dir, port, env, out / "app.log", srv_pin)
        app.start(ready_path="/login")
        cookie = R.login(app.url, mailbox, R.LOGIN_EMAIL)
        payload = json.dumps([{"member_id": ids[m]} for m in R.MEMBERS])
        paced = [
            "--url",
            app.url,
            "--pid",
            str(app.proc.pid),
            "--cookie",
            cookie,
            "--path",
            "/",
            "--event",
            R.SELECT_MEMBER,
            "--payload",
            payload,
            "--clients",
            "200",
            "--think-ms",
            "1000",
            "--duration",
            str(a.duration),
            "--warmup",
            "2",
        ]
        results["A fresh"] = R.rxload(gen_pin, out / "A_fresh.json", *paced)["steps"][0]
        R.rxload(
            gen_pin,
            out / "idle.json",
            "--url",
            app.url,
            "--pid",
            str(app.proc.pid),
            "--cookie",
            cookie,
            "--idle",
            "--clients",
            str(a.sessions),
            "--duration",
            "1",
        )
        results[f"B after {a.sessions} sessions"] = R.rxload(gen_pin, out / "B_retained.json", *paced)[
            "steps"
        ][0]
        results["C = B again"] = R.rxload(gen_pin, out / "C_retained_again.json", *paced)["steps"][0]
    finally:
        if app:
            app.stop()
        shutil.rmtree(tmp, ignore_errors=True)
    lines = [
        "| run | ev/s | p50 | p95 | p99 | max | server CPU ms/event | other load |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for name, s in results.items():
        lat = s["latency_ms"]
        lines.append(
            f"| {name} | {s['events_per_s']:.0f} | {lat['p50']:.2f} | {lat['p95']:.2f} | {lat['p99']:.2f} "
            f"| {lat['max']:.1f} | {s.get('server_cpu_ms_per_event')} | {s.get('other_cores')} |"
        )
    md = "\n".join(lines)
    (out / "summary.md").write_text(md + "\n")
    print("\n" + md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
