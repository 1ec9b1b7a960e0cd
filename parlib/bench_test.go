package parlib

import (
	"fmt"
	"math"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Benchmarks report ratios measured in one run; absolute times depend on
// the machine. Run e.g.
//
//	go test -run '^$' -bench . -benchtime 3x ./parlib/
//
// or go run ./parlib/cmd/parbench for the interleaved table.

func benchThreads(b *testing.B, f func(threads int)) {
	for _, th := range []int{1, 2} {
		b.Run(fmt.Sprintf("threads=%d", th), func(b *testing.B) {
			for b.Loop() {
				f(th)
			}
		})
	}
}

func BenchmarkSlowSeries1e8(b *testing.B) { benchThreads(b, func(t int) { SlowSeries(1e8, t) }) }
func BenchmarkTrigSeries1e8(b *testing.B) { benchThreads(b, func(t int) { TrigSeries(1e8, t) }) }
func BenchmarkPrimes1e5(b *testing.B)     { benchThreads(b, func(t int) { Primes(1e5, t) }) }
func BenchmarkCountPrimes1e9(b *testing.B) {
	benchThreads(b, func(t int) { CountPrimes(1e9, t) })
}

// BenchmarkJuliaPrimes1e4 times the post's versions side by side.
func BenchmarkJuliaPrimes1e4(b *testing.B) {
	n := 10_000
	for name, f := range map[string]func(){
		"Channel": func() { PrimesChannel(n) }, "Eager": func() { PrimesEager(n) },
		"Locked/2": func() { PrimesLocked(n, 2) }, "Avoid/2": func() { PrimesAvoid(n, 2, 256) },
		"Blocks/2": func() { PrimesBlocks(n, 2, 256) }, "Primes/2": func() { Primes(n, 2) },
	} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				f()
			}
		})
	}
}

// buildSlowC compiles testdata/slowseries.c with gcc -O2 into a temp dir.
func buildSlowC(tb testing.TB) string {
	gcc, err := exec.LookPath("gcc")
	if err != nil {
		tb.Fatal("gcc not installed: the Go-vs-C comparison needs it (apt-get install -y gcc)")
	}
	bin := filepath.Join(tb.TempDir(), "slowseries")
	if out, err := exec.Command(gcc, "-O2", "-o", bin, "testdata/slowseries.c").CombinedOutput(); err != nil {
		tb.Fatalf("gcc: %v\n%s", err, out)
	}
	return bin
}

// runSlowC returns the C program's sum and its loop time.
func runSlowC(tb testing.TB, bin string, n int) (float64, time.Duration) {
	out, err := exec.Command(bin, strconv.Itoa(n)).Output()
	if err != nil {
		tb.Fatalf("%s: %v", bin, err)
	}
	f := strings.Fields(string(out))
	s, err1 := strconv.ParseFloat(f[0], 64)
	ns, err2 := strconv.ParseInt(f[1], 10, 64)
	if err1 != nil || err2 != nil {
		tb.Fatalf("bad output %q", out)
	}
	return s, time.Duration(ns)
}

// The C loop and SlowSeriesSerial add the same terms in the same order:
// the sums agree to the last digit printed.
func TestSlowSeriesMatchesC(t *testing.T) {
	bin := buildSlowC(t)
	n := 3_000_000
	c, _ := runSlowC(t, bin, n)
	if g := SlowSeriesSerial(n); math.Abs(g-c) > 1e-14*g {
		t.Fatalf("Go %.15f, C %.15f", g, c)
	}
}

// BenchmarkSlowSeriesVsC reports go/c, the ratio of SlowSeriesSerial(1e8)
// to the same loop compiled by gcc -O2 (best of each, interleaved).
func BenchmarkSlowSeriesVsC(b *testing.B) {
	bin := buildSlowC(b)
	n := 100_000_000
	tg, tc := time.Duration(math.MaxInt64), time.Duration(math.MaxInt64)
	for b.Loop() {
		t0 := time.Now()
		SlowSeriesSerial(n)
		tg = min(tg, time.Since(t0))
		_, d := runSlowC(b, bin, n)
		tc = min(tc, d)
	}
	b.ReportMetric(float64(tg)/float64(tc), "go/c")
}

// BenchmarkCountPrimesVsPrimesieve reports go/primesieve for pi(1e9) on one
// thread (primesieve's time includes its process start).
func BenchmarkCountPrimesVsPrimesieve(b *testing.B) {
	ps, err := exec.LookPath("primesieve")
	if err != nil {
		b.Fatal("primesieve not installed: the comparison needs it (apt-get install -y primesieve)")
	}
	tg, tp := time.Duration(math.MaxInt64), time.Duration(math.MaxInt64)
	for b.Loop() {
		t0 := time.Now()
		CountPrimes(1e9, 1)
		tg = min(tg, time.Since(t0))
		t0 = time.Now()
		if err := exec.Command(ps, "1e9", "-t1").Run(); err != nil {
			b.Fatal(err)
		}
		tp = min(tp, time.Since(t0))
	}
	b.ReportMetric(float64(tg)/float64(tp), "go/primesieve")
}
