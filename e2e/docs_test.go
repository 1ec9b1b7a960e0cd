package e2e

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The README and .ci/run must agree with the tests: CI runs the README's
// test command and installs what the README says the tests need, and that
// is every package requireTools can ask for.

// readmeTestCommand returns the README's test command: the Quickstart's
// `go test` line.
func readmeTestCommand(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, quick, ok := strings.Cut(string(b), "## Quickstart")
	_, block, ok2 := strings.Cut(quick, "```sh\n")
	block, _, ok3 := strings.Cut(block, "```")
	if !ok || !ok2 || !ok3 {
		t.Fatal("README.md has no Quickstart section with a sh block")
	}
	for _, l := range strings.Split(block, "\n") {
		if strings.HasPrefix(l, "go test ") {
			return l
		}
	}
	t.Fatalf("README.md's Quickstart has no go test command:\n%s", block)
	return ""
}

// TestCIRunsTheREADMETestCommand checks that .ci/run runs the README's test
// command as written, with GOPAR_E2E=1 and without GOFLAGS from a go env
// file set before it.
func TestCIRunsTheREADMETestCommand(t *testing.T) {
	want := readmeTestCommand(t)
	b, err := os.ReadFile("../.ci/run")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(b), "\n")
	at := slices.Index(lines, want)
	if at < 0 {
		t.Fatalf(".ci/run has no line %q (the README's test command)", want)
	}
	before := strings.Join(lines[:at], "\n")
	for _, setting := range []string{"export GOPAR_E2E=1", "unset GOFLAGS", "export GOENV=off"} {
		if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(setting) + `$`).MatchString(before) {
			t.Errorf(".ci/run does not %q before running %q", setting, want)
		}
	}
}

// TestToolPackagesInstalled checks that the README's install line and
// .ci/run's install every package requireTools can ask for.
func TestToolPackagesInstalled(t *testing.T) {
	for _, file := range []string{"../README.md", "../.ci/run"} {
		installed := aptInstalled(t, file)
		for _, tl := range allTools {
			if !slices.Contains(installed, tl.pkg) {
				t.Errorf("%s does not install %s (for %s); it installs %q", file, tl.pkg, tl.name, installed)
			}
		}
	}
}

// aptInstallRE matches a command line that installs Debian packages.
var aptInstallRE = regexp.MustCompile(`(?m)^\s*(?:sudo |\$SUDO )?apt-get install -y (.*)$`)

// aptInstalled returns the packages that the `apt-get install -y` commands
// of file install, lines continued with a backslash included.
func aptInstalled(t *testing.T, file string) []string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var pkgs []string
	for _, m := range aptInstallRE.FindAllStringSubmatch(strings.ReplaceAll(string(b), "\\\n", " "), -1) {
		for _, w := range strings.Fields(m[1]) {
			if !strings.HasPrefix(w, "-") {
				pkgs = append(pkgs, w)
			}
		}
	}
	if len(pkgs) == 0 {
		t.Fatalf("%s has no apt-get install -y command", file)
	}
	return pkgs
}
