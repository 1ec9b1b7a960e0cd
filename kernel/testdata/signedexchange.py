"""Talk to a running kernel with jupyter_client, which signs its requests and
checks the kernel's signatures with the connection file's signature_scheme:
kernel_info, then the echokernel cell "result:42". Prints "ok 42" on success;
exits non-zero otherwise.

Usage: /usr/bin/python3 kernel/testdata/signedexchange.py CONNECTION_FILE
"""
import sys

from jupyter_client import BlockingKernelClient

kc = BlockingKernelClient(connection_file=sys.argv[1])
kc.load_connection_file()
kc.start_channels()
try:
    info = kc.kernel_info(reply=True, timeout=20)
    assert info["content"]["status"] == "ok", info
    results = []
    reply = kc.execute_interactive(
        "result:42", timeout=20,
        output_hook=lambda m: results.append(m["content"]) if m["msg_type"] == "execute_result" else None)
    assert reply["content"]["status"] == "ok", reply
    assert results and results[0]["data"]["text/plain"] == "42", results
    print("ok", results[0]["data"]["text/plain"], "with", kc.session.signature_scheme)
finally:
    kc.stop_channels()
