package parlib

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func mapSizes() []int { return []int{0, 1, 2, 17, 1000, 100_000} }

func TestPmapInOrder(t *testing.T) {
	batches := []MapOptions{{}, {BatchSize: 1}, {BatchSize: 7}, {BatchSize: Prescheduled}}
	for _, n := range mapSizes() {
		xs := make([]float64, n)
		is := make([]int, n)
		as := make([]any, n)
		for i := range xs {
			xs[i], is[i], as[i] = float64(i), i, i
		}
		for _, th := range threadCounts {
			for _, b := range batches {
				b.Threads = th
				f := PmapFloat64(xs, math.Sqrt, b)
				g := PmapInt(is, func(x int) int { return 3 * x }, b)
				h := PmapAny(as, func(x any) any { return x.(int) + 1 }, b)
				k := PmapN(n, func(i int) any { return -i }, b)
				for i := range n {
					if f[i] != math.Sqrt(float64(i)) || g[i] != 3*i || h[i] != i+1 || k[i] != -i {
						t.Fatalf("n=%d threads=%d batch=%d: wrong value at %d", n, th, b.BatchSize, i)
					}
				}
			}
		}
	}
	mustPanicWith(t, "at most one MapOptions", func() { PmapInt([]int{1}, func(x int) int { return x }, MapOptions{}, MapOptions{}) })
	mustPanicWith(t, "parlib.PmapFloat64: f must not be nil", func() { PmapFloat64(nil, nil) })
}

func TestMapReduce(t *testing.T) {
	for _, n := range mapSizes() {
		for _, th := range threadCounts {
			wantI := n * (n - 1) / 2
			if got := MapReduceInt(n, func(i int) int { return i }, func(a, b int) int { return a + b }, th); got != wantI {
				t.Fatalf("MapReduceInt(%d, %d) = %d, want %d", n, th, got, wantI)
			}
			// max is associative and exact
			if n > 0 {
				got := MapReduceFloat64(n, func(i int) float64 { return float64((i * 7919) % n) }, math.Max, th)
				if got != float64(n-1) {
					t.Fatalf("max-reduce(%d, %d) = %v", n, th, got)
				}
			}
			s := SumFloat64(n, func(i int) float64 { return float64(i) }, th)
			if s != float64(wantI) {
				t.Fatalf("SumFloat64(%d, %d) = %v, want %d", n, th, s, wantI)
			}
			c := SumChunks(n, Options{Threads: th, Schedule: Dynamic}, func(lo, hi int) float64 {
				return float64(hi*(hi-1)/2 - lo*(lo-1)/2)
			})
			if c != float64(wantI) {
				t.Fatalf("SumChunks(%d, %d) = %v, want %d", n, th, c, wantI)
			}
		}
	}
}

func TestPsort(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 2, 3, 100, 5000, 300_000} {
		for _, cutoff := range []int{0, 1, 64, 4096} {
			if cutoff > 0 && n/cutoff > 10_000 {
				continue // a goroutine per 1 or 64 elements is slow under -race
			}
			fs := make([]float64, n)
			is := make([]int, n)
			for i := range fs {
				fs[i] = r.NormFloat64()
				is[i] = r.IntN(100) // many duplicates
			}
			wf, wi := slices.Clone(fs), slices.Clone(is)
			slices.Sort(wf)
			slices.Sort(wi)
			if got := PsortFloat64(fs, cutoff); !slices.Equal(got, wf) || !slices.Equal(fs, wf) {
				t.Fatalf("PsortFloat64(n=%d, cutoff=%d) not sorted in place", n, cutoff)
			}
			if PsortInt(is, cutoff); !slices.Equal(is, wi) {
				t.Fatalf("PsortInt(n=%d, cutoff=%d) not sorted", n, cutoff)
			}
		}
	}
	nan := []float64{3, math.NaN(), 1, 2}
	PsortFloat64(nan, 1)
	if !math.IsNaN(nan[0]) || nan[1] != 1 || nan[3] != 3 {
		t.Fatalf("NaN order: %v", nan)
	}
}

func TestNumbaPair(t *testing.T) {
	for _, n := range []int{0, 1, 1000, 100_000} {
		src := make([]float64, n)
		for i := range src {
			src[i] = float64(i) * 0.5
		}
		want := 0.0
		for _, x := range src {
			want += math.Sqrt(x)
		}
		var first float64
		for i, th := range threadCounts {
			dst := make([]float64, n)
			SqrtEach(dst, src, th)
			for j := range dst {
				if dst[j] != math.Sqrt(src[j]) {
					t.Fatalf("SqrtEach(%d, %d) wrong at %d", n, th, j)
				}
			}
			s := SumSqrt(src, th)
			if i == 0 {
				first = s
			}
			if s != first || relErr(s, want) > 1e-12 {
				t.Fatalf("SumSqrt(%d, %d) = %v, want %v", n, th, s, want)
			}
		}
	}
	xs := []float64{1, 4, 9}
	for _, v := range RootsSum(xs, 2) {
		if v != 6 {
			t.Fatalf("RootsSum: %v", v)
		}
	}
	mustPanicWith(t, "len(dst) = 1 != len(src) = 2", func() { SqrtEach(make([]float64, 1), make([]float64, 2), 1) })
}

func TestRaceCounter(t *testing.T) {
	workers, incs := 4, 200_000
	if raceEnabled {
		incs = 50_000
	}
	for _, mode := range []string{RaceMutex, RaceAtomic, RaceChannel} {
		final, lost := RaceCounter(workers, incs, mode)
		if final != workers*incs || lost != 0 {
			t.Fatalf("%s: final %d lost %d", mode, final, lost)
		}
	}
	// The unsynchronised counter must really lose updates (with two or
	// more cores; on one core it may take a preemption in the window, so
	// retry a few times).
	lostAny := false
	for range 20 {
		final, lost := RaceCounter(workers, incs, RaceUnsync)
		if final+lost != workers*incs {
			t.Fatalf("final %d + lost %d != %d", final, lost, workers*incs)
		}
		if lost > 0 {
			lostAny = true
			break
		}
	}
	if !lostAny {
		t.Fatal("the unsynchronised counter never lost an update")
	}
	if f, l := RaceCounter(0, 10, RaceUnsync); f != 0 || l != 0 {
		t.Fatal("no workers")
	}
	mustPanicWith(t, `mode = "bogus" must be one of`, func() { RaceCounter(1, 1, "bogus") })
}

func TestCholeskyMap(t *testing.T) {
	n, size := 6, 40
	want := make([]float64, n)
	for i := range want {
		want[i] = CholeskyTask(size, uint64(i))
		if !(want[i] != 0 && !math.IsNaN(want[i])) {
			t.Fatalf("task %d: %v", i, want[i])
		}
	}
	if want[0] == want[1] {
		t.Fatal("different seeds gave the same matrix")
	}
	for _, th := range threadCounts {
		if got := CholeskyMap(n, size, th); !slices.Equal(got, want) {
			t.Fatalf("CholeskyMap(threads=%d) = %v, want %v", th, got, want)
		}
	}
	if len(CholeskyMap(0, 3, 2)) != 0 {
		t.Fatal("n = 0")
	}
	mustPanicWith(t, "size = 2 must be >= 3", func() { CholeskyMap(1, 2, 1) })
}
