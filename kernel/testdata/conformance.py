"""Run jupyter_kernel_test against echokernel (package kernel + a toy engine).

Usage: go build -o /tmp/echokernel ./kernel/testdata/echokernel
       /usr/bin/python3 kernel/testdata/conformance.py /tmp/echokernel
"""
import json
import os
import sys
import tempfile
import unittest

binary = os.path.abspath(sys.argv.pop(1))
home = tempfile.mkdtemp()
spec = os.path.join(home, "kernels", "echokernel")
os.makedirs(spec)
with open(os.path.join(spec, "kernel.json"), "w") as f:
    json.dump({"argv": [binary, "{connection_file}"], "display_name": "toy",
               "language": "toy", "interrupt_mode": "signal"}, f)
os.environ["JUPYTER_PATH"] = home

import jupyter_kernel_test  # noqa: E402


class ToyKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = "echokernel"
    language_name = "toy"
    file_extension = ".toy"
    code_hello_world = "out:hello, world"
    code_stderr = "err:oops"
    completion_samples = [{"text": "pa", "matches": {"page", "panic"}}]
    complete_code_samples = ["out:x"]
    incomplete_code_samples = ["out:x\\"]
    invalid_code_samples = ["!bad"]
    code_page_something = "page:some help"
    code_generate_error = "fail:boom"
    code_execute_result = [{"code": "result:42", "result": "42"}, {"code": "result:7", "result": "7"}]
    code_display_data = [{"code": "display:pic", "mime": "text/html"}]
    code_history_pattern = "result:4?"
    supported_history_operations = ("tail", "range", "search")
    code_inspect_sample = "out"
    code_clear_output = "clear"


if __name__ == "__main__":
    unittest.main(verbosity=2)
