package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"slices"
	"strings"
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
	def := nbrun.KernelSpec{Name: install.DefaultName, DisplayName: install.DefaultDisplayName, Language: "go"}
	if got := installedKernel(exe); got != def {
		t.Errorf("installedKernel(a binary not installed) = %+v, want the default %+v", got, def)
	}
	if got := installedKernel(""); got != def {
		t.Errorf("installedKernel(\"\") = %+v, want the default %+v", got, def)
	}
}

// goparRun calls run in this process and returns its stdout, stderr and exit
// status.
func goparRun(args ...string) (stdout, stderr string, status int) {
	var o, e bytes.Buffer
	status = run(args, &o, &e)
	return o.String(), e.String(), status
}

// TestUsageListsCommands checks that gopar's usage, asked for or given for
// a missing command, shows every command of the table with its synopsis
// and short description, in the table's order, except the hidden
// (internal) ones, which it does not mention.
func TestUsageListsCommands(t *testing.T) {
	check := func(what, usage string) {
		t.Helper()
		at := 0
		for _, c := range commands {
			if c.hidden {
				if strings.Contains(usage, "gopar "+c.name()) {
					t.Errorf("%s: the internal command %s is listed:\n%s", what, c.name(), usage)
				}
				continue
			}
			i := strings.Index(usage[at:], "\n  "+c.synopsis)
			if i < 0 {
				t.Errorf("%s: %q missing or out of order in:\n%s", what, c.synopsis, usage)
				continue
			}
			at += i + len("\n  "+c.synopsis)
			// The description follows, on the same line or the next.
			desc := usage[at:]
			if j := strings.Index(desc, "\n  gopar "); j >= 0 {
				desc = desc[:j]
			}
			if j := strings.Index(desc, "\n\n"); j >= 0 {
				desc = desc[:j]
			}
			if strings.TrimSpace(desc) != c.short {
				t.Errorf("%s: %s is described as %q, want %q", what, c.name(), strings.TrimSpace(desc), c.short)
			}
		}
	}
	for _, args := range [][]string{{"help"}, {"--help"}, {"-h"}, {"-help"}, {"help", "help"}} {
		out, errOut, status := goparRun(args...)
		if status != 0 || errOut != "" {
			t.Errorf("gopar %q: status %d, stderr %q; want 0 and nothing", args, status, errOut)
		}
		check(strings.Join(args, " "), out)
	}
	out, errOut, status := goparRun()
	if status != 2 || out != "" {
		t.Errorf("gopar: status %d, stdout %q; want 2 and nothing", status, out)
	}
	check("gopar", errOut)
}

// TestCommandHelp checks that `gopar help CMD`, `gopar CMD --help` and
// `gopar CMD -h` print the same help on stdout, made of the command's
// synopsis, description and flags, and exit with status 0.
func TestCommandHelp(t *testing.T) {
	for _, c := range commands {
		want, _, _ := goparRun("help", c.name())
		if !strings.HasPrefix(want, "Usage: "+c.synopsis+"\n\n"+c.long+"\n") {
			t.Errorf("gopar help %s does not start with the synopsis and the description:\n%s", c.name(), want)
		}
		fs, _ := c.flagSet(new(bytes.Buffer))
		fs.VisitAll(func(f *flag.Flag) {
			if !strings.Contains(want, "\n  -"+f.Name) {
				t.Errorf("gopar help %s does not list -%s:\n%s", c.name(), f.Name, want)
			}
		})
		for _, name := range append([]string{c.name()}, c.aliases...) {
			for _, h := range []string{"--help", "-h", "-help"} {
				out, errOut, status := goparRun(name, h)
				if status != 0 || out != want || errOut != "" {
					t.Errorf("gopar %s %s: status %d, stdout %q, stderr %q; want 0 and the output of gopar help %s", name, h, status, out, errOut, c.name())
				}
			}
		}
	}
}

func TestUnknownCommand(t *testing.T) {
	for _, args := range [][]string{{"frobnicate"}, {"help", "frobnicate"}, {"Run"}} {
		out, errOut, status := goparRun(args...)
		name := args[len(args)-1]
		if status != 2 || out != "" || !strings.HasPrefix(errOut, "gopar: unknown command \""+name+"\"\n") || !strings.Contains(errOut, commands[0].synopsis) {
			t.Errorf("gopar %q: status %d, stdout %q, stderr %q; want 2, the unknown command and the usage", args, status, out, errOut)
		}
	}
}

func TestVersion(t *testing.T) {
	want := versionString() + "\n"
	if !strings.HasPrefix(want, "gopar ") {
		t.Errorf("versionString() = %q", want)
	}
	for _, v := range []string{"version", "--version", "-version"} {
		if out, errOut, status := goparRun(v); status != 0 || out != want || errOut != "" {
			t.Errorf("gopar %s: status %d, stdout %q, stderr %q; want 0 and %q", v, status, out, errOut, want)
		}
	}
}

// TestCommandErrors checks each command's usage errors (status 2) and
// failures (status 1) that come before anything starts, and that flags may
// follow positional arguments.
func TestCommandErrors(t *testing.T) {
	tmp := t.TempDir()
	nosuch := filepath.Join(tmp, "nosuch.ipynb")
	for _, tc := range []struct {
		args   []string
		status int
		stderr []string // what stderr must contain
	}{
		{[]string{"kernel"}, 2, []string{"gopar kernel: missing --connection-file FILE\n"}},
		{[]string{"kernel", "x"}, 2, []string{`gopar kernel: unexpected argument "x"`}},
		{[]string{"kernel", "-f", filepath.Join(tmp, "conn.json")}, 1, []string{"gopar kernel: connection file " + filepath.Join(tmp, "conn.json") + ": "}},
		{[]string{"kernel", "--connection-file"}, 2, []string{"flag needs an argument", "Usage: gopar kernel"}},
		{[]string{"install", "--user", "--prefix", tmp}, 2, []string{"gopar install: use only one of --user, --sys-prefix and --prefix"}},
		{[]string{"install", "x"}, 2, []string{`gopar install: unexpected argument "x"`}},
		{[]string{"install", "--prefix", tmp, "--name", "bad name"}, 1, []string{"gopar install: invalid kernel name"}},
		{[]string{"uninstall", "--prefix", tmp, "--name", "nope"}, 1, []string{`gopar uninstall: kernel "nope" is not installed`}},
		{[]string{"uninstall", "--sys-prefix", "--prefix", tmp}, 2, []string{"use only one of"}},
		{[]string{"run"}, 2, []string{"gopar run: need exactly one NOTEBOOK.ipynb\nUsage: gopar run "}},
		{[]string{"run", "a.ipynb", "b.ipynb"}, 2, []string{"need exactly one"}},
		{[]string{"run", "a.ipynb", "-o", "x.ipynb", "--inplace"}, 2, []string{"gopar run: use -o or --inplace, not both"}},
		{[]string{"run", "--nosuch", "a.ipynb"}, 2, []string{"flag provided but not defined: -nosuch\nUsage: gopar run "}},
		{[]string{"run", "--timeout", "soon", "a.ipynb"}, 2, []string{`invalid value "soon" for flag -timeout`}},
		{[]string{"run", nosuch}, 1, []string{"gopar run: ", nosuch}},
		// Flags after the notebook, and "--" before one that looks like a flag.
		{[]string{"run", nosuch, "-q", "--timeout", "1m"}, 1, []string{"gopar run: ", nosuch}},
		{[]string{"run", "-q", "--", "-nosuch.ipynb"}, 1, []string{"gopar run: open -nosuch.ipynb: "}},
		{[]string{"run", "--", "-a.ipynb", "-q"}, 2, []string{"need exactly one"}},
		{[]string{"version", "x"}, 2, []string{`gopar version: unexpected argument "x"`}},
	} {
		out, errOut, status := goparRun(tc.args...)
		if status != tc.status || out != "" {
			t.Errorf("gopar %q: status %d, stdout %q; want %d and nothing", tc.args, status, out, tc.status)
		}
		for _, want := range tc.stderr {
			if !strings.Contains(errOut, want) {
				t.Errorf("gopar %q: stderr lacks %q:\n%s", tc.args, want, errOut)
			}
		}
	}
}

// TestInstallCommand installs this test binary with gopar install and
// removes it with gopar uninstall.
func TestInstallCommand(t *testing.T) {
	prefix := t.TempDir()
	out, errOut, status := goparRun("install", "--name", "Gopar-Test", "--prefix", prefix, "--display-name", "Go test")
	dir := filepath.Join(prefix, "share", "jupyter", "kernels", "gopar-test")
	if status != 0 || out != "Installed kernelspec gopar-test in "+dir+"\nJupyter finds it when JUPYTER_PATH includes "+filepath.Join(prefix, "share", "jupyter")+"\n" {
		t.Fatalf("gopar install: status %d, stdout %q, stderr %q", status, out, errOut)
	}
	var spec install.KernelSpec
	if b, err := os.ReadFile(filepath.Join(dir, "kernel.json")); err != nil || json.Unmarshal(b, &spec) != nil || spec.DisplayName != "Go test" {
		t.Errorf("kernel.json: %v %+v", err, spec)
	}
	out, errOut, status = goparRun("uninstall", "--prefix", prefix, "--name", "gopar-test")
	if status != 0 || out != "Removed kernelspec gopar-test from "+dir+"\n" {
		t.Errorf("gopar uninstall: status %d, stdout %q, stderr %q", status, out, errOut)
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s after uninstall: %v", dir, err)
	}
}

func TestParseArgs(t *testing.T) {
	for _, tc := range []struct {
		args []string
		pos  []string
		x    string
		b    bool
	}{
		{[]string{"a", "-x", "1", "b"}, []string{"a", "b"}, "1", false},
		{[]string{"-x=1", "-b", "a"}, []string{"a"}, "1", true},
		{[]string{"a", "--x", "1", "-b"}, []string{"a"}, "1", true},
		{[]string{"--", "-b", "-x", "1"}, []string{"-b", "-x", "1"}, "", false},
		{[]string{"a", "--", "-b", "--"}, []string{"a", "-b", "--"}, "", false},
		{[]string{"-b", "--", "a", "-x", "1"}, []string{"a", "-x", "1"}, "", true},
		{[]string{"-x", "--", "a", "-b"}, []string{"a"}, "--", true},
		{[]string{"-", "-b"}, []string{"-"}, "", true},
		{nil, nil, "", false},
	} {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		x := fs.String("x", "", "")
		b := fs.Bool("b", false, "")
		pos, err := parseArgs(fs, tc.args)
		if err != nil || !slices.Equal(pos, tc.pos) || *x != tc.x || *b != tc.b {
			t.Errorf("parseArgs(%q) = %q, %v with -x %q -b %v; want %q with -x %q -b %v", tc.args, pos, err, *x, *b, tc.pos, tc.x, tc.b)
		}
	}
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	fs.SetOutput(new(bytes.Buffer))
	if _, err := parseArgs(fs, []string{"a", "-h"}); !errors.Is(err, flag.ErrHelp) {
		t.Errorf("parseArgs(-h) = %v, want flag.ErrHelp", err)
	}
	if _, err := parseArgs(fs, []string{"a", "-nosuch"}); err == nil {
		t.Error("parseArgs(-nosuch) = nil error")
	}
}

// TestDocListsCommands checks that the package documentation mentions
// every command of the table.
func TestDocListsCommands(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "main.go", nil, parser.PackageClauseOnly|parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	doc := f.Doc.Text()
	for _, c := range commands {
		if !strings.Contains(doc, "gopar "+c.name()+" ") {
			t.Errorf("the package documentation does not mention gopar %s:\n%s", c.name(), doc)
		}
	}
}
