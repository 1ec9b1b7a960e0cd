"""What jupyter_kernel_test does not cover, through jupyter_client and the
installed kernelspec: interrupting a running cell with SIGINT (the
kernelspec's interrupt_mode "signal"), and restarting the kernel.

Prints "GOPAR-KERNEL-EXTRA ok" and exits 0 when all checks pass; otherwise
raises. The kernel named by $GOPAR_KERNEL_NAME (default "gopar") must be on
Jupyter's path.
"""

import os
import time

from jupyter_client.manager import start_new_kernel

TIMEOUT = 30


def wait_iopub(kc, msg_id, msg_type, state=None):
    while True:
        msg = kc.get_iopub_msg(timeout=TIMEOUT)
        if msg["parent_header"].get("msg_id") != msg_id or msg["msg_type"] != msg_type:
            continue
        if state is None or msg["content"].get("execution_state") == state:
            return msg


def run(kc, code):
    """Execute code; return (reply content, text/plain result or None)."""
    msg_id = kc.execute(code)
    while True:
        reply = kc.get_shell_msg(timeout=TIMEOUT)
        if reply["parent_header"].get("msg_id") == msg_id:
            break
    result = None
    while True:
        msg = kc.get_iopub_msg(timeout=TIMEOUT)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "execute_result":
            result = msg["content"]["data"]["text/plain"]
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            return reply["content"], result


def main():
    name = os.environ.get("GOPAR_KERNEL_NAME", "gopar")
    km, kc = start_new_kernel(kernel_name=name)
    try:
        spec = km.kernel_spec
        assert spec.interrupt_mode == "signal", spec.interrupt_mode

        reply, _ = run(kc, "x := 41")
        assert reply["status"] == "ok", reply

        # Interrupt an endless loop with SIGINT, once the kernel runs it.
        msg_id = kc.execute("for {\n}")
        wait_iopub(kc, msg_id, "execute_input")
        t0 = time.monotonic()
        km.interrupt_kernel()
        while True:
            reply = kc.get_shell_msg(timeout=TIMEOUT)
            if reply["parent_header"].get("msg_id") == msg_id:
                break
        took = time.monotonic() - t0
        assert reply["content"]["status"] == "error", reply["content"]
        assert took < 1.0, "interrupt took %.2fs" % took
        wait_iopub(kc, msg_id, "status", "idle")
        print("interrupt answered in %.0f ms" % (took * 1000))

        # State survives the interrupt.
        reply, result = run(kc, "x + 1")
        assert reply["status"] == "ok" and result == "42", (reply, result)

        # A restart gives a fresh kernel: x is gone.
        km.restart_kernel(now=False)
        kc.wait_for_ready(timeout=TIMEOUT)
        reply, _ = run(kc, "x")
        assert reply["status"] == "error", reply
        reply, result = run(kc, "6*7")
        assert reply["status"] == "ok" and result == "42", (reply, result)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=False)
    print("GOPAR-KERNEL-EXTRA ok")


if __name__ == "__main__":
    main()
