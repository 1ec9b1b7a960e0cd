"""What the benches share: the gopar kernelspec installed into a temporary
prefix that Jupyter is pointed at, and a cell run with jupyter_client until
the kernel is idle again.

The benches import it from their own directory (python puts a script's
directory first on sys.path), as in

    from kernels import execute, install_gopar
"""

import os
import subprocess
import time


def install_gopar(gopar, prefix, name):
    """Install the kernelspec name of the gopar binary into prefix, and point
    Jupyter there: kernelspecs, runtime, data and config directories.
    Return the directory of the kernelspecs (prefix/share/jupyter)."""
    subprocess.run([os.path.abspath(gopar), "install", "--prefix", prefix, "--name", name],
                   check=True, stdout=subprocess.DEVNULL)
    data = os.path.join(prefix, "share", "jupyter")
    os.environ["JUPYTER_PATH"] = data
    os.environ["JUPYTER_RUNTIME_DIR"] = os.path.join(prefix, "runtime")
    os.environ["JUPYTER_DATA_DIR"] = os.path.join(prefix, "data")
    os.environ["JUPYTER_CONFIG_DIR"] = os.path.join(prefix, "config")
    return data


def execute(kc, code, timeout):
    """Run code with the client kc, waiting at most timeout seconds for each
    message. Return (seconds, execute_reply, the text/plain of the cell's
    execute_result or None, seconds to the reply). The seconds are the
    round trip: from sending the execute_request until both the
    execute_reply and the status idle that closes the request have arrived;
    the seconds to the reply stop at the execute_reply."""
    t0 = time.perf_counter()
    msg_id = kc.execute(code)
    while True:
        reply = kc.get_shell_msg(timeout=timeout)
        if reply["parent_header"].get("msg_id") == msg_id:
            break
    to_reply = time.perf_counter() - t0
    result = None
    while True:
        msg = kc.get_iopub_msg(timeout=timeout)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "execute_result":
            result = msg["content"]["data"].get("text/plain")
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            break
    return time.perf_counter() - t0, reply, result, to_reply
