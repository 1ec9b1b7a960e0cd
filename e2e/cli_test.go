package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gopar/gopar/interp"
)

func TestVersionAndHelp(t *testing.T) {
	out, _, code := gopar(t, nil, "version")
	if code != 0 || !strings.HasPrefix(out, "gopar ") || !strings.Contains(out, runtime.Version()) || !strings.Contains(out, "yaegi v0.") || !strings.Contains(out, interp.Version) {
		t.Errorf("gopar version: exit %d, %q", code, out)
	}
	for _, args := range [][]string{{"--help"}, {"help"}, {"kernel", "--help"}, {"install", "-h"}, {"uninstall", "--help"}, {"run", "--help"}, {"help", "run"}} {
		out, errOut, code := gopar(t, nil, args...)
		if code != 0 || !strings.Contains(out+errOut, "Usage") {
			t.Errorf("gopar %v: exit %d, output %q", args, code, out+errOut)
		}
	}
	if _, errOut, code := gopar(t, nil, "frobnicate"); code != 2 || !strings.Contains(errOut, `unknown command "frobnicate"`) {
		t.Errorf("unknown command: exit %d, %q", code, errOut)
	}
	if _, errOut, code := gopar(t, nil); code != 2 || !strings.Contains(errOut, "Usage") {
		t.Errorf("no command: exit %d, %q", code, errOut)
	}
}

// TestPrebindInitialisesEarly checks, in the built binary, that
// internal/prebind (which binds the kernel's ports so that a client's first
// connection is not refused) initialises before the heavy packages: it
// stops doing so as soon as it imports something that comes late, net
// included.
func TestPrebindInitialisesEarly(t *testing.T) {
	_, errOut, code := gopar(t, append(os.Environ(), "GODEBUG=inittrace=1"), "version")
	if code != 0 {
		t.Fatalf("gopar version: exit %d\n%s", code, errOut)
	}
	order := map[string]int{}
	var at string
	for i, line := range strings.Split(errOut, "\n") {
		// init PKG @T ms, C ms clock, B bytes, A allocs
		f := strings.Fields(line)
		if len(f) < 3 || f[0] != "init" {
			continue
		}
		order[f[1]] = i
		if f[1] == "github.com/gopar/gopar/internal/prebind" {
			at = f[2]
		}
	}
	pre, ok := order["github.com/gopar/gopar/internal/prebind"]
	if !ok {
		t.Fatalf("no init line for internal/prebind in:\n%s", errOut)
	}
	for _, heavy := range []string{"net", "github.com/traefik/yaegi/stdlib", "gonum.org/v1/plot", "github.com/yuin/goldmark/extension", "github.com/go-zeromq/zmq4"} {
		if i, ok := order[heavy]; !ok || i < pre {
			t.Errorf("internal/prebind initialises after %s (or %s has no init line)", heavy, heavy)
		}
	}
	t.Logf("internal/prebind initialised %s ms after start; %d packages before it", at, pre)
}

func TestKernelBadConnectionFile(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.json")
	garbage := filepath.Join(dir, "garbage.json")
	os.WriteFile(garbage, []byte("{not json"), 0o600)
	for _, f := range []string{missing, garbage} {
		for _, flag := range []string{"--connection-file", "-f"} {
			start := time.Now()
			_, errOut, code := gopar(t, nil, "kernel", flag, f)
			if code == 0 {
				t.Errorf("gopar kernel %s %s: exit 0", flag, f)
			}
			lines := strings.Split(strings.TrimSpace(errOut), "\n")
			if len(lines) != 1 || !strings.Contains(lines[0], f) {
				t.Errorf("gopar kernel %s %s: stderr %q, want one line naming the file", flag, f, errOut)
			}
			if d := time.Since(start); d > 30*time.Second {
				t.Errorf("gopar kernel %s: took %v to fail", f, d)
			}
		}
	}
	if _, errOut, code := gopar(t, nil, "kernel"); code != 2 || !strings.Contains(errOut, "--connection-file") {
		t.Errorf("gopar kernel without a file: exit %d, %q", code, errOut)
	}
}

func TestInstallUninstall(t *testing.T) {
	prefix := t.TempDir()
	out, errOut, code := gopar(t, nil, "install", "--prefix", prefix, "--name", "gopar-test", "--display-name", "Go test")
	if code != 0 {
		t.Fatalf("install: exit %d: %s", code, errOut)
	}
	dir := filepath.Join(prefix, "share", "jupyter", "kernels", "gopar-test")
	if !strings.Contains(out, dir) {
		t.Errorf("install output %q does not say where (%s)", out, dir)
	}
	var spec struct {
		Argv          []string `json:"argv"`
		DisplayName   string   `json:"display_name"`
		Language      string   `json:"language"`
		InterruptMode string   `json:"interrupt_mode"`
	}
	b, err := os.ReadFile(filepath.Join(dir, "kernel.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &spec); err != nil {
		t.Fatal(err)
	}
	if len(spec.Argv) != 4 || spec.Argv[0] != filepath.Join(dir, "gopar") || spec.Argv[1] != "kernel" || spec.Argv[3] != "{connection_file}" ||
		spec.DisplayName != "Go test" || spec.Language != "go" || spec.InterruptMode != "signal" {
		t.Errorf("kernel.json = %s", b)
	}
	// The copy is a working gopar.
	vout, err := exec.Command(spec.Argv[0], "version").Output()
	if err != nil || !strings.HasPrefix(string(vout), "gopar ") {
		t.Errorf("installed copy: %v %q", err, vout)
	}
	if _, errOut, code := gopar(t, nil, "install", "--user", "--prefix", prefix); code != 2 || !strings.Contains(errOut, "only one") {
		t.Errorf("two scopes: exit %d %q", code, errOut)
	}
	if _, errOut, code := gopar(t, nil, "install", "--prefix", prefix, "--name", "bad name"); code != 1 || !strings.Contains(errOut, "invalid kernel name") {
		t.Errorf("bad name: exit %d %q", code, errOut)
	}
	if out, errOut, code := gopar(t, nil, "uninstall", "--prefix", prefix, "--name", "gopar-test"); code != 0 || !strings.Contains(out, "Removed") {
		t.Errorf("uninstall: exit %d %q %q", code, out, errOut)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("%s left after uninstall", dir)
	}
	if _, errOut, code := gopar(t, nil, "uninstall", "--prefix", prefix, "--name", "gopar-test"); code != 1 || !strings.Contains(errOut, "not installed") {
		t.Errorf("second uninstall: exit %d %q", code, errOut)
	}
	// --user follows JUPYTER_DATA_DIR.
	data := t.TempDir()
	env := append(os.Environ(), "JUPYTER_DATA_DIR="+data)
	if _, errOut, code := gopar(t, env, "install"); code != 0 {
		t.Fatalf("install --user: %s", errOut)
	}
	if _, err := os.Stat(filepath.Join(data, "kernels", "gopar", "kernel.json")); err != nil {
		t.Errorf("default install did not go to JUPYTER_DATA_DIR: %v", err)
	}
	if _, errOut, code := gopar(t, env, "uninstall", "--user"); code != 0 {
		t.Errorf("uninstall --user: %s", errOut)
	}
}
