package interp

import (
	"context"
	"testing"
	"time"

	yaegi "github.com/traefik/yaegi/interp"
	"github.com/traefik/yaegi/stdlib"

	"github.com/gopar/gopar/engine"
	"github.com/gopar/gopar/parlib"
)

// The pair below measures the cost of calling compiled parlib code from a
// cell against calling it directly:
//
//	go test -run '^$' -bench 'SlowSeries' -benchtime 5x ./interp/
//
// The ratio Cell/Direct is the engine's overhead on a native call.

const benchTerms = 100_000_000

// BenchmarkTrivialCell is the engine's fixed cost per cell.
func BenchmarkTrivialCell(b *testing.B) {
	e, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	out := &testOutput{}
	b.ResetTimer()
	for range b.N {
		if res := e.Execute(context.Background(), engine.ExecuteRequest{Code: "x := 1\nx + 1"}, out); res.Err != nil {
			b.Fatal(res.Err.String())
		}
	}
}

// BenchmarkNew is the cost of starting an engine (part of kernel startup).
func BenchmarkNew(b *testing.B) {
	for range b.N {
		e, err := New(Options{})
		if err != nil {
			b.Fatal(err)
		}
		e.Close()
	}
}

// BenchmarkSlowSeriesOverhead alternates a direct call and the same call
// from a cell, so that both see the same machine load, and reports the
// ratio of the fastest runs (cell/direct).
func BenchmarkSlowSeriesOverhead(b *testing.B) {
	e, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	out := &testOutput{}
	run := func(code string) {
		if res := e.Execute(context.Background(), engine.ExecuteRequest{Code: code}, out); res.Err != nil {
			b.Fatal(res.Err.String())
		}
	}
	run("n := 100_000_000")
	best := func(cur, d time.Duration) time.Duration {
		if cur == 0 || d < cur {
			return d
		}
		return cur
	}
	var direct, cell time.Duration
	for range b.N {
		t0 := time.Now()
		parlib.SlowSeries(benchTerms, 1)
		direct = best(direct, time.Since(t0))
		t0 = time.Now()
		run("parlib.SlowSeries(n, 1)")
		cell = best(cell, time.Since(t0))
	}
	b.ReportMetric(float64(cell)/float64(direct), "cell/direct")
	b.ReportMetric(float64(direct.Milliseconds()), "direct-ms")
	b.ReportMetric(float64(cell.Milliseconds()), "cell-ms")
}

// fibSrc is the function BenchmarkFibOverhead runs in both interpreters.
const fibSrc = `func fib(n int) int {
	if n < 2 {
		return n
	}
	return fib(n-1) + fib(n-2)
}`

// BenchmarkFibOverhead runs the same recursive fib(30) in plain yaegi and
// in a cell, alternating, and reports the ratio of the fastest runs
// (cell/yaegi): the cost of the engine's handling of functions on calls.
//
//	go test -run '^$' -bench FibOverhead -benchtime 5x ./interp/
func BenchmarkFibOverhead(b *testing.B) {
	e, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	out := &testOutput{}
	run := func(code string) string {
		res := e.Execute(context.Background(), engine.ExecuteRequest{Code: code}, out)
		if res.Err != nil {
			b.Fatal(res.Err.String())
		}
		return resultText(res)
	}
	run(fibSrc)
	it := yaegi.New(yaegi.Options{})
	if err := it.Use(stdlib.Symbols); err != nil {
		b.Fatal(err)
	}
	if _, err := it.Eval(fibSrc); err != nil {
		b.Fatal(err)
	}
	var plain, cell time.Duration
	for range b.N {
		t0 := time.Now()
		v, err := it.Eval("fib(30)")
		d := time.Since(t0)
		if err != nil || v.Int() != 832040 {
			b.Fatalf("plain yaegi: fib(30) = %v, %v", v, err)
		}
		if plain == 0 || d < plain {
			plain = d
		}
		t0 = time.Now()
		r := run("fib(30)")
		d = time.Since(t0)
		if r != "832040" {
			b.Fatalf("cell: fib(30) = %s", r)
		}
		if cell == 0 || d < cell {
			cell = d
		}
	}
	b.ReportMetric(float64(cell)/float64(plain), "cell/yaegi")
	b.ReportMetric(float64(plain.Milliseconds()), "yaegi-ms")
	b.ReportMetric(float64(cell.Milliseconds()), "cell-ms")
}

// BenchmarkSortInCell sorts 10^5 random ints in a cell with slices.Sort
// (gopar's, which sorts in compiled code) and with sort.Ints, alternating,
// and reports the ratio of the fastest runs (slices.Sort/sort.Ints), and
// the time of slices.SortFunc, whose every comparison is a call of an
// interpreted function:
//
//	go test -run '^$' -bench SortInCell -benchtime 5x ./interp/
func BenchmarkSortInCell(b *testing.B) {
	e, err := New(Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer e.Close()
	out := &testOutput{}
	run := func(code string) time.Duration {
		t0 := time.Now()
		res := e.Execute(context.Background(), engine.ExecuteRequest{Code: code}, out)
		d := time.Since(t0)
		if res.Err != nil {
			b.Fatal(res.Err.String())
		}
		return d
	}
	run("r := rand.New(rand.NewSource(1))\ndata := make([]int, 100_000)\nfor i := range data { data[i] = r.Int() }\nx := slices.Clone(data)")
	best := map[string]time.Duration{}
	for range b.N {
		for _, s := range []string{"slices.Sort(x)", "sort.Ints(x)", "slices.SortFunc(x, func(a, b int) int { return cmp.Compare(a, b) })"} {
			run("copy(x, data)")
			if d := run(s); best[s] == 0 || d < best[s] {
				best[s] = d
			}
			run("if !sort.IntsAreSorted(x) { panic(\"not sorted\") }")
		}
	}
	b.ReportMetric(float64(best["slices.Sort(x)"])/float64(best["sort.Ints(x)"]), "slices.Sort/sort.Ints")
	b.ReportMetric(float64(best["slices.Sort(x)"].Microseconds())/1000, "slices.Sort-ms")
	b.ReportMetric(float64(best["sort.Ints(x)"].Microseconds())/1000, "sort.Ints-ms")
	b.ReportMetric(float64(best["slices.SortFunc(x, func(a, b int) int { return cmp.Compare(a, b) })"].Milliseconds()), "SortFunc-ms")
}
