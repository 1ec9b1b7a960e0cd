package native

import (
	"bufio"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"testing"
)

// thisFile is this test's source file name, as the test binary records it.
func thisFile(t *testing.T) string {
	t.Helper()
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		t.Fatal("runtime.Caller failed")
	}
	return file
}

// moduleRoot is the module's source tree, found from this file.
func moduleRoot(t *testing.T) string {
	t.Helper()
	return filepath.Dir(filepath.Dir(filepath.Dir(thisFile(t))))
}

func develInfo() *debug.BuildInfo {
	return &debug.BuildInfo{
		GoVersion: "go1.26.8",
		Main:      debug.Module{Path: "github.com/gopar/gopar", Version: "(devel)"},
		Deps: []*debug.Module{
			{Path: "gonum.org/v1/gonum", Version: "v0.17.0", Sum: "h1:x"},
			{Path: "example.com/forked", Version: "v1.0.0", Replace: &debug.Module{Path: "example.com/fork", Version: "v1.0.1"}},
			{Path: "example.com/local", Version: "v0.0.0-00010101000000-000000000000", Replace: &debug.Module{Path: "/src/local"}},
		},
		Settings: []debug.BuildSetting{
			{Key: "-buildmode", Value: "exe"}, {Key: "-compiler", Value: "gc"},
			{Key: "CGO_ENABLED", Value: "1"}, {Key: "GOOS", Value: "linux"}, {Key: "GOARCH", Value: "amd64"},
			{Key: "GOAMD64", Value: "v1"},
		},
	}
}

func TestHostOfADevelopmentBuildBuildsAgainstItsSourceTree(t *testing.T) {
	h, err := hostFrom(develInfo(), "go1.26.8", thisFile(t))
	if err != nil {
		t.Fatal(err)
	}
	if h.SourceDir != moduleRoot(t) {
		t.Fatalf("SourceDir = %q; want the module root %q", h.SourceDir, moduleRoot(t))
	}
	mod := h.GoMod("gopar-native")
	for _, want := range []string{
		"module gopar-native\n",
		"\ngo 1.26\n",
		"\tgithub.com/gopar/gopar v0.0.0-00010101000000-000000000000\n",
		"\tgonum.org/v1/gonum v0.17.0\n",
		"\tgithub.com/gopar/gopar => " + moduleRoot(t) + "\n",
		"\texample.com/forked v1.0.0 => example.com/fork v1.0.1\n",
		"\texample.com/local => /src/local\n",
	} {
		if !strings.Contains(mod, want) {
			t.Errorf("go.mod lacks %q:\n%s", want, mod)
		}
	}
}

// TestHostOfACheckoutBuildWithVCSStamp checks that a build in a git
// checkout, whose main module the go command stamps with a pseudo-version
// of the commit, builds against its source tree.
func TestHostOfACheckoutBuildWithVCSStamp(t *testing.T) {
	bi := develInfo()
	bi.Main.Version = "v0.0.0-20261129231123-8e1385f6e396+dirty"
	bi.Settings = append(bi.Settings, debug.BuildSetting{Key: "vcs", Value: "git"}, debug.BuildSetting{Key: "vcs.modified", Value: "true"})
	h, err := hostFrom(bi, "go1.26.8", thisFile(t))
	if err != nil {
		t.Fatal(err)
	}
	if mod := h.GoMod("gopar-native"); h.SourceDir != moduleRoot(t) || !strings.Contains(mod, "\tgithub.com/gopar/gopar => "+moduleRoot(t)+"\n") {
		t.Errorf("SourceDir %q, go.mod:\n%s\nwant gopar replaced by its source tree", h.SourceDir, mod)
	}
}

func TestHostOfAnInstalledVersionRequiresIt(t *testing.T) {
	bi := develInfo()
	bi.Main.Version, bi.Main.Sum = "v1.2.3", "h1:abc"
	h, err := hostFrom(bi, "go1.26.8", "github.com/gopar/gopar/interp/native/host.go")
	if err != nil {
		t.Fatal(err)
	}
	mod := h.GoMod("gopar-native")
	if h.SourceDir != "" || !strings.Contains(mod, "\tgithub.com/gopar/gopar v1.2.3\n") || strings.Contains(mod, "github.com/gopar/gopar =>") {
		t.Errorf("SourceDir %q, go.mod:\n%s\nwant no source tree, and a requirement of v1.2.3 without a replacement", h.SourceDir, mod)
	}
}

func TestHostWithoutSources(t *testing.T) {
	for _, tt := range []struct {
		name, mainPath, file, want string
		relReplace                 bool
	}{
		{"-trimpath", "github.com/gopar/gopar", "github.com/gopar/gopar/interp/native/host.go", "-trimpath", false},
		{"another main module", "example.com/notebook", thisFile(t), "cannot be located", false},
		{"source tree moved", "github.com/gopar/gopar", "/nonexistent/gopar/interp/native/host.go", "gone or changed", false},
		{"relative replacement", "github.com/gopar/gopar", thisFile(t), "relative directory ../x", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			bi := develInfo()
			bi.Main.Path = tt.mainPath
			if tt.relReplace {
				bi.Deps = append(bi.Deps, &debug.Module{Path: "example.com/x", Version: "v1.0.0", Replace: &debug.Module{Path: "../x"}})
			}
			_, err := hostFrom(bi, "go1.26.8", tt.file)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("hostFrom: %v; want an error saying %q", err, tt.want)
			}
		})
	}
}

func TestBuildFlagsAndEnvAreTheProgramsBuild(t *testing.T) {
	bi := develInfo()
	bi.Settings = append(bi.Settings,
		debug.BuildSetting{Key: "-trimpath", Value: "true"},
		debug.BuildSetting{Key: "-tags", Value: "netgo,foo"},
		debug.BuildSetting{Key: "-ldflags", Value: "-X main.version=v1"},
		debug.BuildSetting{Key: "CGO_CFLAGS", Value: "-O1"})
	h, err := hostFrom(bi, "go1.26.8", "github.com/gopar/gopar/interp/native/host.go")
	if err == nil {
		t.Fatal("a -trimpath development build has a host")
	}
	bi.Main.Version, bi.Main.Sum = "v1.0.0", "h1:x"
	if h, err = hostFrom(bi, "go1.26.8", "github.com/gopar/gopar/interp/native/host.go"); err != nil {
		t.Fatal(err)
	}
	flags := h.BuildFlags()
	for _, want := range []string{"-buildmode=plugin", "-trimpath=true", "-race=false", "-tags=netgo,foo",
		"-ldflags=-X main.version=v1", "-gcflags=", "-pgo=off", "-compiler=gc"} {
		if !slices.Contains(flags, want) {
			t.Errorf("BuildFlags() = %q; want %q among them", flags, want)
		}
	}
	env := h.BuildEnv()
	for _, want := range []string{"CGO_ENABLED=1", "CGO_CFLAGS=-O1", "GOARCH=amd64", "GOAMD64=v1", "GOEXPERIMENT="} {
		if !slices.Contains(env, want) {
			t.Errorf("BuildEnv() = %q; want %q among them", env, want)
		}
	}
}

func TestCheckPlatform(t *testing.T) {
	for _, tt := range []struct {
		name    string
		setting debug.BuildSetting
		want    string // "" for no error
	}{
		{"linux with cgo", debug.BuildSetting{Key: "GOAMD64", Value: "v1"}, ""},
		{"without cgo", debug.BuildSetting{Key: "CGO_ENABLED", Value: "0"}, "without cgo"},
		{"windows", debug.BuildSetting{Key: "GOOS", Value: "windows"}, "windows/amd64"},
		{"static", debug.BuildSetting{Key: "-ldflags", Value: "-extldflags=-static"}, "statically"},
		{"c-shared", debug.BuildSetting{Key: "-buildmode", Value: "c-shared"}, "-buildmode=c-shared"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			bi := develInfo()
			bi.Settings = slices.DeleteFunc(slices.Clone(bi.Settings), func(s debug.BuildSetting) bool { return s.Key == tt.setting.Key })
			bi.Settings = append(bi.Settings, tt.setting)
			bi.Main.Version, bi.Main.Sum = "v1.0.0", "h1:x"
			h, err := hostFrom(bi, "go1.26.8", "x")
			if err != nil {
				t.Fatal(err)
			}
			err = h.CheckPlatform()
			if tt.want == "" && err != nil || tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)) {
				t.Errorf("CheckPlatform() = %v; want %q", err, tt.want)
			}
		})
	}
}

func TestKeyChangesWithWhatDecidesCompatibility(t *testing.T) {
	base := func() *Host {
		bi := develInfo()
		bi.Main.Version, bi.Main.Sum = "v1.0.0", "h1:x"
		h, err := hostFrom(bi, "go1.26.8", "x")
		if err != nil {
			t.Fatal(err)
		}
		h.BuildID = "id1"
		return h
	}
	k := base().Key()
	if base().Key() != k {
		t.Fatal("Key is not stable")
	}
	for name, change := range map[string]func(h *Host){
		"build id":   func(h *Host) { h.BuildID = "id2" },
		"go version": func(h *Host) { h.GoVersion = "go1.26.9" },
		"dep":        func(h *Host) { h.Deps[0] = &debug.Module{Path: "gonum.org/v1/gonum", Version: "v0.17.1"} },
		"setting":    func(h *Host) { h.Settings = append(h.Settings, debug.BuildSetting{Key: "-race", Value: "true"}) },
		"main":       func(h *Host) { h.Main.Version = "v1.0.1" },
	} {
		h := base()
		change(h)
		if h.Key() == k {
			t.Errorf("Key unchanged by a change of the %s", name)
		}
	}
}

func TestGoLanguage(t *testing.T) {
	for in, want := range map[string]string{"go1.26.8": "1.26", "go1.27rc1": "1.27", "go1.26.8 X:nocoverageredesign": "1.26", "go1.30": "1.30"} {
		if got := (&Host{GoVersion: in}).goLanguage(); got != want {
			t.Errorf("goLanguage(%q) = %q; want %q", in, got, want)
		}
	}
}

// TestReadHostOfTheTestBinary checks the build information of the test
// binary, a development build of gopar, and its build ID.
func TestReadHostOfTheTestBinary(t *testing.T) {
	h, err := ReadHost()
	if err != nil {
		t.Fatal(err)
	}
	if h.Main.Path != "github.com/gopar/gopar" || h.SourceDir != moduleRoot(t) || h.GoVersion != runtime.Version() {
		t.Errorf("ReadHost() = main %s, source %q, %s; want gopar's, %q, %s", h.Main.Path, h.SourceDir, h.GoVersion, moduleRoot(t), runtime.Version())
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("go", "tool", "buildid", exe).Output()
	if err != nil {
		t.Skipf("go tool buildid: %v", err)
	}
	if want := strings.TrimSpace(string(out)); h.BuildID != want {
		t.Errorf("BuildID = %q; go tool buildid says %q", h.BuildID, want)
	}
}

// TestHashGoModMatchesGoSum checks hashGoMod against go.sum's hash of a
// go.mod in the module cache.
func TestHashGoModMatchesGoSum(t *testing.T) {
	out, err := exec.Command("go", "env", "GOMODCACHE").Output()
	if err != nil {
		t.Skip(err)
	}
	cache := strings.TrimSpace(string(out))
	f, err := os.Open(filepath.Join(moduleRoot(t), "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	checked := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) != 3 || !strings.HasSuffix(fields[1], "/go.mod") {
			continue
		}
		esc, err := escapePath(fields[0])
		if err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(filepath.Join(cache, "cache", "download", esc, "@v", strings.TrimSuffix(fields[1], "/go.mod")+".mod"))
		if err != nil {
			continue
		}
		if got := hashGoMod(data); got != fields[2] {
			t.Errorf("hashGoMod(%s %s) = %s; go.sum says %s", fields[0], fields[1], got, fields[2])
		}
		checked++
	}
	if checked == 0 {
		t.Skip("no go.mod of go.sum in the module cache")
	}
}

func TestEscapePath(t *testing.T) {
	if got, _ := escapePath("github.com/BurntSushi/toml"); got != "github.com/!burnt!sushi/toml" {
		t.Errorf("escapePath = %q", got)
	}
}
