package interp

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gopar/gopar/engine"
	"github.com/gopar/gopar/engine/proc"
	"github.com/gopar/gopar/interp/native"
)

// The tests of %%native cells and native imports build real plugins and
// load them into the test binary (a development build of gopar, which
// builds plugins against this source tree), in a plugin cache of their
// own. The test binary is also the engine process of TestNativeEngineRestart.

// childEnv marks the test binary run as an engine process.
const childEnv = "GOPAR_INTERP_TEST_ENGINE"

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) == "1" {
		os.Exit(serveChildEngine())
	}
	dir, err := os.MkdirTemp("", "gopar-interp-native-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Setenv("GOPAR_NATIVE_CACHE", dir)
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// serveChildEngine is the engine process of TestNativeEngineRestart.
func serveChildEngine() int {
	ch, err := proc.NewChild()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	e, err := New(Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	native.ExitWhenStuck(500 * time.Millisecond) // before the supervisor's grace (1 s)
	if err := ch.Serve(e); err != nil {
		return 1
	}
	return 0
}

type writerFunc func(p []byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// needNative skips a test where native code cannot be compiled.
func needNative(t *testing.T) *native.Compiler {
	t.Helper()
	if testing.Short() {
		t.Skip("builds plugins")
	}
	c, err := nativeCompiler()
	if err != nil {
		t.Skipf("native code unavailable: %v", err)
	}
	return c
}

const fibCell = "%%native\nfunc fib(n int) int {\n\tif n < 2 {\n\t\treturn n\n\t}\n\treturn fib(n-1) + fib(n-2)\n}\n"

func TestNativeCellCalledFromInterpretedCells(t *testing.T) {
	needNative(t)
	e := newEngine(t)
	res, _ := exec(t, e, fibCell)
	if res.Err != nil {
		t.Fatal(res.Err.String())
	}
	if res.Restore != fibCell {
		t.Errorf("Restore = %q; want the cell as typed", res.Restore)
	}
	if r, _ := mustRun(t, e, "fib(25)"); r != "75025" {
		t.Errorf("fib(25) = %s", r)
	}
	// Interpreted code calls it too, and sees a redefinition.
	mustRun(t, e, "func twice(n int) int { return 2 * fib(n) }")
	if r, _ := mustRun(t, e, "twice(10)"); r != "110" {
		t.Errorf("twice(10) = %s", r)
	}
	mustRun(t, e, "%%native\nfunc fib(n int) int { return -n }")
	if r, _ := mustRun(t, e, "twice(10)"); r != "-20" {
		t.Errorf("after a native redefinition, twice(10) = %s; want -20", r)
	}
	mustRun(t, e, "func fib(n int) int { return 1000 + n }")
	if r, _ := mustRun(t, e, "twice(1)"); r != "2002" {
		t.Errorf("after an interpreted redefinition, twice(1) = %s; want 2002", r)
	}
	mustRun(t, e, fibCell)
	if r, _ := mustRun(t, e, "twice(10)"); r != "110" {
		t.Errorf("after the native cell again, twice(10) = %s; want 110", r)
	}
}

func TestNativeCellSharesMemory(t *testing.T) {
	needNative(t)
	e := newEngine(t)
	mustRun(t, e, "%%native\n// Scale multiplies xs by k, in place.\nfunc Scale(xs []float64, k float64) {\n\tfor i := range xs {\n\t\txs[i] *= k\n\t}\n}\n\nvar calls int\n\nfunc Count() { calls++ }\n")
	if r, _ := mustRun(t, e, "xs := []float64{1, 2, 3}\nys := xs[1:]\nScale(ys, 10)\nxs"); r != "[1 20 30]" {
		t.Errorf("xs after Scale(xs[1:], 10) = %s; want [1 20 30]: the slice was copied", r)
	}
	if r, _ := mustRun(t, e, "Count()\nCount()\ncalls"); r != "2" {
		t.Errorf("calls = %s after two Counts; want 2, the compiled variable", r)
	}
}

func TestNativeCellTypesConstantsAndMethods(t *testing.T) {
	needNative(t)
	e := newEngine(t)
	mustRun(t, e, "%%native\ntype Point struct{ X, Y float64 }\n\nfunc (p Point) Norm2() float64 { return p.X*p.X + p.Y*p.Y }\n\nconst Scale = 10\n\nfunc Scaled(p Point) Point { return Point{Scale * p.X, Scale * p.Y} }\n")
	if r, _ := mustRun(t, e, "p := Scaled(Point{1, 2})\np.Norm2() + Scale"); r != "510" {
		t.Errorf("Scaled(Point{1, 2}).Norm2() + Scale = %s; want 510", r)
	}
	// A later native cell uses the earlier one's type: values pass between
	// them and the interpreter.
	mustRun(t, e, "%%native\nfunc Mid(a, b Point) Point { return Point{(a.X + b.X) / 2, (a.Y + b.Y) / 2} }\n")
	if r, _ := mustRun(t, e, "Mid(p, Point{30, 40})"); r != "{X:20 Y:30}" {
		t.Errorf("Mid = %s", r)
	}
	// %reset forgets native names too.
	mustRun(t, e, "%reset")
	res, _ := exec(t, e, "%%native\nfunc Again(a Point) float64 { return a.X }\n")
	if res.Err == nil || !strings.Contains(res.Err.Value, "undefined: Point") {
		t.Errorf("after %%reset, a native cell using Point: %+v; want undefined: Point", res.Err)
	}
}

// TestNativeCellRerunKeepsItsTypes checks that running a native cell again
// with changed functions keeps its types: values that interpreted cells
// hold fit the new functions. A changed type is refused, with advice.
func TestNativeCellRerunKeepsItsTypes(t *testing.T) {
	needNative(t)
	e := newEngine(t)
	cell := func(version string) string {
		return "%%native\ntype Point struct{ X, Y float64 }\n\nfunc (p Point) Norm2() float64 { return p.X*p.X + p.Y*p.Y }\n\n" +
			"func Describe(p Point) string { return fmt.Sprint(\"" + version + " \", p.Norm2()) }\n"
	}
	mustRun(t, e, cell("v1"))
	if r, _ := mustRun(t, e, "p := Point{3, 4}\nDescribe(p)"); r != `"v1 25"` {
		t.Fatalf("Describe(p) = %s", r)
	}
	mustRun(t, e, cell("v2"))
	if r, _ := mustRun(t, e, "Describe(p)"); r != `"v2 25"` {
		t.Errorf("after the cell ran again with a new Describe, Describe(p) = %s; want \"v2 25\"", r)
	}
	res, _ := exec(t, e, "%%native\ntype Point struct{ X, Y, Z float64 }\n\nfunc Describe(p Point) string { return \"v3\" }\n")
	if res.Err == nil || !strings.Contains(res.Err.String(), "%reset") {
		t.Errorf("a changed type: %+v; want an error that advises %%reset", res.Err)
	}
}

func TestNativeCompileErrorPointsAtTheCell(t *testing.T) {
	needNative(t)
	e := newEngine(t)
	res, _ := exec(t, e, "%%native\nfunc bad() int {\n\treturn undefinedThing\n}\n\nfunc worse() string { return 1 }\n")
	if res.Err == nil || res.Err.Kind != engine.CompileError {
		t.Fatalf("want a CompileError, got %+v", res.Err)
	}
	want := []string{
		fmt.Sprintf("In [%d] line 3:9: undefined: undefinedThing", execCount),
		"    \treturn undefinedThing",
		"    \t       ^",
		fmt.Sprintf("In [%d] line 6:30: cannot use 1 (untyped int constant) as string value in return statement", execCount),
		"    func worse() string { return 1 }",
		"                                 ^",
	}
	if got := strings.Join(res.Err.Traceback, "\n"); got != strings.Join(want, "\n") {
		t.Errorf("traceback:\n%s\nwant:\n%s", got, strings.Join(want, "\n"))
	}
	// A statement is no declaration.
	res, _ = exec(t, e, "%%native\nx := 1\n")
	if res.Err == nil || !strings.Contains(res.Err.Traceback[0], "line 2:1: a %%native cell holds declarations only") {
		t.Errorf("a statement in a native cell: %+v", res.Err)
	}
}

func TestNativeCellUsesParlibDisplayAndGoroutines(t *testing.T) {
	needNative(t)
	e := newEngine(t)
	mustRun(t, e, `%%native
// Series sums 1/k over [1, n] on workers goroutines.
func Series(n, workers int) float64 {
	sums := make([]float64, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for k := w + 1; k <= n; k += workers {
				sums[w] += 1 / float64(k)
			}
		}()
	}
	wg.Wait()
	s := 0.0
	for _, x := range sums {
		s += x
	}
	return s
}

func Report(n int) float64 {
	s := parlib.TrigSeries(n, 2)
	display.Markdown(fmt.Sprintf("**%d terms**", n))
	return s
}
`)
	if r, _ := mustRun(t, e, "math.Abs(Series(1000, 4) - Series(1000, 1)) < 1e-12 && Series(1000, 3) > 7.48"); r != "true" {
		t.Errorf("Series on goroutines disagrees with 1 goroutine: %s", r)
	}
	res, out := exec(t, e, "Report(1000) == parlib.TrigSeries(1000, 1)")
	if res.Err != nil || resultText(res) != "true" {
		t.Errorf("Report: %s %v", resultText(res), res.Err)
	}
	if len(out.displays) != 1 || out.displays[0].Data["text/markdown"] != "**1000 terms**" {
		t.Errorf("displays %+v; want the markdown the native code showed", out.displays)
	}
}

// TestNativeLoopInterrupted checks that a compiled loop that calls
// parlib.CheckCanceled stops on an interrupt, and the cell says so.
func TestNativeLoopInterrupted(t *testing.T) {
	needNative(t)
	e := newEngine(t)
	mustRun(t, e, "%%native\nfunc Spin() int {\n\tfmt.Println(\"READY\")\n\tn := 0\n\tfor {\n\t\tif n%4096 == 0 {\n\t\t\tparlib.CheckCanceled()\n\t\t}\n\t\tn++\n\t}\n}\n")
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan struct{})
	out := &testOutput{ready: ready}
	done := make(chan engine.ExecuteResult, 1)
	go func() { done <- e.Execute(ctx, engine.ExecuteRequest{Code: "Spin()"}, out) }()
	<-ready
	start := time.Now()
	cancel()
	select {
	case res := <-done:
		if res.Err == nil || res.Err.Kind != engine.Interrupt {
			t.Errorf("want Interrupt, got %+v", res.Err)
		}
		if d := time.Since(start); d > time.Second {
			t.Errorf("the interrupt took %v", d)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the native loop was not interrupted")
	}
	if r, _ := mustRun(t, e, "1 + 1"); r != "2" {
		t.Errorf("after the interrupt: %s", r)
	}
}

// TestNativeRestoreLoadsTheCachedPlugin checks that a fresh engine, given
// the Restore of a native cell, has its functions again without building.
func TestNativeRestoreLoadsTheCachedPlugin(t *testing.T) {
	c := needNative(t)
	e := newEngine(t)
	res, _ := exec(t, e, "%%native\nfunc restored(n int) int { return n * 7 }\n")
	if res.Err != nil {
		t.Fatal(res.Err.String())
	}
	plugins := func() int {
		m, _ := filepath.Glob(filepath.Join(c.Dir(), "plugins", "*.so"))
		return len(m)
	}
	n := plugins()
	e2 := newEngine(t)
	out := &testOutput{}
	r := e2.Execute(context.Background(), engine.ExecuteRequest{Code: res.Restore, Silent: true, ExecutionCount: 3}, out)
	if r.Err != nil {
		t.Fatal(r.Err.String())
	}
	if got, _ := mustRun(t, e2, "restored(6)"); got != "42" {
		t.Errorf("restored(6) = %s", got)
	}
	if plugins() != n {
		t.Errorf("%d plugins, then %d: the restore built again", n, plugins())
	}
}

// TestNativeUnavailableRunsInterpreted checks that where plugins cannot
// be built, %%native cells run interpreted, and the first says why.
func TestNativeUnavailableRunsInterpreted(t *testing.T) {
	old := nativeCompiler
	nativeCompiler = func() (*native.Compiler, error) {
		return nil, errors.New("gopar was built without cgo (test)")
	}
	nativeToldUnavailable.Store(false)
	t.Cleanup(func() { nativeCompiler = old })
	e := newEngine(t)
	for i, want := range []string{"note: %%native cells run interpreted here: gopar was built without cgo (test)\n", ""} {
		res, out := exec(t, e, fmt.Sprintf("%%%%native\nfunc f%d(n int) int { return n + %d }\n", i, i))
		if res.Err != nil {
			t.Fatal(res.Err.String())
		}
		if got := out.text("stderr"); got != want {
			t.Errorf("cell %d: stderr %q; want %q", i, got, want)
		}
		if !strings.HasPrefix(res.Restore, "%%native\n") {
			t.Errorf("Restore = %q", res.Restore)
		}
	}
	if r, _ := mustRun(t, e, "f0(1) + f1(1)"); r != "3" {
		t.Errorf("f0(1) + f1(1) = %s", r)
	}
	res, _ := exec(t, e, "import \"github.com/montanaflynn/stats\"")
	if res.Err == nil || res.Err.Kind != engine.ImportError || !strings.Contains(res.Err.Value, "gopar was built without cgo (test)") {
		t.Errorf("an import without native code: %+v", res.Err)
	}
}

// TestImportModule fetches a module through the Go proxy and calls it.
func TestImportModule(t *testing.T) {
	needNative(t)
	e := newEngine(t)
	if res, out := exec(t, e, "%go get github.com/montanaflynn/stats@v0.14.0"); res.Err != nil {
		t.Skipf("the Go proxy is unreachable here: %s\n%s", res.Err, out.text("stderr"))
	}
	res, _ := exec(t, e, "import \"github.com/montanaflynn/stats\"\n\nm, err := stats.Mean([]float64{1, 2, 6})\nfmt.Sprint(m, err)")
	if res.Err != nil || resultText(res) != `"3 <nil>"` {
		t.Errorf("stats.Mean: %s %v", resultText(res), res.Err)
	}
	if r, _ := mustRun(t, e, "md, _ := stats.Median(stats.Float64Data{5, 1, 3})\nmd"); r != "3" {
		t.Errorf("stats.Median = %s", r)
	}
	// A native cell uses it too.
	mustRun(t, e, "%%native\nfunc Spread(xs []float64) float64 {\n\ts, _ := stats.StandardDeviation(xs)\n\treturn s\n}\n")
	if r, _ := mustRun(t, e, "Spread([]float64{2, 4, 4, 4, 5, 5, 7, 9})"); r != "2" {
		t.Errorf("Spread = %s", r)
	}
}

func TestImportMissingModule(t *testing.T) {
	needNative(t)
	e := newEngine(t)
	res, _ := exec(t, e, "x := 1\nimport \"github.com/gopar/no-such-module-for-tests/pkg\"")
	if res.Err == nil || res.Err.Kind != engine.ImportError {
		t.Fatalf("want an ImportError, got %+v", res.Err)
	}
	if !strings.Contains(res.Err.Traceback[0], fmt.Sprintf("In [%d] line 2:8: cannot import \"github.com/gopar/no-such-module-for-tests/pkg\": ", execCount)) ||
		!(strings.Contains(res.Err.Value, "no module provides it") || strings.Contains(res.Err.Value, "unreachable")) {
		t.Errorf("error %q\n%s", res.Err.Value, res.Err.String())
	}
}

// TestNativeEngineRestart runs the engine in a supervised process (the
// test binary): a compiled loop that never polls for an interrupt makes the
// supervisor kill the engine after the grace period, and the restarted
// engine has the native cell's functions again, from the plugin cache.
func TestNativeEngineRestart(t *testing.T) {
	needNative(t)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var log strings.Builder
	var logMu sync.Mutex
	eng := proc.Start(proc.Config{
		Log:            writerFunc(func(p []byte) (int, error) { logMu.Lock(); defer logMu.Unlock(); return log.Write(p) }),
		Command:        []string{exe, "-test.run=^$"},
		Env:            append(os.Environ(), childEnv+"=1"),
		Info:           Info(),
		InterruptGrace: time.Second,
	})
	defer eng.Close()
	run := func(ctx context.Context, code string, out *testOutput) engine.ExecuteResult {
		execCount++
		return eng.Execute(ctx, engine.ExecuteRequest{Code: code, ExecutionCount: execCount}, out)
	}
	if res := run(context.Background(), fibCell+"\nvar sink int\n\nfunc Forever() {\n\tfmt.Println(\"READY\")\n\tfor {\n\t\tsink++\n\t}\n}\n", &testOutput{}); res.Err != nil {
		t.Fatal(res.Err.String())
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan struct{})
	out := &testOutput{ready: ready}
	done := make(chan engine.ExecuteResult, 1)
	go func() { done <- run(ctx, "Forever()", out) }()
	<-ready
	cancel()
	select {
	case res := <-done:
		// The interrupted cell waits for the native call: the engine
		// ends itself half a second after the interrupt, and the crash is
		// this cell's error, not a later cell's.
		if res.Err == nil || res.Err.Kind != engine.EngineCrashed || !strings.Contains(res.Err.String(), "ignored the interrupt") {
			t.Fatalf("the interrupted Forever(): %v; want EngineCrashed saying the compiled code ignored the interrupt", res.Err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("no answer 60 s after the interrupt")
	}
	// The engine was restarted, with the definitions: the next cell runs
	// in the new engine.
	start := time.Now()
	out = &testOutput{}
	if r := run(context.Background(), "fib(20)", out); r.Err != nil || resultText(r) != "6765" {
		t.Fatalf("after the restart, fib(20): %s %v\nstderr: %s", resultText(r), r.Err, out.text("stderr"))
	}
	t.Logf("the restarted engine answered in %v", time.Since(start))
	logMu.Lock()
	t.Logf("supervisor's log:\n%s", log.String())
	logMu.Unlock()
}
