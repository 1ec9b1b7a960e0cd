package e2e

import (
	"archive/zip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gopar/gopar/nbrun"
)

// The tests below check native cells (%%native, and native imports) in
// the two ways gopar gets installed: built from a checkout (go run .
// install), and installed at a version (go install
// github.com/gopar/gopar@VERSION), where plugins must build against the
// module at that version.

// nativeCells is a notebook of native cells and the outputs its code cells
// must give.
var nativeCells = []struct{ src, want string }{
	{"%%native\nfunc fib(n int) int {\n\tif n < 2 {\n\t\treturn n\n\t}\n\treturn fib(n-1) + fib(n-2)\n}\n\n// Scale multiplies xs by k in place.\nfunc Scale(xs []float64, k float64) {\n\tfor i := range xs {\n\t\txs[i] *= k\n\t}\n}\n", ""},
	{"fib(25)", "execute_result:text/plain=75025"},
	{"xs := []float64{1, 2, 3}\nScale(xs, 10)\nxs", "execute_result:text/plain=[10 20 30]"},
	{"%%native\nfunc Threads() int { return parlib.DefaultThreads() }\n", ""},
	{"parlib.SetDefaultThreads(3)\nThreads()", "execute_result:text/plain=3"},
}

// runNativeNotebook runs the native cells' notebook with gopar binary bin
// in env, and checks its outputs.
func runNativeNotebook(t *testing.T, bin string, env []string) {
	t.Helper()
	dir := t.TempDir()
	nbPath := filepath.Join(dir, "native.ipynb")
	var srcs []string
	for _, c := range nativeCells {
		srcs = append(srcs, c.src)
	}
	writeNotebook(t, nbPath, 0o644, srcs...)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "run", nbPath)
	cmd.Env = env
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("gopar run: %v\n%s", err, out)
	}
	nb, err := nbrun.ReadNotebook(filepath.Join(dir, "native.out.ipynb"))
	if err != nil {
		t.Fatal(err)
	}
	got := codeOutputs(nb)
	if len(got) != len(nativeCells) {
		t.Fatalf("%d code cells, want %d: %q", len(got), len(nativeCells), got)
	}
	for i, c := range nativeCells {
		if got[i] != c.want {
			t.Errorf("cell %d (%q) outputs %q, want %q", i+1, firstLine(c.src), got[i], c.want)
		}
	}
}

func firstLine(s string) string {
	l, _, _ := strings.Cut(s, "\n")
	return l
}

// checkNativeAvailable checks that `gopar version` says native cells are
// available.
func checkNativeAvailable(t *testing.T, bin string, env []string) string {
	t.Helper()
	cmd := exec.Command(bin, "version")
	cmd.Env = env
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("gopar version: %v", err)
	}
	if !strings.Contains(string(out), "\nnative cells: available (") {
		t.Fatalf("gopar version says:\n%s\nwant native cells available", out)
	}
	return string(out)
}

// nativeEnv is the environment for a gopar that compiles native cells,
// with a plugin cache of the test's own.
func nativeEnv(t *testing.T, extra ...string) []string {
	return append(append(os.Environ(), "GOPAR_NATIVE_CACHE="+t.TempDir()), extra...)
}

// pluginGoMod returns the go.mod of the one plugin workspace in the cache
// that env's last variable, GOPAR_NATIVE_CACHE, names.
func pluginGoMod(t *testing.T, env []string) []byte {
	t.Helper()
	mods, _ := filepath.Glob(filepath.Join(env[len(env)-1][len("GOPAR_NATIVE_CACHE="):], "*", "go.mod"))
	if len(mods) != 1 {
		t.Fatalf("plugin workspaces: %q; want one", mods)
	}
	data, err := os.ReadFile(mods[0])
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// moduleRoot is the root of gopar's module: the parent of e2e.
func moduleRoot(t *testing.T) string {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Dir(wd)
}

// TestNativeCellsFromACheckout installs gopar as `go run . install` does
// and runs native cells with the installed copy, which builds plugins
// against the checkout it was built from.
func TestNativeCellsFromACheckout(t *testing.T) {
	if testing.Short() {
		t.Skip("builds plugins")
	}
	prefix := t.TempDir()
	cmd := exec.Command("go", "run", ".", "install", "--prefix", prefix)
	cmd.Dir = moduleRoot(t)
	// As on a user's machine: in a git clone, the go command stamps the
	// main module with a pseudo-version of the commit.
	cmd.Env = append(os.Environ(), "GOFLAGS=-buildvcs=auto")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go run . install: %v\n%s", err, out)
	}
	bin := filepath.Join(prefix, "share", "jupyter", "kernels", "gopar", "gopar")
	env := nativeEnv(t)
	checkNativeAvailable(t, bin, env)
	runNativeNotebook(t, bin, env)
	// The plugins' module replaced gopar by the checkout.
	data := pluginGoMod(t, env)
	// One replace is written "replace x => y" or in a block, as the go
	// command last formatted the file.
	replaced := regexp.MustCompile(`(?m)^(replace\s+|\s+)github\.com/gopar/gopar => ` + regexp.QuoteMeta(moduleRoot(t)) + `$`)
	if !replaced.Match(data) {
		t.Errorf("the plugins' go.mod:\n%s\nwant github.com/gopar/gopar replaced by %s", data, moduleRoot(t))
	}
}

// TestNativeImportAcrossKernels imports a module natively in one run of a
// notebook, then in another (as a second kernel start would): the second
// loads the plugin from the cache.
func TestNativeImportAcrossKernels(t *testing.T) {
	if testing.Short() {
		t.Skip("builds plugins")
	}
	if out, err := exec.Command("go", "env", "GOPROXY").Output(); err != nil || strings.TrimSpace(string(out)) == "off" {
		t.Skip("GOPROXY=off")
	}
	bin := goparBin(t)
	env := nativeEnv(t)
	cache := env[len(env)-1][len("GOPAR_NATIVE_CACHE="):]
	dir := t.TempDir()
	imports, trivial := filepath.Join(dir, "imports.ipynb"), filepath.Join(dir, "trivial.ipynb")
	writeNotebook(t, imports, 0o644, "import \"github.com/montanaflynn/stats\"\n\nm, _ := stats.Mean([]float64{1, 2, 6})\nm")
	writeNotebook(t, trivial, 0o644, "m := 3.0\nm")
	run := func(nb string) time.Duration {
		t.Helper()
		cmd := exec.Command(bin, "run", nb)
		cmd.Env = env
		start := time.Now()
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("gopar run %s: %v\n%s", filepath.Base(nb), err, out)
		}
		d := time.Since(start)
		got, err := nbrun.ReadNotebook(strings.TrimSuffix(nb, ".ipynb") + ".out.ipynb")
		if err != nil {
			t.Fatal(err)
		}
		if o := codeOutputs(got); len(o) != 1 || o[0] != "execute_result:text/plain=3" {
			t.Fatalf("%s outputs %q", filepath.Base(nb), o)
		}
		return d
	}
	first := run(imports)
	plugins, _ := filepath.Glob(filepath.Join(cache, "*", "plugins", "*.so"))
	cached, plain := time.Hour, time.Hour
	for range 3 {
		cached = min(cached, run(imports))
		plain = min(plain, run(trivial))
	}
	after, _ := filepath.Glob(filepath.Join(cache, "*", "plugins", "*.so"))
	if len(after) != len(plugins) {
		t.Errorf("%d plugins after the first run, %d after the others: the import was built again", len(plugins), len(after))
	}
	t.Logf("gopar run with the import: first %v; then at best %v, against %v without it", first, cached, plain)
}

// TestNativeCellsFromAnInstalledVersion installs gopar with `go install
// github.com/gopar/gopar@VERSION` and runs native cells with it, which
// builds plugins against the module at that version.
//
// The version is served by a module proxy made of this tree (a file://
// GOPROXY put before the user's), as proxy.golang.org serves a release:
// the go command downloads it into the module cache, builds and installs
// gopar from there, with the main module at VERSION in its build
// information, and the plugins' module requires that version. The version
// is named by a hash of the tree, since the module cache never changes a
// version it holds; the test removes it from the cache afterwards.
// GONOSUMDB keeps the checksum database out of it (it knows no such
// version).
func TestNativeCellsFromAnInstalledVersion(t *testing.T) {
	if testing.Short() {
		t.Skip("builds gopar and plugins")
	}
	proxy := t.TempDir()
	version := serveModule(t, moduleRoot(t), proxy)
	userProxy, err := exec.Command("go", "env", "GOPROXY").Output()
	if err != nil {
		t.Fatal(err)
	}
	goEnv := append(os.Environ(),
		"GOPROXY=file://"+filepath.ToSlash(proxy)+","+strings.TrimSpace(string(userProxy)),
		"GONOSUMDB=github.com/gopar/gopar", "GOFLAGS=", "GOBIN="+t.TempDir())
	gobin := goEnv[len(goEnv)-1][len("GOBIN="):]
	removeFromModuleCache(t, goEnv, "github.com/gopar/gopar", version)
	cmd := exec.Command("go", "install", "github.com/gopar/gopar@"+version)
	cmd.Dir = t.TempDir() // outside any module
	cmd.Env = goEnv
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go install github.com/gopar/gopar@%s: %v\n%s", version, err, out)
	}
	bin := filepath.Join(gobin, "gopar")
	env := append(goEnv, "GOPAR_NATIVE_CACHE="+t.TempDir())
	if v := checkNativeAvailable(t, bin, env); !strings.HasPrefix(v, "gopar "+version+" ") {
		t.Errorf("gopar version says:\n%s\nwant gopar %s", v, version)
	}
	runNativeNotebook(t, bin, env)
	// The plugins' module required gopar at that version, from the
	// module cache, not a source tree.
	data := pluginGoMod(t, env)
	if !strings.Contains(string(data), "\tgithub.com/gopar/gopar "+version+"\n") || strings.Contains(string(data), "github.com/gopar/gopar =>") {
		t.Errorf("the plugins' go.mod:\n%s\nwant github.com/gopar/gopar %s required, not replaced", data, version)
	}
}

// serveModule writes, in the layout of a GOPROXY, the module in dir at a
// version named by a hash of its files, and returns the version.
func serveModule(t *testing.T, dir, proxy string) string {
	t.Helper()
	out, err := exec.Command("git", "-C", dir, "ls-files", "--cached", "--others", "--exclude-standard").Output()
	if err != nil {
		t.Skipf("git ls-files: %v", err)
	}
	var files []string
	h := sha256.New()
	for _, f := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fi, err := os.Lstat(filepath.Join(dir, f))
		if err != nil || !fi.Mode().IsRegular() {
			continue // deleted, or not a file a module zip may hold
		}
		data, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(h, "%s %d\n", f, len(data))
		h.Write(data)
		files = append(files, f)
	}
	version := "v0.0.1-e2e.h" + hex.EncodeToString(h.Sum(nil))[:12]
	at := filepath.Join(proxy, "github.com", "gopar", "gopar", "@v")
	if err := os.MkdirAll(at, 0o755); err != nil {
		t.Fatal(err)
	}
	zf, err := os.Create(filepath.Join(at, version+".zip"))
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(zf)
	for _, f := range files {
		w, err := zw.Create("github.com/gopar/gopar@" + version + "/" + f)
		if err != nil {
			t.Fatal(err)
		}
		src, err := os.Open(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		_, err = io.Copy(w, src)
		src.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zf.Close(); err != nil {
		t.Fatal(err)
	}
	mod, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	info, _ := json.Marshal(map[string]any{"Version": version, "Time": time.Now().UTC().Format(time.RFC3339)})
	for name, data := range map[string][]byte{version + ".mod": mod, version + ".info": info, "list": []byte(version + "\n")} {
		if err := os.WriteFile(filepath.Join(at, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return version
}

// removeFromModuleCache removes module@version from the module cache after
// the test (the go command makes it read-only).
func removeFromModuleCache(t *testing.T, env []string, module, version string) {
	t.Helper()
	cmd := exec.Command("go", "env", "GOMODCACHE")
	cmd.Env = env
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	cache := strings.TrimSpace(string(out))
	t.Cleanup(func() {
		dirs := []string{filepath.Join(cache, filepath.FromSlash(module)+"@"+version)}
		downloads, _ := filepath.Glob(filepath.Join(cache, "cache", "download", filepath.FromSlash(module), "@v", version+".*"))
		for _, d := range dirs {
			filepath.WalkDir(d, func(p string, e fs.DirEntry, err error) error {
				if err == nil && e.IsDir() {
					os.Chmod(p, 0o755)
				}
				return nil
			})
			os.RemoveAll(d)
		}
		for _, f := range downloads {
			os.Remove(f)
		}
	})
}
