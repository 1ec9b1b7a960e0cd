package interp

import (
	"testing"
)

// TestMethods checks pointer receivers, Stringer and interfaces with the
// engine's late-bound methods.
func TestMethods(t *testing.T) {
	e := newEngine(t)
	r, _ := mustRun(t, e, `type Counter struct{ N int }
func (c *Counter) Inc(by ...int) { for _, b := range by { c.N += b } }
func (c Counter) String() string { return fmt.Sprintf("Counter(%d)", c.N) }
c := &Counter{}
c.Inc(1, 2)
var s fmt.Stringer = *c
s.String()`)
	if r != `"Counter(3)"` {
		t.Fatalf("got %s", r)
	}
	r, _ = mustRun(t, e, "func (c Counter) String() string { return \"v2\" }\nfmt.Sprint(*c)")
	if r != `"v2"` {
		t.Fatalf("redefined String: got %s", r)
	}
}
