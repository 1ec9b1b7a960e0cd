"""Helpers for the end-to-end scripts that drive the gopar kernel with
jupyter_client: start it, run cells and collect everything a cell sent,
interrupt, and report results as JSON lines for the Go tests to check.

The scripts only observe and report ("GOPAR-CASE {...}" lines); the Go test
that runs them decides what passes, so that a failure names the case and
shows what was seen.
"""

import json
import os
import sys
import time
from queue import Empty

from jupyter_client.manager import start_new_kernel

TIMEOUT = 60


class Kernel:
    """A started gopar kernel and its client. Every iopub status message the
    client sees, for any request, is kept in .states."""

    def __init__(self, env=None):
        name = os.environ.get("GOPAR_KERNEL_NAME", "gopar")
        kw = {}
        if env:
            kw["env"] = dict(os.environ, **env)
        self.km, self.kc = start_new_kernel(kernel_name=name, **kw)
        self.states = []

    def pid(self):
        """The kernel process's pid, as jupyter_client started it."""
        return self.km.provisioner.process.pid

    def close(self):
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=False)

    def _iopub(self, timeout):
        msg = self.kc.get_iopub_msg(timeout=timeout)
        if msg["msg_type"] == "status":
            self.states.append(msg["content"]["execution_state"])
        return msg

    def reply(self, msg_id, timeout=TIMEOUT):
        while True:
            reply = self.kc.get_shell_msg(timeout=timeout)
            if reply["parent_header"].get("msg_id") == msg_id:
                return reply

    def collect(self, msg_id, out, timeout=TIMEOUT):
        """Read iopub into out until the request's status idle."""
        while True:
            msg = self._iopub(timeout)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            t, c = msg["msg_type"], msg["content"]
            if t == "stream":
                out[c["name"]] += c["text"]
            elif t == "execute_result":
                out["result"] = c["data"].get("text/plain")
            elif t == "error":
                out["errors"].append({"ename": c["ename"], "evalue": c["evalue"], "traceback": c["traceback"]})
            elif t == "status" and c["execution_state"] == "idle":
                return out

    def run(self, code, timeout=TIMEOUT):
        """Execute code; return a dict with the reply's content ("reply"),
        the seconds from the request to the reply ("took"), the reply's
        arrival time ("at", time.monotonic), the text/plain result, stdout,
        stderr and error messages."""
        t0 = time.monotonic()
        msg_id = self.kc.execute(code, allow_stdin=False)
        reply = self.reply(msg_id, timeout)
        at = time.monotonic()
        out = {"reply": reply["content"], "took": at - t0, "at": at, "result": None,
               "stdout": "", "stderr": "", "errors": []}
        return self.collect(msg_id, out, timeout)

    def interrupt(self, code, settle=0.3, timeout=TIMEOUT):
        """Execute code, wait until it runs (its execute_input, then settle
        seconds, so that it is inside its blocking call), interrupt the
        kernel as jupyter_client does (the kernelspec's interrupt mode:
        SIGINT), and return what run returns, with "interrupted_after": the
        seconds from the interrupt to the reply."""
        msg_id = self.kc.execute(code, allow_stdin=False)
        out = {"result": None, "stdout": "", "stderr": "", "errors": []}
        while True:
            msg = self._iopub(timeout)
            if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "execute_input":
                break
        time.sleep(settle)  # no signal tells that a cell is inside its blocking call
        t0 = time.monotonic()
        self.km.interrupt_kernel()
        reply = self.reply(msg_id, timeout)
        out["at"] = time.monotonic()
        out["interrupted_after"] = out["at"] - t0
        out["reply"] = reply["content"]
        return self.collect(msg_id, out, timeout)


def report(case, **fields):
    """Print one result line for the Go test."""
    fields["case"] = case
    print("GOPAR-CASE " + json.dumps(fields), flush=True)


def fail(msg):
    print("GOPAR-FATAL " + msg, flush=True)
    sys.exit(1)
