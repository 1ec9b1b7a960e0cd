"""What jupyter_kernel_test does not cover, through jupyter_client and the
installed kernelspec: interrupting running cells with SIGINT (the
kernelspec's interrupt_mode "signal") — an endless loop, a sleep, a blocked
channel receive and a long parlib call —, stdin through input_request,
streams written by goroutines, a panicking goroutine, and restarting the
kernel.

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


def interrupt(km, kc, code):
    """Run code, interrupt it once it runs, and return the seconds the error
    reply took; the kernel must answer within a second."""
    msg_id = kc.execute(code)
    wait_iopub(kc, msg_id, "execute_input")
    t0 = time.monotonic()
    km.interrupt_kernel()
    while True:
        reply = kc.get_shell_msg(timeout=TIMEOUT)
        if reply["parent_header"].get("msg_id") == msg_id:
            break
    took = time.monotonic() - t0
    assert reply["content"]["status"] == "error", (code, reply["content"])
    assert took < 1.0, "interrupting %r took %.2fs" % (code, took)
    wait_iopub(kc, msg_id, "status", "idle")
    return took


def outputs(kc, code, **kw):
    """Execute code with execute_interactive; return (reply content, stdout,
    stderr, error messages)."""
    out = {"stdout": "", "stderr": "", "error": []}

    def hook(msg):
        if msg["msg_type"] == "stream":
            out[msg["content"]["name"]] += msg["content"]["text"]
        elif msg["msg_type"] == "error":
            out["error"].append(msg["content"])

    reply = kc.execute_interactive(code, timeout=TIMEOUT, output_hook=hook, **kw)
    return reply["content"], out["stdout"], out["stderr"], out["error"]


def main():
    name = os.environ.get("GOPAR_KERNEL_NAME", "gopar")
    km, kc = start_new_kernel(kernel_name=name)
    try:
        spec = km.kernel_spec
        assert spec.interrupt_mode == "signal", spec.interrupt_mode

        reply, _ = run(kc, "x := 41")
        assert reply["status"] == "ok", reply

        # Interrupt an endless loop with SIGINT, once the kernel runs it.
        took = interrupt(km, kc, "for {\n}")
        print("interrupt answered in %.0f ms" % (took * 1000))

        # State survives the interrupt.
        reply, result = run(kc, "x + 1")
        assert reply["status"] == "ok" and result == "42", (reply, result)

        # A compiled sleep, a blocked receive and a long native call stop too,
        # and never resume later.
        for code in ["time.Sleep(time.Hour)\nx = 0",
                     "ch := make(chan int)\n<-ch\nx = 0",
                     "parlib.SlowSeries(100_000_000_000, 1)\nx = 0"]:
            took = interrupt(km, kc, code)
            print("interrupt of %r answered in %.0f ms" % (code.split("\n")[0], took * 1000))
        reply, result = run(kc, "x")
        assert reply["status"] == "ok" and result == "41", (reply, result)

        # stdin: fmt.Scanln reads the line the frontend sends back.
        reply, _, _, _ = outputs(kc, "var line string\nfmt.Scanln(&line)",
                                 allow_stdin=True, stdin_hook=lambda msg: kc.input("typed"))
        assert reply["status"] == "ok", reply
        reply, result = run(kc, "line")
        assert result == '"typed"', result

        # Streams from goroutines: stdout and stderr kept apart, each in order.
        code = ("var wg sync.WaitGroup\n"
                "for i := range 3 {\n"
                "\twg.Add(1)\n"
                "\tgo func() { defer wg.Done(); fmt.Fprintf(os.Stderr, \"e%d\\n\", i) }()\n"
                "}\n"
                "wg.Wait()\n"
                "for i := range 3 { fmt.Printf(\"o%d\\n\", i) }")
        reply, stdout, stderr, _ = outputs(kc, code)
        assert reply["status"] == "ok", reply
        assert stdout == "o0\no1\no2\n", repr(stdout)
        assert sorted(stderr.split()) == ["e0", "e1", "e2"], repr(stderr)

        # A panicking goroutine is the cell's error; the kernel lives on.
        reply, _, _, errors = outputs(kc, "done := make(chan bool)\n"
                                          "go func() { defer close(done); panic(\"boom\") }()\n"
                                          "<-done\ntime.Sleep(50 * time.Millisecond)")
        assert reply["status"] == "error" and reply["ename"] == "panic", reply
        assert "boom" in reply["evalue"], reply
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
