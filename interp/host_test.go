package interp

import (
	"reflect"
	"testing"

	"github.com/gopar/gopar/engine"
)

var _ engine.Engine = (*Engine)(nil)

// TestEngineExportsOnlyTheContract checks that *Engine's exported methods
// are exactly engine.Engine's: magics and completion reach the rest of the
// engine through host.
func TestEngineExportsOnlyTheContract(t *testing.T) {
	contract := reflect.TypeFor[engine.Engine]()
	want := map[string]bool{}
	for i := range contract.NumMethod() {
		want[contract.Method(i).Name] = true
	}
	et := reflect.TypeFor[*Engine]()
	for i := range et.NumMethod() {
		if name := et.Method(i).Name; !want[name] {
			t.Errorf("*Engine exports %s, which engine.Engine does not ask for", name)
		}
	}
	if et.NumMethod() != contract.NumMethod() {
		t.Errorf("*Engine has %d exported methods, engine.Engine %d", et.NumMethod(), contract.NumMethod())
	}
}
