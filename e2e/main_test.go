// Package e2e holds gopar's end-to-end tests: they build the gopar binary
// from the module root and drive it as a user does, from the command line
// and with real Jupyter clients (the conformance suite, nbconvert, the
// console, jupyter_client, the classic Notebook in headless Chromium), and
// execute the notebooks in ../notebooks.
//
// The clients are Debian's packages, run with /usr/bin/python3 (or the
// Python $GOPAR_E2E_PYTHON names). A test whose tools are missing is
// skipped with the apt-get line that installs them; with GOPAR_E2E=1, as
// in CI, it fails instead (see requireTools).
package e2e

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"
)

// pythonEnv names the environment variable that chooses the Python the
// tests run Jupyter's clients with.
const pythonEnv = "GOPAR_E2E_PYTHON"

// python is the interpreter the tests run Jupyter's clients with: Debian's
// python3, which has the Jupyter packages, unless $GOPAR_E2E_PYTHON names
// another.
var python = cmp.Or(os.Getenv(pythonEnv), "/usr/bin/python3")

// binDir holds the gopar binary, built on first use by goparBin.
var binDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "gopar-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// buildGopar builds the gopar binary into binDir, once: the tests that do
// not get past requireTools do not wait for it.
var buildGopar = sync.OnceValues(func() (string, error) {
	bin := filepath.Join(binDir, "gopar")
	if runtime.GOOS == "windows" {
		bin += ".exe"
	}
	// The go command finds the module from the package directory, whatever
	// the module root is called on this machine.
	cmd := exec.Command("go", "build", "-o", bin, "github.com/gopar/gopar")
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build github.com/gopar/gopar: %v\n%s", err, out)
	}
	return bin, nil
})

// goparBin returns the path of the gopar binary, building it on first use;
// a failed build fails the test.
func goparBin(t testing.TB) string {
	t.Helper()
	bin, err := buildGopar()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// gopar runs the built binary and returns its stdout, stderr and exit code.
func gopar(t *testing.T, env []string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goparBin(t), args...)
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
