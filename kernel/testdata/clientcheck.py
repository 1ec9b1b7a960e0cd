"""Drive echokernel with jupyter_client: interrupt (signal and message),
stdin, an output flood, restart and shutdown. Exits non-zero on failure.

Usage: /usr/bin/python3 kernel/testdata/clientcheck.py /tmp/echokernel
"""
import json
import os
import sys
import tempfile
import time

binary = os.path.abspath(sys.argv[1])
home = tempfile.mkdtemp()
spec = os.path.join(home, "kernels", "echokernel")
os.makedirs(spec)
with open(os.path.join(spec, "kernel.json"), "w") as f:
    json.dump({"argv": [binary, "{connection_file}"], "display_name": "toy",
               "language": "toy", "interrupt_mode": "signal"}, f)
os.environ["JUPYTER_PATH"] = home

from jupyter_client.manager import start_new_kernel  # noqa: E402


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what, flush=True)
    if not cond:
        sys.exit(1)


def run(kc, code, **kw):
    outputs = []
    reply = kc.execute_interactive(code, timeout=30, output_hook=outputs.append, **kw)
    return reply, outputs


t0 = time.monotonic()
km, kc = start_new_kernel(kernel_name="echokernel")
check(True, "started and ready in %.3f s" % (time.monotonic() - t0))

# Interrupt by signal (interrupt_mode "signal").
msg_id = kc.execute("block")
time.sleep(0.3)
t0 = time.monotonic()
km.interrupt_kernel()
reply = kc.get_shell_msg(timeout=10)
check(reply["parent_header"]["msg_id"] == msg_id and reply["content"]["status"] == "error"
      and reply["content"]["ename"] == "Interrupt",
      "SIGINT interrupt -> error reply in %.3f s" % (time.monotonic() - t0))

# Interrupt by message on control.
msg_id = kc.execute("block")
time.sleep(0.3)
km.kernel_spec.interrupt_mode = "message"
km.interrupt_kernel()
reply = kc.get_shell_msg(timeout=10)
check(reply["content"]["status"] == "error", "interrupt_request -> error reply")
km.kernel_spec.interrupt_mode = "signal"
reply, _ = run(kc, "result:alive")
check(reply["content"]["status"] == "ok", "kernel alive after interrupts")

# stdin.
reply, outputs = run(kc, "input:Name? ", allow_stdin=True, stdin_hook=lambda m: kc.input("gopher"))
texts = "".join(o["content"].get("text", "") for o in outputs if o["msg_type"] == "stream")
check(reply["content"]["status"] == "ok" and "got gopher" in texts, "input_request/input_reply round trip")

# Flood: a million lines.
t0 = time.monotonic()
reply, outputs = run(kc, "lines:1000000")
dt = time.monotonic() - t0
streams = [o for o in outputs if o["msg_type"] == "stream"]
size = sum(len(o["content"]["text"]) for o in streams)
notice = any("[output truncated" in o["content"]["text"] for o in streams)
check(reply["content"]["status"] == "ok" and len(streams) < 50 and notice,
      "10^6 lines: %d stream messages, %d bytes, notice %s, %.2f s" % (len(streams), size, notice, dt))

# Round trips of a trivial cell.
lat = []
for _ in range(200):
    t0 = time.monotonic()
    run(kc, "result:1")
    lat.append(time.monotonic() - t0)
lat.sort()
check(True, "trivial cell round trip p50 %.2f ms p95 %.2f ms" % (lat[100] * 1e3, lat[190] * 1e3))

# Restart and shutdown.
km.restart_kernel(now=False)
kc.wait_for_ready(timeout=30)
reply, _ = run(kc, "result:after restart")
check(reply["content"]["status"] == "ok" and reply["content"]["execution_count"] == 1, "restart gives a fresh kernel")
kc.stop_channels()
t0 = time.monotonic()
km.shutdown_kernel(now=False)
check(not km.is_alive(), "shutdown in %.3f s" % (time.monotonic() - t0))
