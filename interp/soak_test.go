package interp

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/gopar/gopar/engine"
)

// The soak benchmarks run many cells in one in-process engine and report
// how its memory and latency grow:
//
//	go test -run '^$' -bench Soak -benchtime 1x ./interp/
//
// heap-MB is the growth of the live heap (after a full collection) over
// the run, KB/cell that growth per cell; p95-first-µs and p95-last-µs are
// the 95th percentiles of the latency of the first and last 100 cells, and
// p95-last/first their ratio. GOPAR_SOAK_CELLS changes the number of cells
// (default: 10,000 trivial cells, 2,000 function definitions).

// soakCells is the number of cells to run, def unless GOPAR_SOAK_CELLS says.
func soakCells(def int) int {
	if n, err := strconv.Atoi(os.Getenv("GOPAR_SOAK_CELLS")); err == nil && n > 0 {
		return n
	}
	return def
}

// liveHeap is the live heap after a full collection.
func liveHeap() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// soak runs n cells made by code in a fresh engine and reports the heap's
// growth and the latency percentiles. half, when set, also reports the
// growth of the second half of the run over the first (1 for linear growth,
// 3 for quadratic).
func soak(b *testing.B, n int, code func(i int) string, half bool) {
	b.Helper()
	for range b.N {
		e, err := New(Options{})
		if err != nil {
			b.Fatal(err)
		}
		out := &testOutput{}
		run := func(i int) time.Duration {
			t0 := time.Now()
			res := e.Execute(context.Background(), engine.ExecuteRequest{Code: code(i), ExecutionCount: i + 1}, out)
			d := time.Since(t0)
			if res.Err != nil {
				b.Fatalf("cell %d: %s", i, res.Err.String())
			}
			return d
		}
		run(-1) // warm up (first imports, caches)
		h0 := liveHeap()
		lat := make([]time.Duration, n)
		var hMid uint64
		for i := range n {
			lat[i] = run(i)
			if half && i == n/2-1 {
				hMid = liveHeap()
			}
		}
		h1 := liveHeap()
		e.Close()
		grow := float64(int64(h1) - int64(h0))
		b.ReportMetric(grow/(1<<20), "heap-MB")
		b.ReportMetric(grow/float64(n)/1024, "KB/cell")
		k := min(100, n)
		first, last := p95(lat[:k]), p95(lat[n-k:])
		b.ReportMetric(float64(first.Microseconds()), "p95-first-µs")
		b.ReportMetric(float64(last.Microseconds()), "p95-last-µs")
		b.ReportMetric(float64(last)/float64(first), "p95-last/first")
		if half {
			b.ReportMetric(float64(int64(h1)-int64(hMid))/float64(int64(hMid)-int64(h0)), "2nd/1st-half")
		}
	}
}

func p95(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[(len(s)*95)/100]
}

// BenchmarkSoakTrivialCells runs 10,000 cells of `x := i`.
func BenchmarkSoakTrivialCells(b *testing.B) {
	soak(b, soakCells(10_000), func(i int) string { return fmt.Sprintf("x := %d", i) }, false)
}

// BenchmarkSoakNewFunctions runs 2,000 cells that each define a new
// function.
func BenchmarkSoakNewFunctions(b *testing.B) {
	soak(b, soakCells(2_000), func(i int) string {
		return fmt.Sprintf("func f%d(x int) int { return x + %d }", i+1, i)
	}, true)
}

// BenchmarkSoakRedefinitions runs 2,000 cells that each redefine one
// function.
func BenchmarkSoakRedefinitions(b *testing.B) {
	soak(b, soakCells(2_000), func(i int) string {
		return fmt.Sprintf("func f(x int) int { return x + %d }", i)
	}, true)
}
