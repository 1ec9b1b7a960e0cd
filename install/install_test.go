package install

import (
	"bytes"
	"encoding/json"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// buildHelper builds a tiny program that prints its arguments, to stand in
// for the gopar executable.
func buildHelper(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	src := filepath.Join(dir, "main.go")
	prog := "package main\n\nimport (\n\t\"fmt\"\n\t\"os\"\n)\n\nfunc main() { fmt.Println(\"fake gopar\", os.Args[1:]) }\n"
	if err := os.WriteFile(src, []byte(prog), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module fake\n\ngo 1.22\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(dir, "fake")
	cmd := exec.Command("go", "build", "-o", exe, ".")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return exe
}

func TestInstallPrefix(t *testing.T) {
	exe := buildHelper(t)
	prefix := t.TempDir()
	opts := Options{Scope: Prefix, Prefix: prefix, Executable: exe}
	dir, err := Install(opts)
	if err != nil {
		t.Fatal(err)
	}
	want := filepath.Join(prefix, "share", "jupyter", "kernels", "gopar")
	if dir != want {
		t.Fatalf("installed in %s, want %s", dir, want)
	}

	b, err := os.ReadFile(filepath.Join(dir, "kernel.json"))
	if err != nil {
		t.Fatal(err)
	}
	var spec map[string]any
	if err := json.Unmarshal(b, &spec); err != nil {
		t.Fatalf("kernel.json: %v", err)
	}
	copied := filepath.Join(dir, "gopar")
	if runtime.GOOS == "windows" {
		copied += ".exe"
	}
	argv, _ := spec["argv"].([]any)
	wantArgv := []any{copied, "kernel", "--connection-file", "{connection_file}"}
	if len(argv) != len(wantArgv) {
		t.Fatalf("argv = %v, want %v", argv, wantArgv)
	}
	for i := range argv {
		if argv[i] != wantArgv[i] {
			t.Fatalf("argv = %v, want %v", argv, wantArgv)
		}
	}
	for k, v := range map[string]string{"display_name": "Go (gopar)", "language": "go", "interrupt_mode": "signal"} {
		if spec[k] != v {
			t.Errorf("kernel.json %s = %v, want %q", k, spec[k], v)
		}
	}

	for _, size := range []int{32, 64} {
		name := filepath.Join(dir, "logo-"+itoa(size)+"x"+itoa(size)+".png")
		f, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(f))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if r := img.Bounds(); r.Dx() != size || r.Dy() != size {
			t.Errorf("%s is %dx%d", name, r.Dx(), r.Dy())
		}
		// The centre of a bar is white, a corner is transparent, the
		// middle of the left edge is blue.
		if _, _, _, a := img.At(0, 0).RGBA(); a != 0 {
			t.Errorf("%s: corner not transparent", name)
		}
		if r, g, b, _ := img.At(size*38/100, size/2).RGBA(); r>>8 < 240 || g>>8 < 240 || b>>8 < 240 {
			t.Errorf("%s: bar not white: %d %d %d", name, r>>8, g>>8, b>>8)
		}
		if r, g, b, _ := img.At(size/10, size/2).RGBA(); r>>8 != 0 || g>>8 != 0xAD || b>>8 != 0xD8 {
			t.Errorf("%s: background not Go blue: %d %d %d", name, r>>8, g>>8, b>>8)
		}
	}
	if svg, err := os.ReadFile(filepath.Join(dir, "logo-svg.svg")); err != nil || !strings.Contains(string(svg), "<svg") {
		t.Errorf("logo-svg.svg: %v %q", err, svg)
	}

	out, err := exec.Command(copied, "kernel", "x").CombinedOutput()
	if err != nil {
		t.Fatalf("copied executable: %v\n%s", err, out)
	}
	if got := string(out); got != "fake gopar [kernel x]\n" {
		t.Fatalf("copied executable printed %q", got)
	}

	// Installing again (from the installed copy itself) works.
	if _, err := Install(Options{Scope: Prefix, Prefix: prefix, Executable: copied}); err != nil {
		t.Fatalf("reinstall from the copy: %v", err)
	}
	if out, err := exec.Command(copied).CombinedOutput(); err != nil || !strings.HasPrefix(string(out), "fake gopar") {
		t.Fatalf("copy after reinstall: %v %q", err, out)
	}

	gone, err := Uninstall(opts)
	if err != nil {
		t.Fatal(err)
	}
	if gone != dir {
		t.Errorf("Uninstall removed %s, want %s", gone, dir)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatalf("%s still exists after uninstall: %v", dir, err)
	}
	_, err = Uninstall(opts)
	if err == nil || !strings.Contains(err.Error(), "not installed") {
		t.Fatalf("second uninstall: err = %v, want 'not installed'", err)
	}
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

func TestNameAndDisplayName(t *testing.T) {
	exe := buildHelper(t)
	prefix := t.TempDir()
	dir, err := Install(Options{Scope: Prefix, Prefix: prefix, Executable: exe, Name: "GoPar-Dev_1.2", DisplayName: "Go dev"})
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(dir) != "gopar-dev_1.2" {
		t.Errorf("dir = %s, want lower-cased name", dir)
	}
	var spec KernelSpec
	b, _ := os.ReadFile(filepath.Join(dir, "kernel.json"))
	if err := json.Unmarshal(b, &spec); err != nil {
		t.Fatal(err)
	}
	if spec.DisplayName != "Go dev" {
		t.Errorf("display_name = %q", spec.DisplayName)
	}
	for _, bad := range []string{"a b", "x/y", "..", "ü", ""} {
		if _, err := Install(Options{Scope: Prefix, Prefix: prefix, Executable: exe, Name: bad}); err == nil && bad != "" {
			t.Errorf("name %q accepted", bad)
		}
		if bad != "" && ValidateName(bad) == nil {
			t.Errorf("ValidateName(%q) = nil", bad)
		}
	}
}

func TestUserDataDir(t *testing.T) {
	d := t.TempDir()
	t.Setenv("JUPYTER_DATA_DIR", d)
	got, err := KernelDir(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(d, "kernels", "gopar"); got != want {
		t.Errorf("KernelDir = %s, want %s", got, want)
	}
	if runtime.GOOS == "linux" {
		t.Setenv("JUPYTER_DATA_DIR", "")
		t.Setenv("XDG_DATA_HOME", "")
		t.Setenv("HOME", d)
		got, err := DataDir(Options{Scope: User})
		if err != nil {
			t.Fatal(err)
		}
		if want := filepath.Join(d, ".local", "share", "jupyter"); got != want {
			t.Errorf("DataDir = %s, want %s", got, want)
		}
	}
}

func TestSysPrefix(t *testing.T) {
	// A fake jupyter script whose #! names a fake python printing a prefix.
	bin := t.TempDir()
	py := filepath.Join(bin, "python3.99")
	if err := os.WriteFile(py, []byte("#!/bin/sh\necho /opt/fakeprefix\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(bin, "jupyter"), []byte("#!"+py+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin)
	got, err := DataDir(Options{Scope: SysPrefix})
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join("/opt/fakeprefix", "share", "jupyter"); got != want {
		t.Errorf("sys-prefix data dir = %s, want %s", got, want)
	}
	t.Setenv("PATH", t.TempDir())
	if _, err := DataDir(Options{Scope: SysPrefix}); err == nil || !strings.Contains(err.Error(), "sys.prefix") {
		t.Errorf("no python: err = %v", err)
	}
}

func TestShebangEnv(t *testing.T) {
	f := filepath.Join(t.TempDir(), "jupyter")
	os.WriteFile(f, []byte("#!/usr/bin/env python3.11\nimport x\n"), 0o755)
	if got := shebangPython(f); got != "python3.11" {
		t.Errorf("shebangPython = %q", got)
	}
	os.WriteFile(f, []byte("#!/bin/sh\n"), 0o755)
	if got := shebangPython(f); got != "" {
		t.Errorf("shebangPython(sh) = %q", got)
	}
}

func TestInstalled(t *testing.T) {
	exe := buildHelper(t)
	prefix := t.TempDir()
	dir, err := Install(Options{Scope: Prefix, Prefix: prefix, Executable: exe, Name: "GoPar-Dev_1.2", DisplayName: "Go dev"})
	if err != nil {
		t.Fatal(err)
	}
	copied := filepath.Join(dir, exeName())
	name, spec, ok := Installed(copied)
	if !ok || name != "gopar-dev_1.2" || spec.DisplayName != "Go dev" || spec.Language != "go" {
		t.Errorf("Installed(the copy) = %q, %+v, %v; want gopar-dev_1.2, Go dev, go", name, spec, ok)
	}
	// Through another path to the same directory (a symbolic link to the
	// data directory, say), the copy is still the installed one.
	if runtime.GOOS != "windows" {
		link := filepath.Join(t.TempDir(), "jupyter")
		if err := os.Symlink(filepath.Join(prefix, "share", "jupyter"), link); err != nil {
			t.Fatal(err)
		}
		if name, _, ok := Installed(filepath.Join(link, "kernels", filepath.Base(dir), exeName())); !ok || name != "gopar-dev_1.2" {
			t.Errorf("Installed through a link = %q, %v", name, ok)
		}
	}
	if name, _, ok := Installed(exe); ok {
		t.Errorf("Installed(a binary that is not installed) = %q, true", name)
	}
	// A binary beside some other kernel's kernel.json is not that kernel.
	other := filepath.Join(prefix, "share", "jupyter", "kernels", "other")
	if err := os.MkdirAll(other, 0o755); err != nil {
		t.Fatal(err)
	}
	js, _ := json.Marshal(KernelSpec{Argv: []string{exe, "kernel"}, DisplayName: "Other", Language: "go"})
	if err := os.WriteFile(filepath.Join(other, "kernel.json"), js, 0o644); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(exe)
	stray := filepath.Join(other, exeName())
	if err := os.WriteFile(stray, b, 0o755); err != nil {
		t.Fatal(err)
	}
	if name, _, ok := Installed(stray); ok {
		t.Errorf("Installed(a binary that kernel.json does not run) = %q, true", name)
	}
	// Once uninstalled, the name is gone with the directory.
	if _, err := Uninstall(Options{Scope: Prefix, Prefix: prefix, Name: "gopar-dev_1.2"}); err != nil {
		t.Fatal(err)
	}
	if _, _, ok := Installed(copied); ok {
		t.Error("Installed after Uninstall = true")
	}
}
