#!/usr/bin/python3
"""Startup and execute latency of gopar vs ipykernel, same client, same run.

    /usr/bin/python3 bench/kernel_latency.py --gopar PATH/TO/gopar [--starts 7] [--executes 200]

It installs the gopar kernelspec (from the given binary) and an ipykernel
kernelspec running Debian's /usr/bin/python3 into a temporary prefix, then,
with jupyter_client:

  * startup-to-ready: KernelManager.start_kernel() + client.wait_for_ready()
    (a kernel_info reply and its iopub status), over --starts starts of each
    kernel, alternating between the two;
  * startup-to-listening: from start_kernel() until the shell port listens
    (read from /proc/net/tcp). It does not depend on how soon the client
    connects, which decides whether startup-to-ready pays libzmq's 100-200 ms
    reconnect interval;
  * execute round trip of a trivial cell ("1+1" for both): from sending
    execute_request until both the execute_reply and the status idle that
    closes the request have arrived, --executes times after a warm-up,
    in alternating blocks; and of each round trip, the CPU time of the
    client's own thread (jupyter_client's work, the same for any kernel),
    and the rest ("wait": the kernel, the transport, the wake-ups).

With --floor PATH (go build -o PATH ./kernel/testdata/echokernel: package
kernel around kernel/kerneltest's toy engine, in one process, with no
engine process and no interpreter), it also times that kernel's execute
round trip, in the same alternating blocks: the part of the round trip that
no engine can remove, here mostly the client's own work.

It prints a table and the ratios gopar/ipykernel. It exits non-zero only
if a kernel fails to start or answers wrongly, never on the numbers.
"""

import argparse
import gc
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from queue import Empty

from kernels import execute, install_gopar


def pct(values, p):
    s = sorted(values)
    k = min(len(s) - 1, max(0, int(round(p / 100.0 * (len(s) - 1)))))
    return s[k]


def wait_ready(kc, timeout=60):
    """Wait until a kernel_info_request gets its reply on shell and its
    status on iopub: what jupyter_client's wait_for_ready waits for, without
    the fixed 0.2 s iopub flush it adds at the end."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        msg_id = kc.kernel_info()
        try:
            while True:
                reply = kc.get_shell_msg(timeout=1)
                if reply["parent_header"].get("msg_id") == msg_id:
                    break
            while True:
                msg = kc.get_iopub_msg(timeout=0.2)
                if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "status":
                    return
        except Empty:
            continue
    raise SystemExit("kernel not ready after %ss" % timeout)


def start(name, stock=False):
    """Start kernel name and return (seconds to ready, manager, client).
    With stock, readiness is jupyter_client's own wait_for_ready."""
    from jupyter_client import KernelManager

    t0 = time.perf_counter()
    km = KernelManager(kernel_name=name)
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    if stock:
        kc.wait_for_ready(timeout=60)
    else:
        wait_ready(kc)
    return time.perf_counter() - t0, km, kc


def listening(port):
    """Whether a TCP socket listens on port (read from /proc/net, so that
    the kernel sees no probe connection)."""
    suffix = ":%04X" % port
    for path in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(path) as f:
                next(f)
                for line in f:
                    fields = line.split()
                    if fields[1].endswith(suffix) and fields[3] == "0A":
                        return True
        except OSError:
            pass
    return False


def start_to_listen(name, timeout=60):
    """Seconds from start_kernel() until the kernel's shell port listens:
    a client that connects before then is refused, and libzmq retries only
    after 100-200 ms."""
    from jupyter_client import KernelManager

    t0 = time.perf_counter()
    km = KernelManager(kernel_name=name)
    km.start_kernel()
    while not listening(km.shell_port):
        if time.perf_counter() - t0 > timeout:
            raise SystemExit("%s never listened on its shell port" % name)
        time.sleep(0.0002)
    dt = time.perf_counter() - t0
    kc = km.client()
    kc.start_channels()
    wait_ready(kc)
    stop(km, kc)
    return dt


def stop(km, kc):
    kc.stop_channels()
    km.shutdown_kernel(now=False)


def roundtrip(kc, code, want):
    """Run code; return (seconds of the round trip, seconds of it the
    client's own thread spent on the CPU, seconds to the execute_reply)."""
    c0 = time.thread_time()
    dt, reply, result, to_reply = execute(kc, code, timeout=30)
    cpu = time.thread_time() - c0
    if reply["content"]["status"] != "ok" or result != want:
        raise SystemExit("%r gave status %s, result %r (want %r)" % (code, reply["content"]["status"], result, want))
    return dt, cpu, to_reply


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--gopar", required=True, help="the gopar binary to measure")
    ap.add_argument("--starts", type=int, default=7, help="kernel starts per kernel")
    ap.add_argument("--executes", type=int, default=200, help="measured executes per kernel")
    ap.add_argument("--floor", help="an echokernel binary (go build -o PATH ./kernel/testdata/echokernel) to time as the no-op floor")
    args = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="gopar-bench-")
    try:
        data = install_gopar(args.gopar, tmp, "gopar-bench")
        ipk = os.path.join(data, "kernels", "ipykernel-bench")
        os.makedirs(ipk)
        with open(os.path.join(ipk, "kernel.json"), "w") as f:
            json.dump({"argv": ["/usr/bin/python3", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                       "display_name": "ipykernel (bench)", "language": "python"}, f)
        if args.floor:
            fl = os.path.join(data, "kernels", "floor-bench")
            os.makedirs(fl)
            with open(os.path.join(fl, "kernel.json"), "w") as f:
                json.dump({"argv": [os.path.abspath(args.floor), "{connection_file}"],
                           "display_name": "no-op kernel (bench)", "language": "toy"}, f)
        os.environ["IPYTHONDIR"] = os.path.join(tmp, "ipython")
        os.environ["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"

        kernels = [("gopar", "gopar-bench"), ("ipykernel", "ipykernel-bench")]
        startup = {k: [] for k, _ in kernels}
        stock = {k: [] for k, _ in kernels}
        listen = {k: [] for k, _ in kernels}
        for _ in range(args.starts):
            for label, name in kernels:
                for series, use_stock in ((startup, False), (stock, True)):
                    dt, km, kc = start(name, stock=use_stock)
                    series[label].append(dt)
                    stop(km, kc)
                listen[label].append(start_to_listen(name))

        timed = list(kernels)
        code = {"gopar": "1+1", "ipykernel": "1+1", "no-op": "result:2"}
        if args.floor:
            timed.append(("no-op", "floor-bench"))
        clients = {}
        for label, name in timed:
            _, km, kc = start(name)
            clients[label] = (km, kc)
            for _ in range(20):
                roundtrip(kc, code[label], "2")
        execs = {k: [] for k, _ in timed}
        client = {k: [] for k, _ in timed}  # the client thread's CPU per round trip
        waits = {k: [] for k, _ in timed}  # the rest of each round trip
        replies = {k: [] for k, _ in timed}  # until the execute_reply only
        blocks = 4
        per = max(1, args.executes // blocks)
        for _ in range(blocks):
            for label, _ in timed:
                kc = clients[label][1]
                for _ in range(per):
                    dt, cpu, to_reply = roundtrip(kc, code[label], "2")
                    execs[label].append(dt)
                    replies[label].append(to_reply)
                    client[label].append(cpu)
                    waits[label].append(dt - cpu)
        for km, kc in clients.values():
            stop(km, kc)
        clients.clear()
        gc.collect()  # close the clients now, not during interpreter exit
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    ms = lambda s: "%7.1f ms" % (s * 1000)
    print("kernel latency, %d starts and %d executes of '1+1' per kernel (jupyter_client %s)"
          % (args.starts, len(execs["gopar"]), __import__("jupyter_client").__version__))
    print("startup = start_kernel() until a kernel_info reply and its iopub status arrive;")
    print("wait_for_ready = the same with jupyter_client's wait_for_ready (adds a fixed 0.2 s iopub flush);")
    print("listen = start_kernel() until the shell port listens;")
    print("execute = execute_request until execute_reply and status idle, cell '1+1';")
    print("client = the CPU time of the client's thread during the execute (jupyter_client's own work: signing,")
    print("    sending, receiving and parsing the five messages; no kernel can make it shorter); wait = execute - client")
    cols = ("kernel", "startup p50", "startup min", "w_f_r p50", "listen p50", "execute p50", "execute p95", "client p50", "wait p50")
    print("%-10s %12s %12s %12s %12s %12s %12s %12s %12s" % cols)
    med = statistics.median
    for label, _ in kernels:
        print("%-10s %12s %12s %12s %12s %12s %12s %12s %12s" % (label, ms(med(startup[label])), ms(min(startup[label])), ms(med(stock[label])),
                                                                 ms(med(listen[label])), ms(pct(execs[label], 50)), ms(pct(execs[label], 95)),
                                                                 ms(pct(client[label], 50)), ms(pct(waits[label], 50))))
    if args.floor:
        print("%-10s %12s %12s %12s %12s %12s %12s %12s %12s" % ("no-op", "", "", "", "", ms(pct(execs["no-op"], 50)), ms(pct(execs["no-op"], 95)),
                                                                 ms(pct(client["no-op"], 50)), ms(pct(waits["no-op"], 50))))
    r = lambda a, b: a / b if b else float("nan")
    g, p = "gopar", "ipykernel"
    print("ratio gopar/ipykernel: startup p50 %.3f (issue 11's goal <= 0.05), wait_for_ready p50 %.3f, listen p50 %.3f, "
          "execute p50 %.3f (goal <= 0.3), execute p95 %.3f, wait p50 %.3f"
          % (r(med(startup[g]), med(startup[p])), r(med(stock[g]), med(stock[p])), r(med(listen[g]), med(listen[p])),
             r(pct(execs[g], 50), pct(execs[p], 50)), r(pct(execs[g], 95), pct(execs[p], 95)), r(pct(waits[g], 50), pct(waits[p], 50))))
    print("ratio gopar/ipykernel until the execute_reply (before the client reads the iopub messages): p50 %.3f"
          % r(pct(replies[g], 50), pct(replies[p], 50)))
    print("ratio client p50/ipykernel execute p50: %.3f (the part of every round trip that is the client's own CPU)"
          % r(pct(client[p], 50), pct(execs[p], 50)))
    if args.floor:
        print("ratio no-op kernel/ipykernel: execute p50 %.3f (the floor of this client and package kernel)"
              % r(pct(execs["no-op"], 50), pct(execs[p], 50)))


if __name__ == "__main__":
    main()
