package interp

import (
	"context"
	"fmt"
	"log"
	"os"
	"reflect"
	"runtime/pprof"
	"strings"
	"testing"
	"time"

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

// TestBackgroundOutputBudget checks that goroutines started by an earlier
// cell may write at most bgLimit while another cell runs, through each
// print function, followed by one notice naming the cell that started
// them; that goroutines they start count as theirs; and that the running
// cell's own output, and its own goroutines', all come through.
func TestBackgroundOutputBudget(t *testing.T) {
	e := newEngine(t)
	mustRun(t, e, `release := make(chan bool)
bgDone := make(chan bool)
log.SetFlags(0)
go func() {
	<-release
	line := strings.Repeat("b", 99)
	for i := 0; i < 1000; i++ {
		fmt.Println(line)
		fmt.Fprintln(os.Stderr, line)
		log.Print(line)
		println(line)
	}
	done := make(chan bool)
	go func() {
		for i := 0; i < 4000; i++ {
			fmt.Printf("%s\n", line)
		}
		close(done)
	}()
	<-done
	close(bgDone)
}()`)
	first := execCount
	res, out := exec(t, e, `close(release)
for i := 0; i < 3000; i++ {
	fmt.Println("own", i)
}
own := make(chan bool)
go func() {
	for i := 0; i < 3000; i++ {
		fmt.Fprintln(os.Stderr, "mine", i)
	}
	close(own)
}()
<-own
<-bgDone`)
	if res.Err != nil {
		t.Fatal(res.Err.String())
	}
	stdout, stderr := out.text("stdout"), out.text("stderr")
	if n := strings.Count(stdout, "own "); n != 3000 {
		t.Errorf("the cell's own lines: %d of 3000 came through", n)
	}
	if n := strings.Count(stderr, "mine "); n != 3000 {
		t.Errorf("the lines of the cell's own goroutine: %d of 3000 came through", n)
	}
	bg := strings.Count(stdout+stderr, strings.Repeat("b", 99)+"\n")
	if bg*100 > bgLimit || bg*100 < bgLimit/2 {
		t.Errorf("the earlier cell's goroutines wrote %d bytes in this cell, want at most %d and more than half of it", bg*100, bgLimit)
	}
	notice := fmt.Sprintf("[output of goroutines started by In [%d] truncated", first)
	if n := strings.Count(stderr, notice); n != 1 {
		t.Errorf("stderr has %d notices %q, want 1", n, notice)
	}
	// The next cell gives them a new budget (none is left to write).
	if _, out := exec(t, e, "1"); strings.Contains(out.text("stderr"), "truncated") {
		t.Errorf("the notice was repeated: %q", out.text("stderr"))
	}
}

// TestPrintFunctionsKeepMethods checks that the engine's print functions
// call String and Format methods of cell-defined types as fmt's do.
func TestPrintFunctionsKeepMethods(t *testing.T) {
	e := newEngine(t)
	_, stdout := mustRun(t, e, `type pretty struct{}
func (pretty) String() string { return "pretty" }
fmt.Println(pretty{})
fmt.Printf("%v|%s\n", pretty{}, pretty{})
fmt.Print(pretty{}, "\n")
fmt.Fprintln(os.Stdout, pretty{})`)
	if want := "pretty\npretty|pretty\npretty\npretty\n"; stdout != want {
		t.Errorf("stdout %q, want %q", stdout, want)
	}
}

// TestStdoutClose checks that a cell that closes os.Stdout or os.Stderr
// loses only its own later direct writes to them: the capture goes on for
// later cells, compiled code and the print functions, and the pipes stay
// open, so that the end of each cell does not wait out sync's timeout for
// a marker that cannot be written.
func TestStdoutClose(t *testing.T) {
	e := newEngineWith(t, map[string]reflect.Value{"Hello": reflect.ValueOf(func() { fmt.Println("native") })})
	start := time.Now()
	res, out := exec(t, e, "os.Stdout.Close()\nos.Stderr.Close()\n_, err := os.Stdout.WriteString(\"lost\\n\")\nfmt.Println(\"printed\")\nnative.Hello()\nerr != nil")
	if res.Err != nil {
		t.Fatal(res.Err.String())
	}
	if got := resultText(res); got != "true" {
		t.Errorf("writing to the closed os.Stdout: err != nil is %s, want true", got)
	}
	if got := out.text("stdout"); got != "printed\nnative\n" {
		t.Errorf("stdout of the closing cell %q, want %q", got, "printed\nnative\n")
	}
	for _, w := range []*os.File{e.cap.outW, e.cap.errW} {
		if _, err := w.Write(nil); err != nil {
			t.Errorf("the capture's pipe %s was closed: %v", w.Name(), err)
		}
	}
	_, out = exec(t, e, "os.Stdout.WriteString(\"direct\\n\")\nfmt.Fprintln(os.Stderr, \"err\")\nfmt.Println(\"next\")")
	if out.text("stdout") != "direct\nnext\n" || out.text("stderr") != "err\n" {
		t.Errorf("the next cell: stdout %q, stderr %q; want %q, %q", out.text("stdout"), out.text("stderr"), "direct\nnext\n", "err\n")
	}
	t.Logf("the two cells took %v", time.Since(start))
}

// discardOutput is an engine.Output that drops everything.
type discardOutput struct{}

func (discardOutput) Stream(string, string)  {}
func (discardOutput) Display(engine.Display) {}
func (discardOutput) Clear(bool)             {}
func (discardOutput) Input(context.Context, string, bool) (string, error) {
	return "", engine.ErrNoStdin
}

// BenchmarkPrintln measures what the engine's print functions add to a
// fmt.Fprintln (which yaegi's own Println does), writing to /dev/null so
// that the pipe's cost does not hide it: "file" is fmt.Fprintln to the
// file, "attributed" the engine's writer while no goroutine started by a
// cell lives, "attributed-live" while one lives (the writer is then looked
// up), "background" when the writer is a goroutine of an earlier cell
// within its budget.
func BenchmarkPrintln(b *testing.B) {
	e, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	c := e.cap
	null, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		b.Fatal(err)
	}
	defer null.Close()
	w := &attributed{c, func() *os.File { return null }}
	b.Run("file", func(b *testing.B) {
		for range b.N {
			fmt.Fprintln(null, "a line of output")
		}
	})
	b.Run("attributed", func(b *testing.B) {
		for range b.N {
			fmt.Fprintln(w, "a line of output")
		}
	})
	// A goroutine started by a cell lives meanwhile.
	stop, started := make(chan bool), make(chan bool)
	go func() {
		defer c.enter(labelGoroutine, func() int { return 1 })()
		close(started)
		<-stop
	}()
	<-started
	b.Run("attributed-live", func(b *testing.B) {
		for range b.N {
			fmt.Fprintln(w, "a line of output")
		}
	})
	b.Run("background", func(b *testing.B) {
		done := make(chan bool)
		go func() {
			defer close(done)
			defer c.enter(labelGoroutine, func() int { return 1 })()
			c.gen.Add(1) // a later cell runs
			for i := range b.N {
				if i%1000 == 0 {
					c.gen.Add(1) // a new cell: a new budget
				}
				fmt.Fprintln(w, "a line of output")
			}
		}()
		<-done
	})
	close(stop)
}

// TestGoroutineStartedLateKeepsItsCell checks that a goroutine a cell's
// statement started counts as that cell's even when it first runs (and
// registers) after the next cell began.
func TestGoroutineStartedLateKeepsItsCell(t *testing.T) {
	e := newEngine(t)
	c := e.cap
	c.setOutput(discardOutput{}) // In [7] begins
	defer c.setOutput(nil)
	recorded, proceed := make(chan bool), make(chan bool)
	result := make(chan *origin, 1)
	go func() {
		// A goroutine running the cell's statements, labelled as an
		// evaluation is.
		pprof.SetGoroutineLabels(pprof.WithLabels(context.Background(), pprof.Labels(evalLabel, "test")))
		c.started(func() int { return 7 })
		go func() {
			<-proceed
			defer c.enter(labelGoroutine, func() int { return 8 })()
			result <- c.background()
		}()
		close(recorded)
	}()
	<-recorded
	c.setOutput(discardOutput{}) // In [8] begins before the goroutine runs
	close(proceed)
	if o := <-result; o == nil || o.count != 7 {
		t.Errorf("the goroutine started by In [7] counts as %+v, want In [7]'s", o)
	}
}
