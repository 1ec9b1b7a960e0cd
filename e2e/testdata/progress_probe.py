"""Execute one cell in the gopar kernel and print its iopub messages as JSON.

plots_e2e_test.go runs this with Debian's python3 and jupyter_client, in an
environment where Jupyter finds the "gopar" kernelspec. The cell's source is
read from stdin. The script prints one line, "GOPAR-PROBE " followed by a JSON
object:

    {"reply": {...execute_reply content...},
     "messages": [{"msg_type": ..., "content": {...}}, ...]}

holding every iopub message whose parent is the execute_request, from the
first one up to the status "idle" that ends it. The Go test makes the
assertions; this script only collects.
"""

import json
import queue
import sys
import time

from jupyter_client.manager import KernelManager

TIMEOUT = 120  # seconds for the whole cell


def main():
    code = sys.stdin.read()
    km = KernelManager(kernel_name="gopar")
    km.start_kernel()
    kc = km.client()
    kc.start_channels()
    try:
        kc.wait_for_ready(timeout=60)
        msg_id = kc.execute(code, store_history=False)
        deadline = time.monotonic() + TIMEOUT
        messages = []
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("no status idle for the cell within %ds; got %s" % (
                    TIMEOUT, [m["msg_type"] for m in messages]))
            try:
                msg = kc.get_iopub_msg(timeout=left)
            except queue.Empty:
                continue
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            messages.append({"msg_type": msg["msg_type"], "content": msg["content"]})
            if msg["msg_type"] == "status" and msg["content"].get("execution_state") == "idle":
                break
        reply = kc.get_shell_msg(timeout=30)
        while reply["parent_header"].get("msg_id") != msg_id:
            reply = kc.get_shell_msg(timeout=30)
        print("GOPAR-PROBE " + json.dumps({"reply": reply["content"], "messages": messages}), flush=True)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=False)


if __name__ == "__main__":
    main()
