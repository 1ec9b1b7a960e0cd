package e2e

import (
	"debug/buildinfo"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/gopar/gopar/interp"
)

// versionRE matches the lines `gopar version` prints:
// "gopar VERSION (GO, yaegi YAEGI, OS/ARCH)" and "native cells: …".
var versionRE = regexp.MustCompile(`^gopar (\S+) \((go\S+), yaegi (\S+), (\S+)\)\nnative cells: [^\n]+\n$`)

// semverRE matches a semantic version, with or without its v: gopar's own
// ("0.1.0"), a release's ("v1.2.3") or a pseudo-version
// ("v0.0.0-20261129211312-b4651ff80c9c", "+dirty" when the tree was).
var semverRE = regexp.MustCompile(`^v?\d+\.\d+\.\d+([-+][0-9A-Za-z.+-]+)?$`)

// TestVersionAndHelp checks that `gopar version` names the versions the
// binary was built from, and that every command has --help.
//
// gopar's own version is the one the go command stamped into the binary:
// in a git checkout with the default -buildvcs=auto, a pseudo-version
// made from the commit; after `go install ...@v1.2.3`, the release's.
// When it stamped none ("(devel)", as with -buildvcs=false or outside a
// repository), it is the engine's, interp.Version. Either way it is a
// semantic version.
func TestVersionAndHelp(t *testing.T) {
	out, errOut, code := gopar(t, nil, "version")
	m := versionRE.FindStringSubmatch(out)
	if code != 0 || m == nil {
		t.Fatalf("gopar version: exit %d, %q (stderr %q); want one line matching %s", code, out, errOut, versionRE)
	}
	v, goVersion, yaegi, platform := m[1], m[2], m[3], m[4]
	bi, err := buildinfo.ReadFile(goparBin(t))
	if err != nil {
		t.Fatal(err)
	}
	want := bi.Main.Version
	if want == "" || want == "(devel)" {
		want = interp.Version
	}
	if v != want || !semverRE.MatchString(v) {
		t.Errorf("gopar version says gopar %s; want %s, a semantic version (the build info's main module version is %q)", v, want, bi.Main.Version)
	}
	if goVersion != bi.GoVersion {
		t.Errorf("gopar version says %s; the binary was built with %s", goVersion, bi.GoVersion)
	}
	// yaegi's version is the one go.mod selects.
	list, err := exec.Command("go", "list", "-m", "-f", "{{with .Replace}}{{.Version}}{{else}}{{.Version}}{{end}}", "github.com/traefik/yaegi").Output()
	if err != nil {
		t.Fatalf("go list -m github.com/traefik/yaegi: %v", err)
	}
	if wantYaegi := strings.TrimSpace(string(list)); yaegi != wantYaegi || !semverRE.MatchString(yaegi) {
		t.Errorf("gopar version says yaegi %s; go.mod selects %s", yaegi, wantYaegi)
	}
	if want := runtime.GOOS + "/" + runtime.GOARCH; platform != want {
		t.Errorf("gopar version says %s; want %s", platform, want)
	}
	t.Logf("%s", strings.TrimSpace(out))

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
