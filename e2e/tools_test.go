package e2e

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
)

// strictEnv names the environment variable that turns a missing tool from a
// skip into a failure: CI sets GOPAR_E2E=1, so that a test never passes
// there by not running.
const strictEnv = "GOPAR_E2E"

// A tool is something on the machine that an end-to-end test drives: a
// program, or a module that python imports, and the Debian package it comes
// from.
type tool struct {
	name string // what the tool is, for messages
	pkg  string // the Debian package that provides it
	// check tells whether the tool is there and works: an error says why
	// not; info, when not empty, is worth a line in the test's log (a
	// program's version). Checks are made once per test binary.
	check func() (info string, err error)
}

// pyModule is the tool "python imports module".
func pyModule(module, pkg string) tool {
	return tool{name: "python module " + module, pkg: pkg, check: sync.OnceValues(func() (string, error) {
		out, err := exec.Command(python, "-c", "import "+module).CombinedOutput()
		if err != nil {
			return "", fmt.Errorf("%s cannot import %s: %v%s", python, module, err, lastLine(out))
		}
		return "", nil
	})}
}

// program is the tool "path runs with --version"; its info is the version.
func program(path, pkg string) tool {
	return tool{name: path, pkg: pkg, check: sync.OnceValues(func() (string, error) {
		// Debian's chromium wrapper script chatters on stderr: keep stdout,
		// unless the program fails.
		out, err := exec.Command(path, "--version").Output()
		if err != nil {
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				out = append(out, ee.Stderr...)
			}
			return "", fmt.Errorf("%s --version: %v%s", path, err, lastLine(out))
		}
		return strings.TrimSpace(string(out)), nil
	})}
}

// lastLine is the last non-empty line of a failed command's output, after
// a colon, or "" for no output: Python's traceback ends with the error.
func lastLine(out []byte) string {
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if l := strings.TrimSpace(lines[len(lines)-1]); l != "" {
		return ": " + l
	}
	return ""
}

// Where Debian's chromium and chromium-driver put the browser and its
// WebDriver; testdata/browser_run_all.py uses the same paths.
const (
	chromiumBin     = "/usr/bin/chromium"
	chromedriverBin = "/usr/bin/chromedriver"
)

// The tools the end-to-end tests use. The packages are the names the README
// and .ci/run install (jupyter-client rather than python3-jupyter-client:
// it brings the module and the jupyter command).
var (
	jupyterClient     = pyModule("jupyter_client", "jupyter-client")
	jupyterKernelTest = pyModule("jupyter_kernel_test", "python3-jupyter-kernel-test")
	jupyterConsole    = pyModule("jupyter_console", "jupyter-console")
	nbconvert         = pyModule("nbconvert", "jupyter-nbconvert")
	nbclient          = pyModule("nbclient", "python3-nbclient")
	nbformat          = pyModule("nbformat", "python3-nbformat")
	selenium          = pyModule("selenium", "python3-selenium")
	chromium          = program(chromiumBin, "chromium")
	chromedriver      = program(chromedriverBin, "chromium-driver")
	// JupyterLab: its frontend built with node and npm (see
	// jupyterlab_test.go), served by jupyter_server and jupyterlab_server.
	node             = program("node", "nodejs")
	npm              = program("npm", "npm")
	jupyterServer    = pyModule("jupyter_server", "python3-jupyter-server")
	jupyterlabServer = pyModule("jupyterlab_server", "python3-jupyterlab-server")
	// classicNotebook is the Notebook server version 6 (Debian's
	// jupyter-notebook); its info is the version. Notebook 7 is
	// JupyterLab-based: its UI is not what browser_run_all.py drives.
	classicNotebook = tool{name: "the classic Notebook (notebook 6)", pkg: "jupyter-notebook", check: sync.OnceValues(func() (string, error) {
		out, err := exec.Command(python, "-c", "import notebook; print(notebook.__version__)").CombinedOutput()
		if err != nil {
			return "", fmt.Errorf("%s cannot import notebook: %v%s", python, err, lastLine(out))
		}
		v := strings.TrimSpace(string(out))
		if !strings.HasPrefix(v, "6.") {
			return "", fmt.Errorf("%s has notebook %s, not the classic Notebook 6", python, v)
		}
		return v, nil
	})}
)

// allTools lists every tool above, for TestToolPackagesInstalled.
var allTools = []tool{jupyterClient, jupyterKernelTest, jupyterConsole, nbconvert, nbclient, nbformat, selenium, chromium, chromedriver, classicNotebook,
	node, npm, jupyterServer, jupyterlabServer}

// requireTools stops the test unless every tool is there: it skips the test
// with the line that installs the missing ones, or, when GOPAR_E2E=1 (as in
// CI), fails it with that same line. Every end-to-end test that needs more
// than the go command calls it first.
func requireTools(t testing.TB, tools ...tool) {
	t.Helper()
	checkTools(t, os.Getenv(strictEnv) == "1", tools...)
}

// checkTools is requireTools with the rule's switch given: strict fails the
// test where requireTools would skip it.
func checkTools(t testing.TB, strict bool, tools ...tool) {
	t.Helper()
	var why, pkgs []string
	for _, tl := range tools {
		info, err := tl.check()
		if err != nil {
			why = append(why, err.Error())
			if !slices.Contains(pkgs, tl.pkg) {
				pkgs = append(pkgs, tl.pkg)
			}
		} else if info != "" {
			t.Logf("%s: %s", tl.name, info)
		}
	}
	if len(why) == 0 {
		return
	}
	msg := strings.Join(why, "\n") + "\ninstall with: " + installLine(pkgs)
	if strict {
		t.Fatalf("%s\n(%s=1: a missing tool fails the test)", msg, strictEnv)
	} else {
		t.Skipf("%s\n(skipped; with %s=1 this fails)", msg, strictEnv)
	}
}

// installLine is the command that installs the Debian packages.
func installLine(pkgs []string) string {
	return "apt-get install -y " + strings.Join(pkgs, " ")
}

// fakeT records what checkTools asks of a test instead of doing it.
type fakeT struct {
	testing.TB
	skipped, failed string
	logs            []string
}

func (f *fakeT) Skipf(format string, args ...any)  { f.skipped = fmt.Sprintf(format, args...) }
func (f *fakeT) Fatalf(format string, args ...any) { f.failed = fmt.Sprintf(format, args...) }
func (f *fakeT) Logf(format string, args ...any) {
	f.logs = append(f.logs, fmt.Sprintf(format, args...))
}

// TestCheckToolsRule checks the rule on made-up tools: nothing happens when
// all are there; otherwise the test skips, or under GOPAR_E2E=1 fails, with
// one line installing each missing tool's package once, in order.
func TestCheckToolsRule(t *testing.T) {
	there := func(info string) func() (string, error) { return func() (string, error) { return info, nil } }
	gone := func() (string, error) { return "", errors.New("not here") }
	a := tool{name: "a", pkg: "pkg-a", check: there("a 1.0")}
	b := tool{name: "b", pkg: "pkg-b", check: gone}
	b2 := tool{name: "b2", pkg: "pkg-b", check: gone}
	c := tool{name: "c", pkg: "pkg-c", check: gone}
	const wantLine = "install with: apt-get install -y pkg-b pkg-c"
	for _, strict := range []bool{false, true} {
		f := &fakeT{TB: t}
		checkTools(f, strict, a)
		if f.skipped != "" || f.failed != "" {
			t.Errorf("strict=%v, all there: skipped %q, failed %q", strict, f.skipped, f.failed)
		}
		if !slices.Equal(f.logs, []string{"a: a 1.0"}) {
			t.Errorf("strict=%v: logged %q, want the tool's info", strict, f.logs)
		}

		f = &fakeT{TB: t}
		checkTools(f, strict, a, b, c, b2)
		got, other := f.skipped, f.failed
		if strict {
			got, other = f.failed, f.skipped
		}
		if got == "" || other != "" {
			t.Errorf("strict=%v, tools missing: skipped %q, failed %q; want only %s", strict, f.skipped, f.failed, map[bool]string{false: "a skip", true: "a failure"}[strict])
			continue
		}
		if !slices.Contains(strings.Split(got, "\n"), wantLine) {
			t.Errorf("strict=%v: message %q lacks the line %q", strict, got, wantLine)
		}
		if n := strings.Count(got, "not here"); n != 3 {
			t.Errorf("strict=%v: message gives %d reasons, want 3 (one per missing tool): %q", strict, n, got)
		}
	}
}

// TestMissingToolSkipsOrFails runs TestConsole in this test binary with a
// Python that does not exist: it must be skipped with the install line, and
// fail with the same line under GOPAR_E2E=1.
func TestMissingToolSkipsOrFails(t *testing.T) {
	noPython := "/nonexistent/gopar-e2e/python3"
	const wantLine = "install with: apt-get install -y jupyter-console"
	for _, strict := range []bool{false, true} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestConsole$", "-test.v", "-test.count=1")
		cmd.Env = slices.DeleteFunc(os.Environ(), func(kv string) bool {
			return strings.HasPrefix(kv, strictEnv+"=") || strings.HasPrefix(kv, pythonEnv+"=")
		})
		cmd.Env = append(cmd.Env, pythonEnv+"="+noPython)
		if strict {
			cmd.Env = append(cmd.Env, strictEnv+"=1")
		}
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		code := 0
		if errors.As(err, &ee) {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		want, wantCode := "--- SKIP: TestConsole", 0
		if strict {
			want, wantCode = "--- FAIL: TestConsole", 1
		}
		if code != wantCode || !strings.Contains(string(out), want) || !strings.Contains(string(out), wantLine) || !strings.Contains(string(out), noPython) {
			t.Errorf("%s=%v: exit %d, want %d with %q, %q and the missing Python's path; output:\n%s", strictEnv, strict, code, wantCode, want, wantLine, out)
		}
	}
}
