#!/usr/bin/env python3
"""CPU time by thread group of running processes, from /proc (Linux): where the CPU went during a run.

  bench/thread-cpu.py snap PID...            > before.txt   one line per thread group: pid, group, user+system ticks
  bench/thread-cpu.py diff before.txt after.txt [NAMES]      CPU seconds per group between two snapshots, per process,
                                                             largest first; NAMES labels the pids (e.g. n0,n1,n2)

Thread names are grouped by dropping trailing digits and separators (qtp1234-56 -> qtp, "GC Thread#1" -> GC Thread),
so Jetty's request threads, GC, the JIT compilers, Ratis and Runnel's own threads each sum to one line. Counts user and
system time (fsync and socket calls included); time spent waiting (for a disk, a lock, a CPU) is not CPU time.
"""
import os
import re
import sys
from collections import defaultdict

TICKS = os.sysconf("SC_CLK_TCK")


def group(name):
    name = re.sub(r"[-#_ .0-9]+$", "", name.strip())
    name = re.sub(r"^(n[0-9]+)@group-[0-9A-F]+", r"\1@group", name)
    return name or "?"


def snap(pids):
    for pid in pids:
        totals = defaultdict(int)
        try:
            tasks = os.listdir(f"/proc/{pid}/task")
        except FileNotFoundError:
            continue
        for tid in tasks:
            try:
                with open(f"/proc/{pid}/task/{tid}/comm") as f:
                    comm = f.read()
                with open(f"/proc/{pid}/task/{tid}/stat") as f:
                    stat = f.read()
            except (FileNotFoundError, ProcessLookupError):
                continue
            fields = stat[stat.rindex(")") + 2:].split()
            totals[group(comm)] += int(fields[11]) + int(fields[12])  # utime, stime
        for g, t in totals.items():
            print(f"{pid}\t{g}\t{t}")


def load(path):
    d = {}
    with open(path) as f:
        for line in f:
            pid, g, t = line.rstrip("\n").split("\t")
            d[(pid, g)] = int(t)
    return d


def diff(before, after, names):
    a, b = load(before), load(after)
    pids = list(dict.fromkeys(p for p, _ in b))
    labels = dict(zip(pids, names.split(","))) if names else {}
    for pid in pids:
        rows = [(g, (t - a.get((p, g), 0)) / TICKS) for (p, g), t in b.items() if p == pid]
        rows = [r for r in rows if r[1] > 0]
        rows.sort(key=lambda r: -r[1])
        total = sum(s for _, s in rows)
        print(f"{labels.get(pid, pid)}: {total:.1f} CPU s; " + ", ".join(f"{g} {s:.1f}" for g, s in rows[:12]))


if __name__ == "__main__":
    if len(sys.argv) >= 3 and sys.argv[1] == "snap":
        snap(sys.argv[2:])
    elif len(sys.argv) in (4, 5) and sys.argv[1] == "diff":
        diff(sys.argv[2], sys.argv[3], sys.argv[4] if len(sys.argv) == 5 else "")
    else:
        sys.exit(__doc__)
