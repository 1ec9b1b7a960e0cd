package interp

import (
	"context"
	"fmt"
	"log"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/gopar/gopar/engine"
)

// TestStreams checks that stdout and stderr are kept apart and in order,
// from interpreted and compiled code, and that output of a goroutine that
// outlives its cell goes to the cell running at the time.
func TestStreams(t *testing.T) {
	e := newEngine(t)
	res, out := exec(t, e, `fmt.Println("a")
println("b")
fmt.Fprintln(os.Stderr, "c")
os.Stdout.WriteString("d\n")
log.SetFlags(0)
log.Print("e")
for i := range 3 { fmt.Print(i) }
fmt.Println()
print("f\n")`)
	if res.Err != nil {
		t.Fatal(res.Err.String())
	}
	if got := out.text("stdout"); got != "a\nd\n012\n" {
		t.Errorf("stdout %q", got)
	}
	if got := out.text("stderr"); got != "b\nc\ne\nf\n" {
		t.Errorf("stderr %q", got)
	}
	// Many lines from goroutines: none lost.
	_, out = exec(t, e, "var wg sync.WaitGroup\nfor g := range 4 { wg.Add(1); go func() { defer wg.Done(); for i := range 250 { fmt.Println(g, i) } }() }\nwg.Wait()")
	if n := strings.Count(out.text("stdout"), "\n"); n != 1000 {
		t.Errorf("got %d lines of goroutine output, want 1000", n)
	}
	// A goroutine that prints after its cell ended.
	mustRun(t, e, "later := make(chan bool)\nprinted := make(chan bool)\ngo func() { <-later; fmt.Println(\"late line\"); close(printed) }()")
	_, out2 := exec(t, e, "close(later)\n<-printed")
	if !strings.Contains(out2.text("stdout"), "late line") {
		t.Errorf("late output went elsewhere: %q", out2.text("stdout"))
	}
}

// TestNativeOutput checks that output of compiled code (here a package given
// through Options.Symbols) reaches the cell's streams.
func TestNativeOutput(t *testing.T) {
	e, err := New(Options{Symbols: map[string]map[string]reflect.Value{
		"gopar.test/native/native": {"Hello": reflect.ValueOf(func() {
			fmt.Println("native out")
			fmt.Fprintln(os.Stderr, "native err")
			log.Print("native log")
		})},
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	out := &testOutput{}
	if res := e.Execute(context.Background(), engine.ExecuteRequest{Code: "native.Hello()"}, out); res.Err != nil {
		t.Fatal(res.Err.String())
	}
	if out.text("stdout") != "native out\n" || !strings.Contains(out.text("stderr"), "native err\n") ||
		!strings.Contains(out.text("stderr"), "native log") {
		t.Fatalf("stdout %q stderr %q", out.text("stdout"), out.text("stderr"))
	}
}

// TestYaegiNilTypeLogIsDropped checks that the line yaegi logs through the
// standard logger before it panics with "nil type" does not reach the
// cell's stderr: the panic is reported as the cell's error.
func TestYaegiNilTypeLogIsDropped(t *testing.T) {
	e := newEngine(t)
	mustRun(t, e, "func upTo(n int) func(func(int) bool) { return func(yield func(int) bool) { for i := range n { if !yield(i) { return } } } }")
	res, out := exec(t, e, "func jump() int {\nfor v := range upTo(3) { if v == 1 { goto out } }\nout:\nreturn 1 }")
	if res.Err == nil || res.Err.Kind != engine.Unsupported {
		t.Fatalf("want UnsupportedError, got %+v", res.Err)
	}
	if s := out.text("stderr"); strings.Contains(s, "nil type") {
		t.Errorf("yaegi's log line reached stderr: %q", s)
	}
}
