"""Conformance of the gopar kernel with jupyter_kernel_test.

Every sample attribute of jupyter_kernel_test.KernelTests is set, so that
every test runs and none is skipped. Run it as a script: it prints one line
    GOPAR-KERNEL-TEST {"ran": N, "failures": [...], "errors": [...], "skipped": [...]}
and exits non-zero unless all tests ran, passed and none was skipped
(skips inside subTest count too). The kernel named by $GOPAR_KERNEL_NAME
(default "gopar") must be on Jupyter's path.
"""

import json
import os
import sys
import unittest

import jupyter_kernel_test


class GoparKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = os.environ.get("GOPAR_KERNEL_NAME", "gopar")

    language_name = "go"
    file_extension = ".go"

    code_hello_world = 'fmt.Println("hello, world")'
    code_stderr = 'fmt.Fprintln(os.Stderr, "something went wrong")'

    completion_samples = [
        # The standard library of the running Go (1.24 and later: the Seq iterators).
        {"text": "strings.Spl", "matches": {"Split", "SplitAfter", "SplitAfterN", "SplitAfterSeq", "SplitN", "SplitSeq"}},
        {"text": "fmt.Printl", "matches": {"Println"}},
    ]

    complete_code_samples = [
        "x := 1",
        'fmt.Println("hi")',
        "func f() int { return 1 }",
        "%time 1+1",
    ]
    incomplete_code_samples = [
        "func f() int {",
        "for i := 0; i < 3; i++ {",
        "x := []int{1,",
        "y := 1 +",
    ]
    invalid_code_samples = [
        "x := )",
        "}",
        "x := 1 1",
    ]

    code_page_something = "?fmt.Println"

    code_generate_error = 'var broken int = "not an int"'

    code_execute_result = [
        {"code": "6*7", "result": "42"},
        {"code": "1+2", "result": "3"},
        {"code": 'len("hello")', "result": "5"},
    ]

    code_display_data = [
        {"code": 'display.HTML("<b>bold</b>")', "mime": "text/html"},
        {"code": 'display.Markdown("# title")', "mime": "text/markdown"},
    ]

    code_history_pattern = "6*7"
    supported_history_operations = ("tail", "range", "search")

    code_inspect_sample = "fmt.Println"

    code_clear_output = "display.Clear(false)"


def main():
    suite = unittest.defaultTestLoader.loadTestsFromTestCase(GoparKernelTests)
    result = unittest.TextTestRunner(stream=sys.stderr, verbosity=2).run(suite)
    summary = {
        "ran": result.testsRun,
        "failures": [str(t) for t, _ in result.failures],
        "errors": [str(t) for t, _ in result.errors],
        "skipped": [[str(t), reason] for t, reason in result.skipped],
        "expected_tests": len([n for n in dir(GoparKernelTests) if n.startswith("test_")]),
    }
    print("GOPAR-KERNEL-TEST " + json.dumps(summary), flush=True)
    ok = (
        result.wasSuccessful()
        and not result.skipped
        and result.testsRun == summary["expected_tests"]
    )
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
