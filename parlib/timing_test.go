package parlib

import (
	"math"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

var sink []*[64]byte

func TestTimeCountsAllocationsAndCPU(t *testing.T) {
	r := Time(func() {
		for range 1000 {
			sink = append(sink, new([64]byte))
		}
		SlowSeries(2_000_000, 1)
	})
	sink = nil
	if r.Allocs < 1000 || r.Bytes < 64_000 {
		t.Fatalf("allocations not counted: %+v", r)
	}
	if r.Wall <= 0 || r.CPU() <= 0 {
		t.Fatalf("no time measured: %+v", r)
	}
	s := r.String()
	for _, want := range []string{"(wall)", "CPU", "allocations:", "KiB"} {
		if !strings.Contains(s, want) {
			t.Fatalf("String() = %q lacks %q", s, want)
		}
	}
	g := Time(func() { runtime.GC() })
	if g.GCs < 1 || !strings.Contains(g.String(), "GC (") {
		t.Fatalf("GC not counted: %+v %s", g, g)
	}
}

func TestTimeResultString(t *testing.T) {
	r := TimeResult{Wall: 512 * time.Millisecond, User: time.Second, Sys: 20 * time.Millisecond,
		Allocs: 1200, Bytes: 3565158, GCs: 2, GCPause: 300 * time.Microsecond}
	want := "  512.0 ms (wall), 1.020 s CPU (199%), 1.20 k allocations: 3.400 MiB, 2 GC (300.0 µs pause)"
	if got := r.String(); got != want {
		t.Fatalf("got  %q\nwant %q", got, want)
	}
	if r.CPUPercent() < 199 || r.CPUPercent() > 200 {
		t.Fatal(r.CPUPercent())
	}
}

func TestBench(t *testing.T) {
	var mu sync.Mutex
	var calls []int
	SetProgress(func(label string, done, total int) {
		mu.Lock()
		defer mu.Unlock()
		if label != "sqrt" || total != 100 {
			t.Errorf("progress %q %d/%d", label, done, total)
		}
		calls = append(calls, done)
	})
	t.Cleanup(func() { SetProgress(nil) })
	x := 2.0
	r := BenchNamed("sqrt", func() { x = math.Sqrt(x + 1) })
	if r.Runs < 3 || r.Min <= 0 || r.Min > r.Median || r.Mean <= 0 || r.Label != "sqrt" {
		t.Fatalf("bad result %+v", r)
	}
	if r.Allocs != 0 {
		t.Fatalf("sqrt allocates? %+v", r)
	}
	mu.Lock()
	if len(calls) < 2 || calls[0] != 0 || calls[len(calls)-1] != 100 {
		t.Fatalf("progress calls %v", calls)
	}
	mu.Unlock()
	if s := r.String(); !strings.HasPrefix(s, "sqrt: ") || !strings.Contains(s, "(median)") {
		t.Fatalf("String() = %q", s)
	}
}

func TestFormatters(t *testing.T) {
	cases := map[time.Duration]string{
		999: "999 ns", 1500: "1.500 µs", 12_340_000: "12.34 ms", 1_234_000_000: "1.234 s", -2000: "-2.000 µs",
	}
	for d, want := range cases {
		if got := FormatDuration(d); got != want {
			t.Errorf("FormatDuration(%d) = %q, want %q", d, got, want)
		}
	}
	if FormatBytes(10) != "10 bytes" || FormatBytes(1536) != "1.500 KiB" {
		t.Errorf("FormatBytes: %q %q", FormatBytes(10), FormatBytes(1536))
	}
	if formatCount(26_430_000) != "26.43 M" || formatCount(5) != "5" {
		t.Error("formatCount")
	}
}

func TestScaling(t *testing.T) {
	var mu sync.Mutex
	steps := 0
	SetProgress(func(label string, done, total int) {
		mu.Lock()
		steps++
		mu.Unlock()
	})
	t.Cleanup(func() { SetProgress(nil) })
	seen := map[int]int{}
	r := ScalingNamed("slow", func(th int) {
		seen[th]++
		SlowSeries(300_000, th)
	}, 1, 2, 3)
	if r.Label != "slow" || len(r.Points) != 3 || seen[1] != 3 || seen[3] != 3 {
		t.Fatalf("result %+v, runs %v", r, seen)
	}
	if r.Points[0].Speedup != 1 || r.Points[0].Efficiency != 1 || r.Points[2].Threads != 3 {
		t.Fatalf("points %+v", r.Points)
	}
	if r.SerialFraction < 0 || r.SerialFraction > 1 {
		t.Fatalf("serial fraction %v", r.SerialFraction)
	}
	if steps < 2 {
		t.Fatalf("progress called %d times", steps)
	}
	d := Scaling(func(int) {})
	if len(d.Points) != len(DefaultThreadCounts()) || d.Points[len(d.Points)-1].Threads != runtime.NumCPU() {
		t.Fatalf("default counts: %+v", d.Points)
	}
	mustPanicWith(t, "thread count 0 must be in [1, 4096]", func() { Scaling(func(int) {}, 0) })
}

func TestAmdahlFitRecoversSerialFraction(t *testing.T) {
	ths := []int{1, 2, 4, 8, 16}
	for _, s := range []float64{0, 0.05, 0.3, 1} {
		times := make([]time.Duration, len(ths))
		for i, p := range ths {
			times[i] = time.Duration(float64(time.Second) / Amdahl(s, p))
		}
		r := NewScalingResult("amdahl", ths, times)
		if math.Abs(r.SerialFraction-s) > 1e-6 {
			t.Fatalf("s = %v: fitted %v", s, r.SerialFraction)
		}
		if math.Abs(r.Points[4].Speedup-Amdahl(s, 16)) > 1e-6 {
			t.Fatalf("speed-up %v", r.Points[4].Speedup)
		}
	}
	// scaled to the first thread count: starting at 2 threads, 2 is 2x
	r := NewScalingResult("", []int{2, 4}, []time.Duration{time.Second, time.Second / 2})
	if r.Points[0].Speedup != 2 || r.Points[1].Speedup != 4 || r.SerialFraction != 0 {
		t.Fatalf("%+v", r)
	}
	if !strings.Contains(r.String(), "serial fraction (Amdahl fit): 0.000") {
		t.Fatal(r.String())
	}
}

func TestMachine(t *testing.T) {
	m := Machine()
	if m.LogicalCPUs != runtime.NumCPU() || m.PhysicalCores < 1 || m.PhysicalCores > m.LogicalCPUs || m.GOMAXPROCS < 1 {
		t.Fatalf("%+v", m)
	}
	if runtime.GOOS == "linux" {
		if m.MemTotal <= 0 || m.MemAvailable <= 0 || m.MemAvailable > m.MemTotal {
			t.Fatalf("memory: %+v", m)
		}
		if len(m.Caches) > 0 && (m.L1d <= 0 || m.L2 < m.L1d) {
			t.Fatalf("caches: %+v", m)
		}
	}
	s := m.String()
	for _, want := range []string{"core 0", "L1d", "L3", "RAM", "physical cores"} {
		if !strings.Contains(s, want) {
			t.Fatalf("String() lacks %q:\n%s", want, s)
		}
	}
	if parseSize("32K") != 32<<10 || parseSize("1M") != 1<<20 || parseSize("x") != 0 {
		t.Fatal("parseSize")
	}
	if countCPUList("0-3,8,10-11") != 7 || countCPUList("") != 0 {
		t.Fatal("countCPUList")
	}
}
