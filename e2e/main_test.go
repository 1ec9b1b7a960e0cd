// Package e2e holds gopar's end-to-end tests: they build the gopar binary
// from the module root and drive it as a user does, from the command line
// and with real Jupyter clients (the conformance suite, nbconvert, the
// console, jupyter_client, the classic Notebook in headless Chromium), and
// execute the notebooks in ../notebooks.
package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

// python is Debian's interpreter, which has the Jupyter packages the tests
// drive gopar with.
const python = "/usr/bin/python3"

// debianPackages are what the end-to-end tests need.
const debianPackages = "python3-jupyter-kernel-test jupyter-client jupyter-nbconvert python3-nbclient python3-nbformat python3-ipykernel jupyter-console jupyter-notebook chromium chromium-driver python3-selenium fonts-liberation"

// goparBin is the gopar binary built once for the tests.
var goparBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "gopar-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	goparBin = filepath.Join(dir, "gopar")
	if runtime.GOOS == "windows" {
		goparBin += ".exe"
	}
	if out, err := exec.Command("go", "build", "-o", goparBin, "github.com/gopar/gopar").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// gopar runs the built binary and returns its stdout, stderr and exit code.
func gopar(t *testing.T, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goparBin, args...)
	cmd.Env = env
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			return o.String(), e.String(), ee.ExitCode()
		}
		t.Fatalf("gopar %v: %v", args, err)
	}
	return o.String(), e.String(), 0
}

// requirePython fails the test, naming the Debian packages to install,
// when Debian's python3 cannot import the modules.
func requirePython(t *testing.T, modules ...string) {
	t.Helper()
	code := "import " + strings.Join(modules, ", ")
	if out, err := exec.Command(python, "-c", code).CombinedOutput(); err != nil {
		t.Fatalf("%s cannot %q (%v):\n%s\ninstall the Debian packages: apt-get install -y %s", python, code, err, out, debianPackages)
	}
}

// jupyterEnv installs the kernelspec "gopar" into a temporary prefix and
// returns an environment in which Jupyter finds it, with Jupyter's own
// directories in temporary places.
func jupyterEnv(t *testing.T) []string {
	t.Helper()
	prefix := t.TempDir()
	if out, errOut, code := gopar(t, os.Environ(), "install", "--prefix", prefix); code != 0 {
		t.Fatalf("gopar install: exit %d\n%s%s", code, out, errOut)
	}
	tmp := t.TempDir()
	env := append(os.Environ(),
		"JUPYTER_PATH="+filepath.Join(prefix, "share", "jupyter"),
		"JUPYTER_DATA_DIR="+filepath.Join(tmp, "data"),
		"JUPYTER_RUNTIME_DIR="+filepath.Join(tmp, "runtime"),
		"JUPYTER_CONFIG_DIR="+filepath.Join(tmp, "config"),
		"GOPAR_KERNEL_NAME=gopar",
	)
	return env
}
