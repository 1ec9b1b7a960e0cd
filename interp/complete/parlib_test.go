package complete

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/gopar/gopar/interp/symbols"
)

// goparScope serves gopar's own symbol tables (parlib, display, plot).
type goparScope struct{ fakeScope }

func (goparScope) Packages() map[string]string {
	return map[string]string{
		"parlib":  "github.com/gopar/gopar/parlib",
		"display": "github.com/gopar/gopar/display",
		"plot":    "gonum.org/v1/plot",
		"plotter": "gonum.org/v1/plot/plotter",
	}
}

func (goparScope) Symbols(path string) map[string]reflect.Value {
	return symbols.Symbols[path+"/"+path[strings.LastIndex(path, "/")+1:]]
}

func TestCompleteGoparPackages(t *testing.T) {
	s := goparScope{fakeScope{globals: map[string]Global{}}}
	for _, tt := range []struct {
		code string
		want []string
	}{
		{"parlib.Pr", []string{"Primes", "PrimesCtx"}},
		{"parlib.Fo", []string{"For", "ForChunks"}},
		{"display.HT", []string{"HTML"}},
		{"plotter.NewSc", []string{"NewScatter"}},
	} {
		c := Complete(tt.code, len(tt.code), s)
		for _, w := range tt.want {
			if !slices.Contains(c.Matches, w) {
				t.Errorf("Complete(%q) = %v; want %q", tt.code, c.Matches, w)
			}
		}
	}
	for _, tt := range []struct{ code, want string }{
		{"parlib.For", "func For(n int, body func(i int))"},
		{"plot.New", "func New() *Plot"},
	} {
		in := Inspect(tt.code, len(tt.code), 0, s)
		if !in.Found || !strings.Contains(in.Data["text/plain"].(string), tt.want) {
			t.Errorf("Inspect(%q) = %v; want %q", tt.code, in.Data, tt.want)
		}
	}
}
