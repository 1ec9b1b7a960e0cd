#!/usr/bin/python3
"""A parlib call timed inside a gopar cell vs in a compiled Go program.

    /usr/bin/python3 bench/parlib_overhead.py --gopar PATH/TO/gopar [--n 1e8] [--threads 1] [--rounds 7]

The same call, parlib.SlowSeries(N, THREADS), is timed around the call:

  * "cell": inside a cell of the gopar kernel (jupyter_client; the cell
    runs in the kernel's engine process): t0 := time.Now(); the call;
    time.Since(t0);
  * "run": the same cell in `gopar run` (the engine process without a
    kernel), to tell the kernel's share apart;
  * "compiled": in bench/parlibseries, a compiled Go program that makes
    the call once (built by this script with the go command).

Each round runs every side once, in turn ("alternating"); then each side
runs --rounds times in a row ("blocks", cell first), as the issue's 1.09-
1.15 figures were measured. It prints each side's min and median and the
ratios cell/compiled and run/compiled of the minimums, for both orders.
One warm-up run of each side comes first. It exits non-zero only if a run
fails or the sums differ, never on the numbers.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

from kernels import execute, install_gopar

HERE = os.path.dirname(os.path.abspath(__file__))


def cell_code(n, threads):
    return ("t0 := time.Now()\ns := parlib.SlowSeries(%d, %d)\n"
            "fmt.Sprint(time.Since(t0).Seconds(), \" \", s)" % (n, threads))


class KernelSide:
    def __init__(self, n, threads):
        from jupyter_client.manager import start_new_kernel
        self.km, self.kc = start_new_kernel(kernel_name="gopar-overhead")
        self.code = cell_code(n, threads)

    def run(self):
        _, reply, result, _ = execute(self.kc, self.code, timeout=600)
        if reply["content"]["status"] != "ok" or result is None:
            raise SystemExit("the cell failed: %s" % reply["content"])
        secs, s = json.loads(result).split()
        return float(secs), s

    def close(self):
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=False)


class RunSide:
    """One `gopar run` of a notebook holding the cell, per run."""

    def __init__(self, gopar, tmp, n, threads):
        self.gopar = gopar
        self.nb = os.path.join(tmp, "overhead.ipynb")
        self.out = os.path.join(tmp, "overhead.out.ipynb")
        with open(self.nb, "w") as f:
            json.dump({"cells": [{"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [],
                                  "source": cell_code(n, threads)}],
                       "metadata": {}, "nbformat": 4, "nbformat_minor": 5}, f)

    def run(self):
        subprocess.run([self.gopar, "run", "-q", self.nb, "-o", self.out], check=True)
        with open(self.out) as f:
            out = json.load(f)["cells"][0]["outputs"]
        text = "".join(out[0]["data"]["text/plain"])
        secs, s = json.loads(text).split()
        return float(secs), s


class CompiledSide:
    def __init__(self, exe, n, threads):
        self.argv = [exe, str(n), str(threads)]

    def run(self):
        out = subprocess.run(self.argv, check=True, capture_output=True, text=True).stdout.split()
        return float(out[0]), out[1]


def summary(times):
    return min(times), statistics.median(times)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gopar", required=True, help="the gopar binary to measure")
    ap.add_argument("--n", type=float, default=1e8, help="terms of the series")
    ap.add_argument("--threads", type=int, default=1, help="parlib threads")
    ap.add_argument("--rounds", type=int, default=7, help="runs of each side per order")
    args = ap.parse_args()
    n = int(args.n)
    gopar = os.path.abspath(args.gopar)

    tmp = tempfile.mkdtemp(prefix="gopar-overhead-")
    kernel = None
    try:
        exe = os.path.join(tmp, "parlibseries")
        subprocess.run(["go", "build", "-o", exe, "./bench/parlibseries"], check=True, cwd=os.path.dirname(HERE))
        install_gopar(gopar, tmp, "gopar-overhead")
        kernel = KernelSide(n, args.threads)
        sides = [("cell", kernel), ("run", RunSide(gopar, tmp, n, args.threads)),
                 ("compiled", CompiledSide(exe, n, args.threads))]
        sums = set()
        for _, side in sides:  # warm-up
            sums.add(side.run()[1])
        alt = {name: [] for name, _ in sides}
        for _ in range(args.rounds):
            for name, side in sides:
                secs, s = side.run()
                alt[name].append(secs)
                sums.add(s)
        block = {name: [] for name, _ in sides}
        for name, side in sides:
            for _ in range(args.rounds):
                secs, s = side.run()
                block[name].append(secs)
                sums.add(s)
        if len(sums) != 1:
            raise SystemExit("the sides computed different sums: %s" % sorted(sums))
    finally:
        if kernel:
            kernel.close()
        shutil.rmtree(tmp, ignore_errors=True)

    print("parlib.SlowSeries(%d, %d) = %s, timed around the call, %d runs per side and order"
          % (n, args.threads, sums.pop(), args.rounds))
    for order, res in (("alternating", alt), ("blocks", block)):
        c = summary(res["compiled"])
        line = "%-12s compiled min %.4f s med %.4f s" % (order, c[0], c[1])
        for name in ("cell", "run"):
            m = summary(res[name])
            line += " | %s min %.4f s med %.4f s (ratio min %.3f, med %.3f)" % (name, m[0], m[1], m[0] / c[0], m[1] / c[1])
        print(line)


if __name__ == "__main__":
    main()
