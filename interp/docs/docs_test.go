package docs

import (
	"strings"
	"sync"
	"testing"

	"github.com/traefik/yaegi/stdlib"
)

func TestLookup(t *testing.T) {
	// Lookup must use only the embedded data: with GOROOT pointing at an
	// empty directory, nothing else could be read.
	t.Setenv("GOROOT", t.TempDir())
	tests := []struct {
		pkg, name, kind, sig, doc string
	}{
		{"strings", "Split", "func", "func Split(s, sep string) []string", "Split slices s into all substrings separated by sep"},
		{"strings", "Builder.WriteString", "method", "func (b *Builder) WriteString(s string) (int, error)", "WriteString appends"},
		{"sync", "WaitGroup", "type", "type WaitGroup struct", "WaitGroup"},
		{"sync", "WaitGroup.Wait", "method", "func (wg *WaitGroup) Wait()", "blocks"},
		{"math", "Pi", "const", "Pi", ""},
		{"os", "Args", "var", "var Args []string", "Args hold the command-line arguments"},
		{"math/rand/rand", "Intn", "func", "func Intn(n int) int", "Intn returns"},
		{"builtin", "len", "func", "func len(v Type) int", "The len built-in function"},
		{"slices", "Sort", "func", "func Sort[S ~[]E, E cmp.Ordered](x S)", "Sort sorts"},
		{"gonum.org/v1/plot", "New", "func", "func New() *Plot", "New returns"},
		{"gonum.org/v1/plot/plotter", "NewScatter", "func", "func NewScatter(", "NewScatter"},
		{"gonum.org/v1/gonum/mat", "NewDense", "func", "func NewDense(r, c int, data []float64) *Dense", "NewDense creates"},
		{"gonum.org/v1/plot/vg", "Inch", "const", "Inch", ""},
		{"strings", "", "package", "package strings", "Package strings implements"},
		{"github.com/gopar/gopar/parlib", "For", "func", "func For(n int, body func(i int))", "For runs body(i)"},
		{"github.com/gopar/gopar/parlib", "Time", "func", "func Time(f func()) TimeResult", "Time calls f once"},
		{"github.com/gopar/gopar/display", "HTML", "func", "func HTML(s string)", "HTML"},
		// Names of the Go gopar is built with, and generic functions.
		{"strings", "SplitSeq", "func", "func SplitSeq(s, sep string) iter.Seq[string]", "SplitSeq returns an iterator"},
		{"slices", "Sort", "func", "func Sort[S ~[]E, E cmp.Ordered](x S)", "Sort sorts"},
		{"sync", "OnceValue", "func", "func OnceValue[T any](f func() T) func() T", "OnceValue returns"},
	}
	for _, tt := range tests {
		e, ok := Lookup(tt.pkg, tt.name)
		if !ok {
			t.Errorf("Lookup(%q, %q): not found", tt.pkg, tt.name)
			continue
		}
		if e.Kind != tt.kind || !strings.Contains(e.Signature, tt.sig) || !strings.Contains(e.Doc, tt.doc) {
			t.Errorf("Lookup(%q, %q) = %+v; want kind %q, signature containing %q, doc containing %q",
				tt.pkg, tt.name, e, tt.kind, tt.sig, tt.doc)
		}
	}
	// What cells cannot use is not documented (atomic.Pointer is generic).
	for _, miss := range [][2]string{{"strings", "NoSuchName"}, {"no/such/pkg", "X"}, {"sync/atomic", "Pointer"}} {
		if e, ok := Lookup(miss[0], miss[1]); ok {
			t.Errorf("Lookup(%q, %q) = %+v; want not found", miss[0], miss[1], e)
		}
	}
}

func TestPackage(t *testing.T) {
	syn, entries, ok := Package("strings")
	if !ok || !strings.HasPrefix(syn, "Package strings implements") {
		t.Fatalf("Package(strings) = %q, %v", syn, ok)
	}
	names := map[string]bool{}
	for i, e := range entries {
		names[e.Name] = true
		if e.Pkg != "strings" {
			t.Errorf("entry %q has Pkg %q", e.Name, e.Pkg)
		}
		if i > 0 && entries[i-1].Name >= e.Name {
			t.Errorf("entries not sorted: %q before %q", entries[i-1].Name, e.Name)
		}
	}
	for _, n := range []string{"Split", "Builder", "Builder.String", "Reader.Read", "NewReplacer"} {
		if !names[n] {
			t.Errorf("Package(strings) lacks %q", n)
		}
	}
	if _, _, ok := Package("no/such"); ok {
		t.Error("Package(no/such) found")
	}
}

func TestMethods(t *testing.T) {
	ms := Methods("sync", "WaitGroup")
	var got []string
	for _, m := range ms {
		got = append(got, m.Name)
	}
	if s := strings.Join(got, " "); !strings.Contains(s, "WaitGroup.Add WaitGroup.Done") || !strings.Contains(s, "WaitGroup.Wait") {
		t.Errorf("Methods(sync, WaitGroup) = %v", got)
	}
}

func TestEveryYaegiStdlibPackageDocumented(t *testing.T) {
	for key := range stdlib.Symbols {
		if key == "." || strings.HasPrefix(key, "github.com/") {
			continue
		}
		if _, _, ok := Package(key); !ok {
			t.Errorf("package %s (yaegi key %s) has no docs", key[:strings.LastIndex(key, "/")], key)
		}
	}
	for _, p := range []string{"fmt", "sync/atomic", "net/http", "encoding/json", "time", "context", "runtime", "bufio", "sort"} {
		if _, es, ok := Package(p); !ok || len(es) < 3 {
			t.Errorf("Package(%q): ok=%v, %d entries", p, ok, len(es))
		}
	}
}

func BenchmarkLoad(b *testing.B) {
	for range b.N {
		loadOnce = sync.Once{}
		load()
	}
}
