package native

import (
	"bytes"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
)

// Host is the running program as it was built: what a plugin must match to
// load into it. The Go runtime refuses a plugin built with another
// toolchain, and a plugin whose copy of a package the program also holds
// (parlib, say) was compiled from other sources, with other flags or other
// dependency versions ("plugin was built with a different version of
// package …").
type Host struct {
	// GoVersion is runtime.Version() of the program.
	GoVersion string
	// Main is the main module; Version is "(devel)" (or a pseudo-version
	// of the commit, in a git checkout) for a program built in a source
	// tree, and the module's version for one built with `go install
	// module@version`.
	Main debug.Module
	// Deps are the modules that provide packages linked into the program,
	// with their versions and replacements.
	Deps []*debug.Module
	// Settings are the build settings: -buildmode, -tags, -trimpath,
	// -ldflags, CGO_ENABLED, GOOS, GOARCH, GOAMD64 …
	Settings []debug.BuildSetting
	// SourceDir is the source tree of a "(devel)" main module (found from
	// this package's source file names, which a build without -trimpath
	// records), or of a dependency replaced by a directory; plugins build
	// against it. Empty otherwise.
	SourceDir string
	// BuildID identifies the executable's build (its Go build ID, or a
	// hash of the file): a rebuilt program gets a fresh cache of plugins.
	BuildID string
}

// ownPackage is this package's import path.
var ownPackage = reflect.TypeFor[Host]().PkgPath()

// ReadHost describes the running program from its build information.
func ReadHost() (*Host, error) {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return nil, errors.New("gopar has no build information (built without module support)")
	}
	_, file, _, _ := runtime.Caller(0)
	h, err := hostFrom(bi, runtime.Version(), file)
	if err != nil {
		return nil, err
	}
	if exe, err := os.Executable(); err == nil {
		h.BuildID = buildID(exe)
	}
	return h, nil
}

// hostFrom builds a Host from build information; file is the name this
// source file has in the program's tables (absolute unless -trimpath).
func hostFrom(bi *debug.BuildInfo, goVersion, file string) (*Host, error) {
	h := &Host{GoVersion: goVersion, Main: bi.Main, Deps: bi.Deps, Settings: bi.Settings}
	if h.Main.Path == "" {
		return nil, errors.New("gopar's build information names no main module")
	}
	if localBuild(bi) {
		dir, err := sourceDir(h.Main.Path, file)
		if err != nil {
			return nil, err
		}
		h.SourceDir = dir
	}
	for _, d := range h.Deps {
		if r := d.Replace; r != nil && r.Version == "" && !filepath.IsAbs(r.Path) {
			return nil, fmt.Errorf("gopar was built with %s replaced by the relative directory %s, which gopar cannot locate", d.Path, r.Path)
		}
	}
	return h, nil
}

// localBuild tells whether the program was built from a source tree (go
// build, go run, go install in a checkout), not from a module downloaded
// at a version (go install module@version). The main module of a local
// build is "(devel)", or, when the go command stamped version control
// information (a git checkout), a pseudo-version of the commit; it has no
// checksum, which a downloaded module always has.
func localBuild(bi *debug.BuildInfo) bool {
	if bi.Main.Version == "(devel)" || bi.Main.Version == "" || bi.Main.Sum == "" {
		return true
	}
	for _, s := range bi.Settings {
		if s.Key == "vcs" {
			return true
		}
	}
	return false
}

// sourceDir finds the source tree of the main module mainPath, given the
// name of this package's source file as the program records it. It works
// when this package belongs to the main module and the program was built
// without -trimpath.
func sourceDir(mainPath, file string) (string, error) {
	rel, ok := strings.CutPrefix(ownPackage, mainPath)
	if !ok || (rel != "" && rel[0] != '/') {
		return "", fmt.Errorf("this program's main module %s is a development build whose sources cannot be located (only gopar's own source tree is found)", mainPath)
	}
	dir := filepath.Dir(file)
	if !filepath.IsAbs(dir) {
		return "", fmt.Errorf("gopar was built from a source tree with -trimpath, so it cannot locate the sources plugins must build against; build it without -trimpath (go run . install), or install a release (go install %s@VERSION)", mainPath)
	}
	root, ok := strings.CutSuffix(dir, filepath.FromSlash(rel))
	if !ok {
		return "", fmt.Errorf("cannot locate the source tree of %s from %s", mainPath, file)
	}
	if p := modulePath(filepath.Join(root, "go.mod")); p != mainPath {
		return "", fmt.Errorf("the source tree %s this program was built from is gone or changed (its go.mod does not declare module %s); rebuild gopar from a checkout (go run . install)", root, mainPath)
	}
	return root, nil
}

// modulePath is the module path a go.mod file declares ("" if it cannot
// be read).
func modulePath(gomod string) string {
	data, err := os.ReadFile(gomod)
	if err != nil {
		return ""
	}
	for line := range strings.Lines(string(data)) {
		f := strings.Fields(line)
		if len(f) < 2 || f[0] != "module" {
			continue
		}
		if p, err := strconv.Unquote(f[1]); err == nil {
			return p
		}
		return f[1]
	}
	return ""
}

// Setting returns the build setting key ("-tags", "CGO_ENABLED" …).
func (h *Host) Setting(key string) (string, bool) {
	for _, s := range h.Settings {
		if s.Key == key {
			return s.Value, true
		}
	}
	return "", false
}

// goLanguage is the language version of the toolchain, "1.26" for
// "go1.26.8": the go line of the plugins' module, so that cells get the
// toolchain's semantics.
func (h *Host) goLanguage() string {
	v := strings.TrimPrefix(strings.Fields(h.GoVersion)[0], "go")
	parts := strings.SplitN(v, ".", 3)
	if len(parts) < 2 {
		return v
	}
	minor := parts[1]
	if i := strings.IndexFunc(minor, func(r rune) bool { return r < '0' || r > '9' }); i >= 0 {
		minor = minor[:i] // go1.27rc1
	}
	return parts[0] + "." + minor
}

// CheckPlatform tells whether the program can load plugins at all: the Go
// runtime supports them on Linux, macOS and FreeBSD, in a program built
// with cgo as an ordinary executable.
func (h *Host) CheckPlatform() error {
	goos, _ := h.Setting("GOOS")
	goarch, _ := h.Setting("GOARCH")
	if goos == "" {
		goos, goarch = runtime.GOOS, runtime.GOARCH
	}
	if !pluginPlatform(goos, goarch) {
		return fmt.Errorf("Go plugins are not supported on %s/%s (only Linux, macOS and FreeBSD)", goos, goarch)
	}
	if v, _ := h.Setting("CGO_ENABLED"); v != "1" {
		return errors.New("gopar was built without cgo (CGO_ENABLED=0), and Go plugins need it: rebuild it with a C compiler installed and CGO_ENABLED=1")
	}
	if m, _ := h.Setting("-buildmode"); m != "" && m != "exe" && m != "pie" {
		return fmt.Errorf("gopar was built with -buildmode=%s; plugins load only into an ordinary executable", m)
	}
	if f, _ := h.Setting("-ldflags"); strings.Contains(f, "-static") {
		return errors.New("gopar was linked statically (-ldflags with -static), and cannot load plugins")
	}
	return nil
}

// pluginPlatform reports whether the Go toolchain builds plugins for
// goos/goarch (as cmd/internal/platform says for -buildmode=plugin).
func pluginPlatform(goos, goarch string) bool {
	switch goos {
	case "linux":
		return slices.Contains([]string{"386", "amd64", "arm", "arm64", "loong64", "ppc64le", "riscv64", "s390x"}, goarch)
	case "android":
		return goarch != "riscv64"
	case "darwin":
		return goarch == "amd64" || goarch == "arm64"
	case "freebsd":
		return goarch == "amd64"
	}
	return false
}

// BuildFlags are the flags of `go build` that make a plugin compile every
// package as the program's build did.
func (h *Host) BuildFlags() []string {
	flags := []string{"-buildmode=plugin"}
	bools := []string{"-trimpath", "-race", "-msan", "-asan"}
	for _, k := range bools {
		v, _ := h.Setting(k)
		flags = append(flags, k+"="+boolText(v == "true"))
	}
	for _, k := range []string{"-tags", "-gcflags", "-asmflags", "-ldflags"} {
		v, _ := h.Setting(k)
		flags = append(flags, k+"="+v)
	}
	if v, ok := h.Setting("-pgo"); ok && v != "" {
		flags = append(flags, "-pgo="+v)
	} else {
		flags = append(flags, "-pgo=off")
	}
	if v, ok := h.Setting("-compiler"); ok && v != "" {
		flags = append(flags, "-compiler="+v)
	}
	return flags
}

func boolText(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// envSettings are the build settings that are environment variables of
// the go command.
var envSettings = []string{"CGO_ENABLED", "CGO_CFLAGS", "CGO_CPPFLAGS", "CGO_CXXFLAGS", "CGO_LDFLAGS",
	"GOOS", "GOARCH", "GOEXPERIMENT", "GOFIPS140",
	"GO386", "GOAMD64", "GOARM", "GOARM64", "GOMIPS", "GOMIPS64", "GOPPC64", "GORISCV64", "GOWASM"}

// BuildEnv is the environment (KEY=value) that makes the go command
// target what the program was built for. A variable the build did not set
// is given as KEY= (unset it), so that the user's environment cannot
// change it.
func (h *Host) BuildEnv() []string {
	var env []string
	for _, k := range envSettings {
		v, _ := h.Setting(k)
		env = append(env, k+"="+v)
	}
	return env
}

// GoMod is the go.mod of a module that builds plugins for the program: it
// requires every module of the program at the version the program was
// built with (so that the minimal version selection picks the same ones),
// and the main module itself: at its version, or replaced by its source
// tree for a development build.
func (h *Host) GoMod(module string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "module %s\n\ngo %s\n\n", module, h.goLanguage())
	var reqs, repls []string
	mainVersion := h.Main.Version
	if h.SourceDir != "" {
		mainVersion = "v0.0.0-00010101000000-000000000000"
		repls = append(repls, fmt.Sprintf("%s => %s", h.Main.Path, quotePath(h.SourceDir)))
	}
	reqs = append(reqs, h.Main.Path+" "+mainVersion)
	for _, d := range h.Deps {
		v := d.Version
		if v == "(devel)" || v == "" {
			v = "v0.0.0-00010101000000-000000000000"
		}
		reqs = append(reqs, d.Path+" "+v)
		if r := d.Replace; r != nil {
			if r.Version == "" {
				repls = append(repls, fmt.Sprintf("%s => %s", d.Path, quotePath(r.Path)))
			} else {
				repls = append(repls, fmt.Sprintf("%s %s => %s %s", d.Path, v, r.Path, r.Version))
			}
		}
	}
	b.WriteString("require (\n")
	for _, r := range reqs {
		b.WriteString("\t" + r + "\n")
	}
	b.WriteString(")\n")
	if len(repls) > 0 {
		b.WriteString("\nreplace (\n")
		for _, r := range repls {
			b.WriteString("\t" + r + "\n")
		}
		b.WriteString(")\n")
	}
	return b.String()
}

// quotePath quotes a directory for go.mod when it needs it.
func quotePath(p string) string {
	if strings.ContainsAny(p, " \t\"'`\\") || p == "" {
		return fmt.Sprintf("%q", p)
	}
	return p
}

// Key identifies the program for the cache of plugins: everything that
// decides whether a plugin built for it loads.
func (h *Host) Key() string {
	s := sha256.New()
	fmt.Fprintf(s, "go %s\nmain %s %s %s\nsrc %s\nbuild %s\n", h.GoVersion, h.Main.Path, h.Main.Version, h.Main.Sum, h.SourceDir, h.BuildID)
	for _, d := range h.Deps {
		fmt.Fprintf(s, "dep %s %s %s\n", d.Path, d.Version, d.Sum)
		if r := d.Replace; r != nil {
			fmt.Fprintf(s, "=> %s %s %s\n", r.Path, r.Version, r.Sum)
		}
	}
	for _, st := range h.Settings {
		fmt.Fprintf(s, "set %s=%s\n", st.Key, st.Value)
	}
	return hex.EncodeToString(s.Sum(nil))[:20]
}

// buildID identifies an executable's build: its Go build ID, read from
// the ELF note or the Mach-O text where the linker puts it, else a hash of
// the whole file.
func buildID(exe string) string {
	if f, err := elf.Open(exe); err == nil {
		defer f.Close()
		if s := f.Section(".note.go.buildid"); s != nil {
			if data, err := s.Data(); err == nil && len(data) > 16 {
				return string(bytes.TrimRight(data[16:], "\x00"))
			}
		}
	}
	f, err := os.Open(exe)
	if err != nil {
		return ""
	}
	defer f.Close()
	head := make([]byte, 32<<10)
	n, _ := io.ReadFull(f, head)
	const marker = "\xff Go build ID: \""
	if i := bytes.Index(head[:n], []byte(marker)); i >= 0 {
		rest := head[i+len(marker) : n]
		if j := bytes.IndexByte(rest, '"'); j >= 0 {
			return string(rest[:j])
		}
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return ""
	}
	s := sha256.New()
	if _, err := io.Copy(s, f); err != nil {
		return ""
	}
	return hex.EncodeToString(s.Sum(nil))
}
