#!/usr/bin/env python3
"""Summarise a `py-spy record -f raw` file: where the time of one event handler goes.

    python bench/pyspy_summary.py bench/results/<run>/pyspy_select_member_50.txt HomeState.select_member

Prints the share of all samples spent in the handler (vs. Reflex/socket.io framework and idle), then, inside the
handler, the hottest app source lines (deepest client_profile frame) and a coarse split: SQL statement building,
SQLAlchemy execute/ORM loading, commit, and the rest.
"""

from __future__ import annotations

import collections
import sys


def main(path: str, focus: str) -> int:
    total = idle = in_focus = 0
    lines: collections.Counter[str] = collections.Counter()
    cats: collections.Counter[str] = collections.Counter()
    with open(path, encoding="utf-8", errors="replace") as profile:
        raw_lines = profile.readlines()
    for raw in raw_lines:
        raw = raw.rstrip()
        if not raw:
            continue
        stack, _, n_s = raw.rpartition(" ")
        n = int(n_s)
        frames = stack.split(";")
        total += n
        # Threads with no Python frame (granian's native runtime) and a loop waiting in select() are not
        # Python work.
        if not stack.strip() or "EpollSelector.select" in frames[-1] or "select (selectors.py" in frames[-1]:
            idle += n
            continue
        idx = next((i for i, f in enumerate(frames) if focus in f), None)
        if idx is None:
            continue
        in_focus += n
        cp = [i for i, f in enumerate(frames) if "client_profile/" in f]
        if cp:
            lines[frames[cp[-1]]] += n
        below = frames[idx:]
        joined = ";".join(below)
        if "Session.commit" in joined or "_sqlite_begin" in joined or "Session.close" in joined:
            cats["commit / begin / close"] += n
        elif "Session.execute" in joined or "Session.exec " in joined or "Session.exec (" in joined:
            cats["SQLAlchemy execute + ORM row loading (incl. sqlite)"] += n
        elif "sqlalchemy/sql/" in joined or "sqlalchemy/orm/attributes" in joined or "sqlmodel/sql" in joined:
            cats["building select() statements"] += n
        elif "sqlalchemy" in joined:
            cats["other SQLAlchemy"] += n
        else:
            cats["app code and Reflex state setters"] += n
    busy = total - idle
    print(
        f"{path}: {total} samples, {idle} with no Python work (native threads, waiting in select), "
        f"{busy} busy"
    )
    print(
        f"in {focus}: {in_focus} samples = {100 * in_focus / max(busy, 1):.0f}% of busy time "
        f"(the rest: Reflex event processing, state (de)serialisation, socket.io, granian)"
    )
    print("\nsplit inside the handler:")
    for k, v in cats.most_common():
        print(f"  {100 * v / max(in_focus, 1):5.1f}%  {k}")
    print("\nhottest app lines (deepest client_profile frame), % of handler samples:")
    for k, v in lines.most_common(15):
        print(f"  {100 * v / max(in_focus, 1):5.1f}%  {k}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        print(__doc__)
        sys.exit(2)
    sys.exit(main(sys.argv[1], sys.argv[2]))
