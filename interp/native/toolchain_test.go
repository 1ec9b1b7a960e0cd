package native

import (
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

func testHost(t *testing.T) *Host {
	t.Helper()
	h, err := ReadHost()
	if err != nil {
		t.Fatal(err)
	}
	return h
}

func TestFindToolchainOfTheProgramsRelease(t *testing.T) {
	tc, err := FindToolchain(testHost(t), nil)
	if err != nil {
		t.Skipf("no toolchain: %v", err)
	}
	if want := strings.Fields(runtime.Version())[0]; tc.Version != want {
		t.Errorf("toolchain %s is %s; want %s", tc.Go, tc.Version, want)
	}
}

// fakeGo writes a go command that says it is version.
func fakeGo(t *testing.T, version string) string {
	t.Helper()
	if runtime.GOOS == "windows" {
		t.Skip("shell script")
	}
	dir := t.TempDir()
	script := "#!/bin/sh\necho " + version + "\n"
	if err := os.WriteFile(filepath.Join(dir, "go"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// noBuildGOROOT hides the GOROOT the test binary was built with.
func noBuildGOROOT(t *testing.T) {
	old := buildGOROOT
	buildGOROOT = func() string { return "" }
	t.Cleanup(func() { buildGOROOT = old })
}

func TestFindToolchainRefusesAnotherRelease(t *testing.T) {
	dir := fakeGo(t, "go1.0.1")
	empty := t.TempDir()
	noBuildGOROOT(t)
	_, err := FindToolchain(testHost(t), []string{"PATH=" + dir, "GOROOT=" + empty})
	want := strings.Fields(runtime.Version())[0]
	if err == nil || !strings.Contains(err.Error(), "go1.0.1") || !strings.Contains(err.Error(), "built with "+want) {
		t.Errorf("FindToolchain: %v; want an error naming go1.0.1 and %s", err, want)
	}
}

func TestFindToolchainWithoutGo(t *testing.T) {
	empty := t.TempDir()
	noBuildGOROOT(t)
	_, err := FindToolchain(testHost(t), []string{"PATH=" + empty})
	if err == nil || !strings.Contains(err.Error(), "no Go toolchain found") {
		t.Errorf("FindToolchain: %v; want no toolchain found", err)
	}
}

func TestGoEnvKeepsTheUsersSettingsButNotHisBuildFlags(t *testing.T) {
	h := &Host{Settings: develInfo().Settings}
	env := goEnv(h, []string{"GOFLAGS=-race -modcacherw -tags=x -mod=vendor", "GOWORK=/w/go.work", "GOPROXY=https://proxy.example",
		"HOME=/home/u", "GOTOOLCHAIN=auto", "CGO_ENABLED=0", "GOAMD64=v3"})
	for _, want := range []string{"GOFLAGS=-modcacherw", "GOWORK=off", "GOTOOLCHAIN=local", "GO111MODULE=on",
		"GOPROXY=https://proxy.example", "HOME=/home/u", "CGO_ENABLED=1", "GOAMD64=v1"} {
		if !slices.Contains(env, want) {
			t.Errorf("goEnv = %q; want %q among them", env, want)
		}
	}
	for _, bad := range []string{"CGO_ENABLED=0", "GOAMD64=v3", "GOTOOLCHAIN=auto"} {
		if slices.Contains(env, bad) {
			t.Errorf("goEnv = %q; kept %q", env, bad)
		}
	}
}

// TestBuiltModCache: the module cache this program's dependencies were
// compiled from is found (the test binary, like gopar, is built without
// -trimpath), and it is where gonum's source is.
func TestBuiltModCache(t *testing.T) {
	dir := builtModCache()
	if dir == "" {
		t.Fatal("the module cache the program was built from was not found")
	}
	if st, err := os.Stat(filepath.Join(dir, "gonum.org", "v1")); err != nil || !st.IsDir() {
		t.Errorf("builtModCache() = %s, which holds no gonum.org/v1: %v", dir, err)
	}
	if env := goEnv(&Host{}, []string{"GOMODCACHE=/elsewhere"}); !slices.Contains(env, "GOMODCACHE="+dir) {
		t.Errorf("the go command's environment does not use the module cache the program was built from: %q", env)
	}
}
