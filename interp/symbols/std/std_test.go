package std

import (
	"path"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/traefik/yaegi/stdlib"
	"github.com/traefik/yaegi/stdlib/syscall"

	"github.com/gopar/gopar/interp/gostd"
	"github.com/gopar/gopar/interp/internal/stdapi"
)

// majorVersion matches the last element of a path that is a major
// version (math/rand/v2), not the package's name.
var majorVersion = regexp.MustCompile(`^v[0-9]+$`)

// yaegiSyscallExcluded are the names yaegi's restricted syscall table
// leaves out.
var yaegiSyscallExcluded = regexp.MustCompile(`^Exec|Exit|ForkExec|Kill|Ptrace|Reboot|Shutdown|StartProcess|Syscall`)

// TestTablesAreComplete checks, against the sources of the Go that runs
// it, that cells can use every exported name of every package of the
// standard library: from yaegi's tables or these, from gopar's Go-source
// packages (interp/gostd), as a single instance (Instances), or else it is
// on a list that says why not (Excluded, SyscallExcluded, Unsupported).
// With a new Go, it fails until `go generate ./interp/symbols/std/`.
func TestTablesAreComplete(t *testing.T) {
	pkgs, err := stdapi.Packages()
	if err != nil {
		t.Skipf("go list std: %v", err)
	}
	source := map[string]bool{}
	for name := range gostd.Funcs() {
		source[name] = true
	}
	for _, name := range gostd.Types() {
		source[name] = true
	}
	for name := range gostd.Complements() {
		source[name] = true
	}
	for _, p := range pkgs {
		if _, ok := Excluded[p]; ok {
			continue
		}
		key := p + "/" + path.Base(p)
		if majorVersion.MatchString(path.Base(p)) {
			key = p + "/" + path.Base(path.Dir(p))
		}
		have := func(name string) bool {
			for _, t := range []map[string]map[string]reflect.Value{stdlib.Symbols, Symbols, Instances, syscall.Symbols} {
				if _, ok := t[key][name]; ok {
					return true
				}
			}
			return false
		}
		if stdlib.Symbols[key] == nil && Symbols[key] == nil && syscall.Symbols[key] == nil {
			t.Errorf("package %s has no symbol table: run go generate ./interp/symbols/std/", p)
			continue
		}
		names, err := stdapi.Exported(p)
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		for _, n := range names {
			full := p + "." + n.Name
			switch {
			case source[full], have(n.Name):
			case n.Generic:
				if Unsupported[full] == "" {
					t.Errorf("%s is generic: give it a Go-source version (interp/gostd), an instance (Instances), or say why not (Unsupported)", full)
				}
			case p == "syscall" && (yaegiSyscallExcluded.MatchString(n.Name) || SyscallExcluded[n.Name] != ""):
			default:
				t.Errorf("%s is missing from the symbol tables: run go generate ./interp/symbols/std/", full)
			}
		}
	}
}

// TestListsNameWhatExists checks that the lists of exclusions and
// instances name packages and names of this Go.
func TestListsNameWhatExists(t *testing.T) {
	pkgs, err := stdapi.Packages()
	if err != nil {
		t.Skipf("go list std: %v", err)
	}
	for p := range Excluded {
		if !slices.Contains(pkgs, p) {
			t.Errorf("Excluded: no package %s", p)
		}
	}
	for full := range Unsupported {
		i := strings.LastIndex(full, ".")
		names, err := stdapi.Exported(full[:i])
		if err != nil || !slices.ContainsFunc(names, func(n stdapi.Name) bool { return n.Name == full[i+1:] && n.Generic }) {
			t.Errorf("Unsupported: %s is no generic name of this Go (%v)", full, err)
		}
	}
}
