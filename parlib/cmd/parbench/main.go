// Command parbench measures parlib's performance ratios in one run:
// parallel vs serial, Go vs C (gcc -O2), CountPrimes vs primesieve.
//
//	go run ./parlib/cmd/parbench [-n 1e8] [-only slow,trig,primes,sieve,c]
package main

import (
	"flag"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/gopar/gopar/parlib"
)

func best(runs int, f func()) time.Duration {
	b := time.Duration(1<<63 - 1)
	for range runs {
		t0 := time.Now()
		f()
		b = min(b, time.Since(t0))
	}
	return b
}

func main() {
	nf := flag.Float64("n", 1e8, "series terms")
	only := flag.String("only", "slow,trig,primes,sieve,c", "which benchmarks")
	runs := flag.Int("runs", 3, "best of runs")
	flag.Parse()
	n := int(*nf)
	want := map[string]bool{}
	for _, w := range strings.Split(*only, ",") {
		want[w] = true
	}
	fmt.Printf("GOMAXPROCS=%d\n", runtime.GOMAXPROCS(0))
	pair := func(name string, f func(threads int)) {
		// interleaved, best of runs each: load from other processes hits both
		t1, t2 := time.Duration(math.MaxInt64), time.Duration(math.MaxInt64)
		cpu := 0.0 // CPU use of the best 2-thread run: < 200% means cores were busy elsewhere
		for range *runs {
			t1 = min(t1, best(1, func() { f(1) }))
			r := parlib.Time(func() { f(2) })
			if r.Wall < t2 {
				t2, cpu = r.Wall, r.CPUPercent()
			}
		}
		fmt.Printf("%-22s 1 thread %9.3f ms   2 threads %9.3f ms (%3.0f%% CPU)   speed-up %.3fx\n", name,
			ms(t1), ms(t2), cpu, float64(t1)/float64(t2))
	}
	if want["slow"] {
		pair(fmt.Sprintf("SlowSeries(%.0e)", *nf), func(t int) { parlib.SlowSeries(n, t) })
	}
	if want["trig"] {
		pair(fmt.Sprintf("TrigSeries(%.0e)", *nf), func(t int) { parlib.TrigSeries(n, t) })
	}
	if want["primes"] {
		pair("Primes(1e5)", func(t int) { parlib.Primes(100000, t) })
	}
	if want["c"] {
		cVsGo(n, *runs)
	}
	if want["sieve"] {
		sieveVsPrimesieve(*runs)
	}
}

func ms(d time.Duration) float64 { return float64(d) / 1e6 }

func cVsGo(n, runs int) {
	src := findC()
	dir, err := os.MkdirTemp("", "parbench")
	if err != nil {
		fmt.Println("C:", err)
		return
	}
	defer os.RemoveAll(dir)
	bin := filepath.Join(dir, "slowseries")
	if out, err := exec.Command("gcc", "-O2", "-o", bin, src).CombinedOutput(); err != nil {
		fmt.Printf("gcc: %v %s\n", err, out)
		return
	}
	tc, tg := time.Duration(math.MaxInt64), time.Duration(math.MaxInt64)
	for range runs {
		out, err := exec.Command(bin, strconv.Itoa(n)).Output()
		if err != nil {
			fmt.Println("C:", err)
			return
		}
		f := strings.Fields(string(out))
		ns, _ := strconv.ParseInt(f[1], 10, 64)
		tc = min(tc, time.Duration(ns))
		tg = min(tg, best(1, func() { parlib.SlowSeriesSerial(n) }))
	}
	fmt.Printf("SlowSeriesSerial vs C  Go %9.3f ms   gcc -O2 %9.3f ms   Go/C %.3fx\n", ms(tg), ms(tc), float64(tg)/float64(tc))
}

func findC() string {
	for _, p := range []string{"parlib/testdata/slowseries.c", "testdata/slowseries.c", "../../testdata/slowseries.c"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return "parlib/testdata/slowseries.c"
}

func sieveVsPrimesieve(runs int) {
	tg, t2, tp := time.Duration(math.MaxInt64), time.Duration(math.MaxInt64), time.Duration(math.MaxInt64)
	for range runs { // interleaved, best of runs each
		tg = min(tg, best(1, func() {
			if c := parlib.CountPrimes(1e9, 1); c != 50847534 {
				panic(c)
			}
		}))
		t0 := time.Now()
		if err := exec.Command("primesieve", "1e9", "-t1").Run(); err != nil {
			fmt.Println("primesieve:", err)
			return
		}
		tp = min(tp, time.Since(t0))
		t2 = min(t2, best(1, func() { parlib.CountPrimes(1e9, 2) }))
	}
	fmt.Printf("CountPrimes(1e9,1)     Go %9.3f ms   primesieve 1e9 -t1 %9.3f ms (incl. process start)   Go/primesieve %.3fx\n", ms(tg), ms(tp), float64(tg)/float64(tp))
	fmt.Printf("CountPrimes(1e9,2)     %9.3f ms   speed-up vs 1 thread %.3fx\n", ms(t2), float64(tg)/float64(t2))
}
