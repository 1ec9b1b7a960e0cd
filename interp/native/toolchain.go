package native

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"time"

	"gonum.org/v1/gonum/mat"
)

// Toolchain is a go command that builds plugins for a Host: the same Go
// release the program was built with, run in an environment that targets
// what the program was built for.
type Toolchain struct {
	// Go is the path of the go command.
	Go string
	// Version is its Go version ("go1.26.8").
	Version string
	host    *Host
	env     []string // nil: the process's, at each run
}

// FindToolchain looks for a go command of the program's Go release: the
// one on PATH, else the one in $GOROOT/bin, else the one in the GOROOT the
// program was built with. environ is the environment the go command runs
// in (the user's proxy, module cache and build cache settings), nil for the
// process's.
func FindToolchain(h *Host, environ []string) (*Toolchain, error) {
	var env []string
	if environ != nil {
		env = goEnv(h, environ)
	} else {
		environ = os.Environ()
	}
	want := strings.Fields(h.GoVersion)[0]
	var candidates []string
	if p, err := lookPath("go", environ); err == nil {
		candidates = append(candidates, p)
	}
	if root := getenv(environ, "GOROOT"); root != "" {
		candidates = append(candidates, filepath.Join(root, "bin", "go"+exeSuffix()))
	}
	if root := buildGOROOT(); root != "" {
		candidates = append(candidates, filepath.Join(root, "bin", "go"+exeSuffix()))
	}
	var found []string
	seen := map[string]bool{}
	for _, c := range candidates {
		if seen[c] {
			continue
		}
		seen[c] = true
		if _, err := os.Stat(c); err != nil {
			continue
		}
		t := &Toolchain{Go: c, host: h, env: env}
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		out, err := t.output(ctx, "", "env", "GOVERSION")
		cancel()
		if err != nil {
			found = append(found, fmt.Sprintf("%s (which fails: %v)", c, err))
			continue
		}
		t.Version = strings.TrimSpace(string(out))
		if t.Version == want {
			return t, nil
		}
		found = append(found, fmt.Sprintf("%s is %s", c, t.Version))
	}
	if len(found) == 0 {
		return nil, fmt.Errorf("no Go toolchain found (no go command on PATH or in GOROOT); native cells need %s installed", want)
	}
	return nil, fmt.Errorf("gopar was built with %s, and plugins must be built with exactly that release, but %s; install %s (or rebuild gopar with the Go you have)",
		want, strings.Join(found, ", "), want)
}

// buildGOROOT is the GOROOT the program was built with, where its
// toolchain most likely is (runtime.GOROOT is deprecated for other uses).
var buildGOROOT = runtime.GOROOT

func exeSuffix() string {
	if runtime.GOOS == "windows" {
		return ".exe"
	}
	return ""
}

// lookPath finds a program on the PATH of environ.
func lookPath(name string, environ []string) (string, error) {
	path := getenv(environ, "PATH")
	for _, dir := range filepath.SplitList(path) {
		if dir == "" {
			continue
		}
		p := filepath.Join(dir, name+exeSuffix())
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", exec.ErrNotFound
}

// getenv is the value of key in environ (the last one wins, as for exec).
func getenv(environ []string, key string) string {
	v := ""
	for _, kv := range environ {
		if k, val, ok := strings.Cut(kv, "="); ok && k == key {
			v = val
		}
	}
	return v
}

// keptGOFLAGS are the flags of the user's GOFLAGS that cannot change how
// packages compile; the others are dropped, since the plugin must be
// compiled as the program was.
var keptGOFLAGS = []string{"-modcacherw", "-buildvcs", "-insecure"}

// goEnv is the go command's environment: the user's, with the program's
// target settings, no workspace, no automatic toolchain switch, and only
// the harmless part of GOFLAGS.
func goEnv(h *Host, environ []string) []string {
	override := map[string]string{"GOWORK": "off", "GO111MODULE": "on", "GOTOOLCHAIN": "local"}
	var flags []string
	for _, f := range strings.Fields(getenv(environ, "GOFLAGS")) {
		for _, k := range keptGOFLAGS {
			if f == k || strings.HasPrefix(f, k+"=") {
				flags = append(flags, f)
			}
		}
	}
	override["GOFLAGS"] = strings.Join(flags, " ")
	for _, kv := range h.BuildEnv() {
		k, v, _ := strings.Cut(kv, "=")
		override[k] = v
	}
	if dir := builtModCache(); dir != "" {
		override["GOMODCACHE"] = dir
	}
	var env []string
	for _, kv := range environ {
		k, _, _ := strings.Cut(kv, "=")
		if _, ok := override[k]; !ok {
			env = append(env, kv)
		}
	}
	for _, k := range sortedKeys(override) {
		if v := override[k]; v != "" || k == "GOFLAGS" {
			env = append(env, k+"="+v)
		}
	}
	return env
}

// builtModCache is the module cache the program's dependencies were
// compiled from, when it still exists, else "". A plugin must compile
// them from the same files: the file names are part of what the plugin
// loader compares ("plugin was built with a different version of
// package"), so a module cache that moved since (another HOME, another
// GOMODCACHE) would make every plugin fail to load. It is read from the
// file name the program records for a function of a dependency (gonum's);
// a -trimpath build records none, and needs no such care.
func builtModCache() string {
	fn := runtime.FuncForPC(reflect.ValueOf(mat.NewDense).Pointer())
	if fn == nil {
		return ""
	}
	file, _ := fn.FileLine(fn.Entry())
	file = filepath.ToSlash(file)
	i := strings.Index(file, "/gonum.org/v1/gonum@")
	if i <= 0 {
		return ""
	}
	dir := filepath.FromSlash(file[:i])
	if st, err := os.Stat(dir); err != nil || !st.IsDir() {
		return ""
	}
	return dir
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// goError is a go command that failed: its arguments and what it wrote.
type goError struct {
	args   []string
	err    error
	stderr string
}

func (e *goError) Error() string {
	msg := strings.TrimSpace(e.stderr)
	if msg == "" {
		msg = e.err.Error()
	}
	return "go " + strings.Join(e.args, " ") + ": " + msg
}

func (e *goError) Unwrap() error { return e.err }

// output runs the go command in dir and returns its standard output; a
// failure is a *goError holding its standard error.
func (t *Toolchain) output(ctx context.Context, dir string, args ...string) ([]byte, error) {
	out, _, err := t.run(ctx, dir, args...)
	return out, err
}

// run runs the go command in dir and returns its standard output and
// standard error; a failure is a *goError. Cancelling ctx kills the go
// command and the compilers and linkers it started.
func (t *Toolchain) run(ctx context.Context, dir string, args ...string) (stdout []byte, stderr string, err error) {
	cmd := exec.CommandContext(ctx, t.Go, args...)
	cmd.Dir = dir
	cmd.Env = t.environ()
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	killGroup(cmd)
	cmd.WaitDelay = 5 * time.Second
	err = cmd.Run()
	if ctx.Err() != nil {
		return nil, "", ctx.Err()
	}
	if err != nil {
		var ee *exec.ExitError
		if !errors.As(err, &ee) && e.Len() == 0 {
			return nil, "", &goError{args: args, err: err}
		}
		return o.Bytes(), e.String(), &goError{args: args, err: err, stderr: e.String()}
	}
	return o.Bytes(), e.String(), nil
}

// environ is the go command's environment: the one given to
// FindToolchain, or the process's as it is now (a cell may have changed
// GOPROXY with %env).
func (t *Toolchain) environ() []string {
	if t.env != nil {
		return t.env
	}
	return goEnv(t.host, os.Environ())
}
