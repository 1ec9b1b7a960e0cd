// Package install writes and removes gopar's Jupyter kernelspec: the
// kernels/NAME directory holding kernel.json, the logos and a copy of the
// gopar executable, under one of Jupyter's data directories.
package install

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/gopar/gopar/internal/atomicfile"
)

// DefaultName is the kernel name used when Options.Name is empty.
const DefaultName = "gopar"

// DefaultDisplayName is the name Jupyter shows in its kernel menus.
const DefaultDisplayName = "Go (gopar)"

// Scope says which Jupyter data directory a kernelspec goes to.
type Scope int

const (
	// User is the per-user data directory: $JUPYTER_DATA_DIR, or
	// ~/.local/share/jupyter on Linux ($XDG_DATA_HOME/jupyter when set),
	// ~/Library/Jupyter on macOS, %APPDATA%\jupyter on Windows.
	User Scope = iota
	// SysPrefix is PREFIX/share/jupyter where PREFIX is sys.prefix of the
	// Python that runs Jupyter (the interpreter named on the `jupyter`
	// script's #! line, else python3 on PATH).
	SysPrefix
	// Prefix is Options.Prefix/share/jupyter.
	Prefix
)

// String names the scope as its command-line flag does.
func (s Scope) String() string {
	switch s {
	case User:
		return "user"
	case SysPrefix:
		return "sys-prefix"
	case Prefix:
		return "prefix"
	}
	return fmt.Sprintf("Scope(%d)", int(s))
}

// Options says where and under which name to install. The zero value
// installs "gopar" for the current user.
type Options struct {
	// Scope selects the data directory.
	Scope Scope
	// Prefix is the directory for the Prefix scope (the data directory is
	// Prefix/share/jupyter).
	Prefix string
	// Name is the kernel name (directory name under kernels/); letters,
	// digits, '.', '-' and '_'. Jupyter treats kernel names as lower case,
	// so Name is lower-cased. Empty means DefaultName.
	Name string
	// DisplayName is the kernel's display_name; empty means
	// DefaultDisplayName.
	DisplayName string
	// Executable is the gopar binary to copy beside kernel.json; empty
	// means the running executable (os.Executable).
	Executable string
}

// KernelSpec is the content of kernel.json.
type KernelSpec struct {
	// Argv is the command Jupyter runs, with {connection_file} replaced.
	Argv []string `json:"argv"`
	// DisplayName is shown in the frontends' kernel menus.
	DisplayName string `json:"display_name"`
	// Language is the kernel's language ("go").
	Language string `json:"language"`
	// InterruptMode is "signal" (SIGINT) or "message".
	InterruptMode string `json:"interrupt_mode"`
	// Metadata holds optional extra information.
	Metadata map[string]any `json:"metadata,omitempty"`
}

// ValidateName reports whether name is a valid kernel name: one or more
// ASCII letters, digits, '.', '-' or '_', as jupyter_client requires.
func ValidateName(name string) error {
	if name == "" {
		return errors.New("kernel name is empty")
	}
	for _, r := range name {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_'
		if !ok {
			return fmt.Errorf("invalid kernel name %q: use only letters, digits, '.', '-' and '_'", name)
		}
	}
	if name == "." || name == ".." {
		return fmt.Errorf("invalid kernel name %q", name)
	}
	return nil
}

// DataDir returns the Jupyter data directory for opts.Scope.
func DataDir(opts Options) (string, error) {
	switch opts.Scope {
	case User:
		return userDataDir()
	case SysPrefix:
		p, err := sysPrefix()
		if err != nil {
			return "", err
		}
		return filepath.Join(p, "share", "jupyter"), nil
	case Prefix:
		if opts.Prefix == "" {
			return "", errors.New("--prefix needs a directory")
		}
		p, err := filepath.Abs(opts.Prefix)
		if err != nil {
			return "", err
		}
		return filepath.Join(p, "share", "jupyter"), nil
	}
	return "", fmt.Errorf("unknown scope %v", opts.Scope)
}

// KernelDir returns the kernelspec directory DATADIR/kernels/NAME for opts.
func KernelDir(opts Options) (string, error) {
	name, err := kernelName(opts)
	if err != nil {
		return "", err
	}
	d, err := DataDir(opts)
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "kernels", name), nil
}

func kernelName(opts Options) (string, error) {
	name := opts.Name
	if name == "" {
		name = DefaultName
	}
	if err := ValidateName(name); err != nil {
		return "", err
	}
	return strings.ToLower(name), nil
}

func userDataDir() (string, error) {
	if d := os.Getenv("JUPYTER_DATA_DIR"); d != "" {
		return filepath.Abs(d)
	}
	home, err := os.UserHomeDir()
	switch runtime.GOOS {
	case "darwin":
		if err != nil {
			return "", fmt.Errorf("cannot find the Jupyter data directory: %v", err)
		}
		return filepath.Join(home, "Library", "Jupyter"), nil
	case "windows":
		if a := os.Getenv("APPDATA"); a != "" {
			return filepath.Join(a, "jupyter"), nil
		}
		if err != nil {
			return "", fmt.Errorf("cannot find the Jupyter data directory: %v", err)
		}
		return filepath.Join(home, ".jupyter", "data"), nil
	}
	if x := os.Getenv("XDG_DATA_HOME"); x != "" {
		return filepath.Join(x, "jupyter"), nil
	}
	if err != nil {
		return "", fmt.Errorf("cannot find the Jupyter data directory (set JUPYTER_DATA_DIR): %v", err)
	}
	return filepath.Join(home, ".local", "share", "jupyter"), nil
}

// jupyterPython finds the Python interpreter that runs Jupyter: the one on
// the #! line of the `jupyter` script on PATH, else python3 on PATH.
func jupyterPython() (string, error) {
	if j, err := exec.LookPath("jupyter"); err == nil {
		if py := shebangPython(j); py != "" {
			return py, nil
		}
	}
	if py, err := exec.LookPath("python3"); err == nil {
		return py, nil
	}
	return "", errors.New("cannot determine sys.prefix: neither jupyter nor python3 is on PATH (use --user or --prefix DIR)")
}

// shebangPython returns the interpreter named on the first line of script
// when it is a Python, or "".
func shebangPython(script string) string {
	f, err := os.Open(script)
	if err != nil {
		return ""
	}
	defer f.Close()
	line, _ := bufio.NewReader(io.LimitReader(f, 512)).ReadString('\n')
	if !strings.HasPrefix(line, "#!") {
		return ""
	}
	fields := strings.Fields(line[2:])
	if len(fields) == 0 {
		return ""
	}
	if filepath.Base(fields[0]) == "env" && len(fields) > 1 {
		fields = fields[1:]
	}
	if !strings.HasPrefix(filepath.Base(fields[0]), "python") {
		return ""
	}
	return fields[0]
}

func sysPrefix() (string, error) {
	py, err := jupyterPython()
	if err != nil {
		return "", err
	}
	out, err := exec.Command(py, "-c", "import sys; print(sys.prefix)").Output()
	if err != nil {
		return "", fmt.Errorf("cannot determine sys.prefix with %s: %v", py, err)
	}
	p := strings.TrimSpace(string(out))
	if p == "" {
		return "", fmt.Errorf("cannot determine sys.prefix with %s: empty answer", py)
	}
	return p, nil
}

// exeName is the name of the copied executable inside the kernel directory.
func exeName() string {
	if runtime.GOOS == "windows" {
		return "gopar.exe"
	}
	return "gopar"
}

// Install writes kernels/NAME (kernel.json, logo-32x32.png, logo-64x64.png,
// logo-svg.svg and a copy of the executable) and returns the directory.
// An existing kernelspec of the same name is replaced.
func Install(opts Options) (string, error) {
	dir, err := KernelDir(opts)
	if err != nil {
		return "", err
	}
	src := opts.Executable
	if src == "" {
		if src, err = os.Executable(); err != nil {
			return "", fmt.Errorf("cannot find the gopar executable: %v", err)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	exe := filepath.Join(dir, exeName())
	if err := copyExecutable(src, exe); err != nil {
		return "", err
	}
	display := opts.DisplayName
	if display == "" {
		display = DefaultDisplayName
	}
	spec := KernelSpec{
		Argv:          []string{exe, "kernel", "--connection-file", "{connection_file}"},
		DisplayName:   display,
		Language:      "go",
		InterruptMode: "signal",
		Metadata:      map[string]any{"debugger": false},
	}
	js, err := json.MarshalIndent(spec, "", "  ")
	if err != nil {
		return "", err
	}
	files := []struct {
		name string
		data func() ([]byte, error)
	}{
		{"kernel.json", func() ([]byte, error) { return append(js, '\n'), nil }},
		{"logo-32x32.png", func() ([]byte, error) { return LogoPNG(32) }},
		{"logo-64x64.png", func() ([]byte, error) { return LogoPNG(64) }},
		{"logo-svg.svg", func() ([]byte, error) { return []byte(LogoSVG()), nil }},
	}
	for _, f := range files {
		b, err := f.data()
		if err != nil {
			return "", fmt.Errorf("%s: %v", f.name, err)
		}
		if err := atomicfile.WriteFile(filepath.Join(dir, f.name), b, 0o644); err != nil {
			return "", err
		}
	}
	return dir, nil
}

// Uninstall removes the kernelspec directory and returns its path. It
// fails, changing nothing, when no kernel.json is there.
func Uninstall(opts Options) (string, error) {
	dir, err := KernelDir(opts)
	if err != nil {
		return "", err
	}
	if _, err := os.Stat(filepath.Join(dir, "kernel.json")); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			name, _ := kernelName(opts)
			return "", fmt.Errorf("kernel %q is not installed in %s", name, filepath.Dir(dir))
		}
		return "", err
	}
	if err := os.RemoveAll(dir); err != nil {
		return "", err
	}
	return dir, nil
}

// Installed tells which kernelspec exe belongs to. When exe is the copy
// that Install put in DATADIR/kernels/NAME, beside a kernel.json that runs
// it, Installed returns NAME (lower case, as Jupyter names kernels) and that
// kernel.json. ok is false for any other executable, such as one that
// `go install` put on PATH.
func Installed(exe string) (name string, spec KernelSpec, ok bool) {
	dir := filepath.Dir(exe)
	name = strings.ToLower(filepath.Base(dir))
	if filepath.Base(filepath.Dir(dir)) != "kernels" || ValidateName(name) != nil {
		return "", KernelSpec{}, false
	}
	b, err := os.ReadFile(filepath.Join(dir, "kernel.json"))
	if err != nil {
		return "", KernelSpec{}, false
	}
	if err := json.Unmarshal(b, &spec); err != nil || len(spec.Argv) == 0 {
		return "", KernelSpec{}, false
	}
	ei, err := os.Stat(exe)
	if err != nil {
		return "", KernelSpec{}, false
	}
	if ai, err := os.Stat(spec.Argv[0]); err != nil || !os.SameFile(ei, ai) {
		return "", KernelSpec{}, false
	}
	return name, spec, true
}

// copyExecutable copies src to dst (mode 0755) through a temporary file and
// a rename, so that a running copy of dst is never truncated. Copying a file
// onto itself does nothing.
func copyExecutable(src, dst string) error {
	si, err := os.Stat(src)
	if err != nil {
		return fmt.Errorf("cannot read the gopar executable: %v", err)
	}
	if di, err := os.Stat(dst); err == nil && os.SameFile(si, di) {
		return nil
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	return atomicfile.Write(dst, 0o755, func(w io.Writer) error {
		if _, err := io.Copy(w, in); err != nil {
			return fmt.Errorf("copy %s: %v", src, err)
		}
		return nil
	})
}
