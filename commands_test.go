package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/gopar/gopar/install"
	"github.com/gopar/gopar/nbrun"
)

// TestInstalledKernel checks that `gopar run`, run from the copy that
// `gopar install --name NAME` made, records kernel NAME in the notebooks it
// writes, and gopar's default otherwise.
func TestInstalledKernel(t *testing.T) {
	exe := filepath.Join(t.TempDir(), "gopar")
	if err := os.WriteFile(exe, []byte("a stand-in for the binary"), 0o755); err != nil {
		t.Fatal(err)
	}
	dir, err := install.Install(install.Options{Scope: install.Prefix, Prefix: t.TempDir(), Name: "gopar-dev", DisplayName: "Go dev", Executable: exe})
	if err != nil {
		t.Fatal(err)
	}
	var spec install.KernelSpec
	if b, err := os.ReadFile(filepath.Join(dir, "kernel.json")); err != nil || json.Unmarshal(b, &spec) != nil || len(spec.Argv) == 0 {
		t.Fatalf("kernel.json: %v %+v", err, spec)
	}
	want := nbrun.KernelSpec{Name: "gopar-dev", DisplayName: "Go dev", Language: "go"}
	if got := installedKernel(spec.Argv[0]); got != want {
		t.Errorf("installedKernel(the installed copy) = %+v, want %+v", got, want)
	}
	if got := installedKernel(exe); got != (nbrun.KernelSpec{}) {
		t.Errorf("installedKernel(a binary not installed) = %+v, want the zero KernelSpec", got)
	}
	if got := installedKernel(""); got != (nbrun.KernelSpec{}) {
		t.Errorf("installedKernel(\"\") = %+v, want the zero KernelSpec", got)
	}
}
