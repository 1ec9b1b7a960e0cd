package interp

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/gopar/gopar/engine"
	"github.com/gopar/gopar/parlib"
)

// Benchmarks of native cells, each a ratio measured in one run, the two
// sides alternating so that both see the same machine load (the minimum of
// the runs of each side):
//
//	go test -run '^$' -bench 'Native' -benchtime 10x ./interp/
//
// NativeFib: fib(30) defined in a %%native cell and called from an
// interpreted cell, against the same function compiled into the test
// binary (see below). NativeSeries: the slow series (1/k for k
// without a digit 9) over 10^8 terms written by hand in a %%native cell,
// against parlib.SlowSeries, both called from cells: on 1 thread
// (native/parlib), and the hand-written one on 2 goroutines against 1
// (speedup-2), beside parlib's own (parlib-speedup-2: on a machine that
// others use, 2 threads may not get 2 cores). NativeCompile: the latency of a new 20-line %%native cell,
// from Execute to its result (median and first, in ms).

func fibCompiled(n int) int {
	if n < 2 {
		return n
	}
	return fibCompiled(n-1) + fibCompiled(n-2)
}

// benchEngine is an engine for a benchmark, with a run function that fails
// the benchmark on an error and returns the result's text.
func benchEngine(b *testing.B, native map[string]reflect.Value) (*Engine, func(code string) string) {
	b.Helper()
	if _, err := nativeCompiler(); err != nil {
		b.Skipf("native code unavailable: %v", err)
	}
	e, err := New(Options{Symbols: map[string]map[string]reflect.Value{"gopar.test/native/native": native}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { e.Close() })
	return e, func(code string) string {
		out := &testOutput{}
		res := e.Execute(context.Background(), engine.ExecuteRequest{Code: code}, out)
		if res.Err != nil {
			b.Fatalf("%s: %s\n%s", code, res.Err.String(), out.text("stderr"))
		}
		return resultText(res)
	}
}

// timed returns how long f takes.
func timed(f func()) time.Duration {
	t0 := time.Now()
	f()
	return time.Since(t0)
}

func minDur(cur, d time.Duration) time.Duration {
	if cur == 0 || d < cur {
		return d
	}
	return cur
}

// BenchmarkNativeFib times fib(30) in three ways, alternating: compiled
// into the test binary and called from Go (compiled); defined in a
// %%native cell and called by interpreted code, timed within the cell, the
// best of 5 calls (native); and that call as a whole cell, from Execute to
// its result (cell), which adds what running any cell costs. It also times
// the test binary's own fib as a whole cell (cell-compiled), which pays
// that same cost: cell/cell-compiled isolates what native code adds.
func BenchmarkNativeFib(b *testing.B) {
	_, run := benchEngine(b, map[string]reflect.Value{"Fib": reflect.ValueOf(fibCompiled)})
	run(fibCell)
	run(`import "gopar.test/native"`)
	if got := run("fib(30)"); got != "832040" {
		b.Fatalf("fib(30) = %s", got)
	}
	const inCell = "best := int64(1 << 62)\nfor i := 0; i < 5; i++ {\n\tt0 := time.Now()\n\tfib(30)\n\tif d := int64(time.Since(t0)); d < best {\n\t\tbest = d\n\t}\n}\nbest"
	var compiled, native, cell, cellCompiled time.Duration
	for range b.N {
		compiled = minDur(compiled, timed(func() {
			for range 5 {
				compiled = minDur(compiled, timed(func() { fibCompiled(30) }))
			}
		}))
		ns, err := strconv.ParseInt(run(inCell), 10, 64)
		if err != nil {
			b.Fatal(err)
		}
		native = minDur(native, time.Duration(ns))
		cell = minDur(cell, timed(func() { run("fib(30)") }))
		cellCompiled = minDur(cellCompiled, timed(func() { run("native.Fib(30)") }))
	}
	b.ReportMetric(float64(native)/float64(compiled), "native/compiled")
	b.ReportMetric(float64(cell)/float64(compiled), "cell/compiled")
	b.ReportMetric(float64(cell)/float64(cellCompiled), "cell/cell-compiled")
	b.ReportMetric(float64(compiled.Microseconds())/1000, "compiled-ms")
	b.ReportMetric(float64(native.Microseconds())/1000, "native-ms")
	b.ReportMetric(float64(cell.Microseconds())/1000, "cell-ms")
}

// seriesCell is the slow series written by hand, on threads goroutines
// (the partial sums of chunks are added in order, as parlib does, so that
// the sum does not depend on the thread count).
const seriesCell = `%%native
// slowRange sums 1/k over k in [lo, hi) without a digit 9.
func slowRange(lo, hi int) float64 {
	s := 0.0
	for k := lo; k < hi; k++ {
		m := k
		for m > 0 {
			if m%10 == 9 {
				break
			}
			m /= 10
		}
		if m == 0 {
			s += 1 / float64(k)
		}
	}
	return s
}

// Series sums the slow series over [1, n] on threads goroutines, which
// take chunks of 2^16 terms in turn.
func Series(n, threads int) float64 {
	const chunk = 1 << 16
	chunks := (n + chunk - 1) / chunk
	sums := make([]float64, chunks)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range threads {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				c := int(next.Add(1) - 1)
				if c >= chunks {
					return
				}
				sums[c] = slowRange(1+c*chunk, 1+min((c+1)*chunk, n))
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
`

func BenchmarkNativeSeries(b *testing.B) {
	_, run := benchEngine(b, nil)
	run(seriesCell)
	run("n := 100_000_000")
	want := fmt.Sprintf("%.6f", parlib.SlowSeries(benchTerms, 2))
	if got := run(`fmt.Sprintf("%.6f", Series(n, 2))`); got != fmt.Sprintf("%q", want) {
		b.Fatalf("Series(1e8, 2) = %s; parlib says %s", got, want)
	}
	var lib, lib2, one, two time.Duration
	for range b.N {
		lib = minDur(lib, timed(func() { run("parlib.SlowSeries(n, 1)") }))
		one = minDur(one, timed(func() { run("Series(n, 1)") }))
		two = minDur(two, timed(func() { run("Series(n, 2)") }))
		lib2 = minDur(lib2, timed(func() { run("parlib.SlowSeries(n, 2)") }))
	}
	b.ReportMetric(float64(one)/float64(lib), "native/parlib")
	b.ReportMetric(float64(one)/float64(two), "speedup-2")
	// parlib's own speedup on 2 threads, measured alike: what the machine
	// gives when others use it too.
	b.ReportMetric(float64(lib)/float64(lib2), "parlib-speedup-2")
	b.ReportMetric(float64(lib.Milliseconds()), "parlib-ms")
	b.ReportMetric(float64(one.Milliseconds()), "native1-ms")
	b.ReportMetric(float64(two.Milliseconds()), "native2-ms")
}

// compileCell is a 20-line native cell, made new by i.
func compileCell(i int) string {
	return fmt.Sprintf(`%%%%native
const version%d = %d

// Stats returns the mean and the variance of xs.
func Stats(xs []float64) (mean, variance float64) {
	if len(xs) == 0 {
		return 0, 0
	}
	for _, x := range xs {
		mean += x
	}
	mean /= float64(len(xs))
	for _, x := range xs {
		d := x - mean
		variance += d * d
	}
	return mean, variance / float64(len(xs))
}

func Norm(xs []float64) float64 { _, v := Stats(xs); return math.Sqrt(v) }
`, i, time.Now().UnixNano())
}

func BenchmarkNativeCompile(b *testing.B) {
	_, run := benchEngine(b, nil)
	var times []time.Duration
	for i := range b.N {
		times = append(times, timed(func() { run(compileCell(i)) }))
	}
	first := times[0]
	slices.Sort(times)
	b.ReportMetric(float64(times[len(times)/2].Microseconds())/1000, "median-ms")
	b.ReportMetric(float64(times[0].Microseconds())/1000, "min-ms")
	b.ReportMetric(float64(first.Microseconds())/1000, "first-ms")
}
