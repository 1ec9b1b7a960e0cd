"""Cells that end the engine process, through the real kernel.

    kernel_crash_gopar.py CASE...

For each case (see CASES), in one kernel: a cell defines add and a
variable, the fatal cell runs, then a trivial cell, add(2, 3), and a cell
printing the engine process's pid. The first case also defines a function
with %%everywhere and starts a dist worker before the fatal cell, and calls
that function through dist.Pmap after it (on the workers the new engine
starts: the definition must have been replayed to them). It prints one GOPAR-CASE line per case
with what it saw: the fatal cell's reply, the seconds from that reply to
the trivial cell's reply ("recovery"), the later results, the kernel's pid
before and after, the engine's pid before and after, whether the kernel
still runs, and every iopub execution_state seen. The Go test
(e2e/crash_test.go) checks them. Set GOPAR_ENGINE_MEMLIMIT in the
environment for the "memlimit" case.
"""

import sys

from goparkernel import Kernel, report

CASES = {
    # Two goroutines writing one map: the runtime's "concurrent map writes".
    "concurrent-map-writes": "m := map[int]int{}\n"
                             "for g := 0; g < 2; g++ {\n"
                             "\tgo func() { for i := 0; ; i++ { m[i%64] = i } }()\n"
                             "}\n"
                             "time.Sleep(time.Minute)",
    # Runaway recursion: the stack limit.
    "recursion": "func f(n int) int { return f(n+1) + 1 }\nf(0)",
    # One allocation larger than the machine.
    "huge-make": "b := make([]byte, 1<<40)\nlen(b)",
    # Past the engine's memory limit (memguard's watchdog), with memory
    # that compiled code touches.
    "memlimit": "var keep [][]byte\n"
                "for i := 0; i < 64; i++ {\n"
                "\tkeep = append(keep, bytes.Repeat([]byte{1}, 64<<20))\n"
                "}\n"
                "len(keep)",
}


def main():
    names = sys.argv[1:] or list(CASES)
    k = Kernel()
    try:
        for n, name in enumerate(names):
            kpid = k.pid()
            defs = k.run("func add(a, b int) int { return a + b }\nlostVar%d := 42" % n)
            epid = k.run("os.Getpid()")["result"]
            if n == 0:
                k.run("%%everywhere\nfunc sqw(x int) int { return x * x }")
                k.run("dist.AddProcs(1)")
            k.states = []
            crash = k.run(CASES[name], timeout=120)
            trivial = k.run("1")
            after = k.run("add(2, 3)")
            epid2 = k.run("os.Getpid()")["result"]
            pmap = None
            if n == 0:
                pmap = k.run('r, err := dist.Pmap("sqw", dist.Each([]int{3}))\nfmt.Sprint(r, err)')["result"]
            report(name,
                   defs=defs["reply"]["status"],
                   reply=crash["reply"], errors=crash["errors"], stderr=crash["stderr"],
                   took=crash["took"],
                   recovery=trivial["at"] - crash["at"], trivial=trivial["result"],
                   add=after["result"], add_reply=after["reply"],
                   lost_var="lostVar%d" % n, pmap=pmap,
                   kernel_pid=[kpid, k.pid()], engine_pid=[epid, epid2],
                   alive=k.km.is_alive(), states=k.states)
    finally:
        k.close()


if __name__ == "__main__":
    main()
