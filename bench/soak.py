#!/usr/bin/python3
"""Soak test of the gopar kernel: memory and latency over many cells.

    /usr/bin/python3 bench/soak.py --gopar PATH/TO/gopar [--trivial 10000] [--defs 2000] [--redefs 2000]

It installs the gopar kernelspec (from the given binary) into a temporary
prefix, starts one kernel with jupyter_client, and runs, in that kernel:

  * --trivial cells "x := i" (i = 0, 1, …): the resident memory (RSS) of
    the engine process (the kernel's child, "gopar engine", where cells
    run) and of the kernel process, before and after, and the p50 and p95
    round trip of the first 100 cells and of the last 100;
  * --defs cells each defining a new function (func f_i() int { return i }):
    the engine's growth per function;
  * --redefs cells redefining one function (func g() int { return i }):
    the engine's growth per redefinition.

Round trip: from sending execute_request until both the execute_reply and
the status idle that closes the request have arrived. RSS is read from
/proc/PID/status (VmRSS); the engine's is read after a cell that runs
runtime.GC() and debug.FreeOSMemory(), so that it counts what the engine
keeps, not garbage not yet collected ("kept"), and also just before
("raw"). Linux only (it reads /proc). It prints a table; it exits non-zero
only if a cell fails, never on the numbers.
"""

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time

from kernels import execute, install_gopar


def pct(values, p):
    s = sorted(values)
    k = min(len(s) - 1, max(0, int(round(p / 100.0 * (len(s) - 1)))))
    return s[k]


def rss(pid):
    """Resident set size of pid in bytes (VmRSS)."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise SystemExit("no VmRSS for pid %d" % pid)


def roundtrip(kc, code):
    """Run code; return (seconds, text/plain result)."""
    dt, reply, result, _ = execute(kc, code, timeout=120)
    if reply["content"]["status"] != "ok":
        c = reply["content"]
        raise SystemExit("%r failed: %s: %s" % (code, c.get("ename"), c.get("evalue")))
    return dt, result


class Probe:
    """Reads the engine's and the kernel's memory."""

    def __init__(self, km, kc):
        self.kc = kc
        self.kernel = km.provisioner.process.pid
        _, pid = roundtrip(kc, "os.Getpid()")
        self.engine = int(pid)
        roundtrip(kc, 'import "runtime/debug"')

    def read(self):
        """(engine raw, engine kept, kernel) RSS in bytes."""
        raw = rss(self.engine)
        roundtrip(self.kc, "runtime.GC()\ndebug.FreeOSMemory()")
        return raw, rss(self.engine), rss(self.kernel)


def mb(n):
    return "%8.1f MB" % (n / (1 << 20))


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gopar", required=True, help="the gopar binary to measure")
    ap.add_argument("--trivial", type=int, default=10000, help="trivial cells x := i")
    ap.add_argument("--defs", type=int, default=2000, help="cells defining a new function each")
    ap.add_argument("--redefs", type=int, default=2000, help="redefinitions of one function")
    args = ap.parse_args()

    from jupyter_client.manager import start_new_kernel

    tmp = tempfile.mkdtemp(prefix="gopar-soak-")
    try:
        install_gopar(args.gopar, tmp, "gopar-soak")
        km, kc = start_new_kernel(kernel_name="gopar-soak")
        try:
            probe = Probe(km, kc)
            rows = []

            def phase(name, n, code):
                """Run n cells code(i); record the memory before and after; return the round trips."""
                if n <= 0:
                    return []
                before = probe.read()
                times = [roundtrip(kc, code(i))[0] for i in range(n)]
                rows.append((name % n, before, probe.read(), n))
                return times

            t0 = time.perf_counter()
            times = phase("%d cells x := i", args.trivial, lambda i: "x := %d" % i)
            wall = time.perf_counter() - t0
            first, last = times[:100], times[-100:]

            phase("%d new functions", args.defs, lambda i: "func f_%d() int { return %d }" % (i, i))
            if args.defs > 0:
                _, check = roundtrip(kc, "f_%d()" % (args.defs - 1))
                if check != str(args.defs - 1):
                    raise SystemExit("f_%d() gave %r" % (args.defs - 1, check))

            phase("%d redefinitions of g", args.redefs, lambda i: "func g() int { return %d }" % i)
            if args.redefs > 0:
                _, check = roundtrip(kc, "g()")
                if check != str(args.redefs - 1):
                    raise SystemExit("g() gave %r" % check)
        finally:
            kc.stop_channels()
            km.shutdown_kernel(now=False)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    print("gopar soak (jupyter_client %s): engine process %d, kernel process %d"
          % (__import__("jupyter_client").__version__, probe.engine, probe.kernel))
    print("%-28s %12s %12s %12s %12s %12s %14s" % ("phase", "engine raw", "engine kept", "kept growth",
                                                   "per cell", "kernel", "kernel growth"))
    for name, b, a, n in rows:
        print("%-28s %12s %12s %12s %9.1f KB %12s %14s" % (name, mb(a[0]), mb(a[1]), mb(a[1] - b[1]),
                                                          (a[1] - b[1]) / n / 1024, mb(a[2]), mb(a[2] - b[2])))
    ms = lambda s: "%.2f ms" % (s * 1000)
    if times:
        print("trivial cells: %d in %.1f s; round trip p50/p95 of the first 100: %s / %s; of the last 100: %s / %s; "
              "ratio last/first p95 %.2f"
              % (args.trivial, wall, ms(pct(first, 50)), ms(pct(first, 95)), ms(pct(last, 50)), ms(pct(last, 95)),
                 pct(last, 95) / pct(first, 95)))
    print("goals (issue 11): 10,000 trivial cells grow the engine < 50 MB with p95 last/first <= 1.5; "
          "a new function < 10 KB; 2,000 redefinitions < 20 MB")


if __name__ == "__main__":
    main()
