package e2e

import (
	"math"
	"math/rand"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/gopar/gopar/nbrun"
)

// The notebooks that redo the Python documents (threads vs processes,
// numba's memory-bound vs compute-bound loops, the high-performance Python
// course). Each test executes its notebook with `gopar run` and with
// nbconvert (GOPAR_QUICK=1) and checks key outputs of both executions
// against values the test computes itself with plain Go loops: results,
// never timings.

// slowSeriesRef is the slow series summed over [lo, hi] by a plain loop:
// 1/k for every k without a digit 9.
func slowSeriesRef(lo, hi int) float64 {
	s := 0.0
	for k := lo; k <= hi; k++ {
		d := k
		for d > 0 && d%10 != 9 {
			d /= 10
		}
		if d == 0 {
			s += 1 / float64(k)
		}
	}
	return s
}

// trigSeriesRef is the sum of cos(k)/k for 1 <= k <= n by a plain loop.
func trigSeriesRef(n int) float64 {
	s := 0.0
	for k := 1; k <= n; k++ {
		s += math.Cos(float64(k)) / float64(k)
	}
	return s
}

// match returns the submatches of re in text, failing the test if there are
// none.
func match(t *testing.T, label, text, re string) []string {
	t.Helper()
	m := regexp.MustCompile(re).FindStringSubmatch(text)
	if m == nil {
		t.Fatalf("%s: no output matches %q", label, re)
	}
	return m
}

// atoi and atof parse a matched number, failing the test on a bad one.
func atoi(t *testing.T, s string) int {
	t.Helper()
	n, err := strconv.Atoi(s)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func atof(t *testing.T, s string) float64 {
	t.Helper()
	x, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatal(err)
	}
	return x
}

// closeTo checks got against want within a relative tolerance.
func closeTo(t *testing.T, label string, got, want, rel float64) {
	t.Helper()
	if math.Abs(got-want) > rel*math.Max(1, math.Abs(want)) {
		t.Errorf("%s = %.15g, want %.15g (±%g relative)", label, got, want, rel)
	}
}

// forEachRun executes the notebook and calls check on the outputs of each
// execution and of the committed notebook, as text.
func forEachRun(t *testing.T, name string, check func(t *testing.T, label, text string, nb *nbrun.Notebook)) {
	t.Helper()
	nbs, labels := notebookRuns(t, name)
	for i, nb := range nbs {
		label := labels[i]
		text := notebookText(nb)
		if !hasImage(nb) {
			t.Errorf("%s: no plot in the outputs", label)
		}
		if !strings.Contains(text, "On this") {
			t.Errorf("%s: the computed conclusion is missing", label)
		}
		check(t, label, text, nb)
	}
}

func TestNotebookThreadsVsProcesses(t *testing.T) {
	forEachRun(t, "threads-vs-processes.ipynb", func(t *testing.T, label, text string, _ *nbrun.Notebook) {
		// parlib.RaceCounter's table: the unsynchronised counter loses
		// updates, the three fixes lose none.
		rows := regexp.MustCompile(`(?m)^(unsync|mutex|atomic|channel)\s+(\d+)\s+(\d+)\s`).FindAllStringSubmatch(text, -1)
		if len(rows) != 4 {
			t.Fatalf("%s: RaceCounter table has %d rows, want 4:\n%s", label, len(rows), text)
		}
		total := atoi(t, rows[1][2]) // the mutex row counts every increment
		for _, r := range rows {
			final, lost := atoi(t, r[2]), atoi(t, r[3])
			if final+lost != total {
				t.Errorf("%s: %s: final %d + lost %d != %d increments", label, r[1], final, lost, total)
			}
			if r[1] == "unsync" && lost == 0 {
				t.Errorf("%s: the unsynchronised counter lost no updates", label)
			}
			if r[1] != "unsync" && lost != 0 {
				t.Errorf("%s: %s lost %d updates, want 0", label, r[1], lost)
			}
		}
		// The interpreted fixes lose nothing either.
		fixes := regexp.MustCompile(`(?m)^(with a mutex|atomic add|queue \(channel of results\))\s+(\d+)\s+(\d+)\s`).FindAllStringSubmatch(text, -1)
		if len(fixes) != 3 {
			t.Fatalf("%s: interpreted fixes table has %d rows, want 3", label, len(fixes))
		}
		for _, r := range fixes {
			if r[3] != "0" {
				t.Errorf("%s: interpreted %s lost %s updates", label, r[1], r[3])
			}
		}
		// The awk processes' partial sums add up to the slow series.
		m := match(t, label, text, `slow series over n=(\d+) by 4 processes = ([0-9.]+)`)
		closeTo(t, label+": awk processes' sum", atof(t, m[2]), slowSeriesRef(1, atoi(t, m[1])), 1e-12)
		// All four goroutines ran in the kernel's process.
		pid := match(t, label, text, `kernel process (\d+):`)[1]
		if n := len(regexp.MustCompile(`(?m)^\s+\d\s+job-[A-D]\s+`+pid+`\b`).FindAllString(text, -1)); n != 4 {
			t.Errorf("%s: %d goroutines reported the kernel's PID %s, want 4", label, n, pid)
		}

		// The pool of dist worker processes: processes of their own, the
		// same sum as goroutines, nothing lost when one is killed.
		kernel := match(t, label, text, `kernel process (\d+) started worker processes \[2 3\]`)[1]
		procs := regexp.MustCompile(`(?m)^ ?([23])\s+\S+\s+(\d+)\s+true\b`).FindAllStringSubmatch(text, -1)
		if len(procs) != 2 || procs[0][2] == procs[1][2] || procs[0][2] == kernel || procs[1][2] == kernel {
			t.Errorf("%s: dist.Procs should list workers 2 and 3 in two processes other than the kernel's %s: %q", label, kernel, procs)
		}
		m = match(t, label, text, `slow series over n=(\d+) in 2 intervals: ([0-9.]+) on goroutines, ([0-9.]+) on worker processes`)
		ref := slowSeriesRef(1, atoi(t, m[1]))
		closeTo(t, label+": partial sums on goroutines", atof(t, m[2]), ref, 1e-12)
		closeTo(t, label+": partial sums on worker processes", atof(t, m[3]), ref, 1e-12)
		if !regexp.MustCompile(`dist: worker \d+ was lost`).MatchString(text) {
			t.Errorf("%s: the killed worker was not reported lost", label)
		}
		for _, want := range []string{
			"results: [0 1 4 9 16 25 36 49 64 81 100 121 144 169 196 225 256 289 324 361] <nil>",
			"all 20 results, in order, after losing a worker: true",
		} {
			if !strings.Contains(text, want) {
				t.Errorf("%s: output lacks %q", label, want)
			}
		}
		if !regexp.MustCompile(`worker \d+ \(process \d+\) is gone: true`).MatchString(text) {
			t.Errorf("%s: the killed worker is still listed", label)
		}
		// How many worker processes: 1 and 2, and 4 on a machine with 4 cores or more.
		m = match(t, label, text, `this machine has (\d+) cores: \[([0-9 ]+)\] worker processes[^;]*; the sum on each: \[([0-9. ]+)\]`)
		counts := strings.Fields(m[2])
		want := []string{"1", "2"}
		if atoi(t, m[1]) >= 4 {
			want = append(want, "4")
		}
		if strings.Join(counts, " ") != strings.Join(want, " ") {
			t.Errorf("%s: worker counts %v on %s cores, want %v", label, counts, m[1], want)
		}
		for _, s := range strings.Fields(m[3]) {
			closeTo(t, label+": sum on k worker processes", atof(t, s), ref, 1e-12)
		}
	})
}

func TestNotebookMemoryVsComputeBound(t *testing.T) {
	forEachRun(t, "memory-vs-compute-bound.ipynb", func(t *testing.T, label, text string, _ *nbrun.Notebook) {
		// The notebook's numbers: 500 * Float64 from math/rand seeded 42.
		m := match(t, label, text, `SumSqrt\((\d+) numbers\) = ([0-9.]+); same on 1, 2, 4, 8 threads: (\w+)`)
		n := atoi(t, m[1])
		rng := rand.New(rand.NewSource(42))
		numbers := make([]float64, n)
		for i := range numbers {
			numbers[i] = 500 * rng.Float64()
		}
		sum := 0.0
		for _, x := range numbers {
			sum += math.Sqrt(x)
		}
		closeTo(t, label+": SumSqrt", atof(t, m[2]), sum, 1e-12)
		if m[3] != "true" {
			t.Errorf("%s: SumSqrt differs between thread counts", label)
		}

		m = match(t, label, text, `RootsSum\((\d+) numbers\)\[0\] = ([0-9.]+); every element equal: (\w+); equal to SumSqrt of the same numbers: (\w+)`)
		sum = 0
		for _, x := range numbers[:atoi(t, m[1])] {
			sum += math.Sqrt(x)
		}
		closeTo(t, label+": RootsSum", atof(t, m[2]), sum, 1e-12)
		if m[3] != "true" || m[4] != "true" {
			t.Errorf("%s: RootsSum elements equal: %s, equal to SumSqrt: %s", label, m[3], m[4])
		}
		if !regexp.MustCompile(`same results\s+true`).MatchString(text) {
			t.Errorf("%s: the interpreted and compiled square roots differ", label)
		}
	})
}

func TestNotebookHighPerformanceSeries(t *testing.T) {
	forEachRun(t, "high-performance-series.ipynb", func(t *testing.T, label, text string, _ *nbrun.Notebook) {
		m := match(t, label, text, `SlowSeries\((\d+)\) = ([0-9.]+) on 1, 2, 4 and 8 threads: (\w+)`)
		n := atoi(t, m[1])
		// parlib adds fixed chunks, the reference adds term by term: at 1e8
		// terms the two orders differ by about 3e-13 relative.
		closeTo(t, label+": SlowSeries", atof(t, m[2]), slowSeriesRef(1, n), 1e-12)
		if m[3] != "true" {
			t.Errorf("%s: SlowSeries(%d) differs between thread counts", label, n)
		}
		if n == 100_000_000 && !strings.HasPrefix(m[2], "13.2776059498") {
			t.Errorf("%s: SlowSeries(1e8) = %s, want 13.2776059498…", label, m[2])
		}
		m = match(t, label, text, `compiled serial:\s+SlowSeries\((\d+)\) = ([0-9.]+)`)
		closeTo(t, label+": SlowSeriesSerial", atof(t, m[2]), slowSeriesRef(1, atoi(t, m[1])), 1e-13)

		// The interpreted loops written in the cells.
		m = match(t, label, text, `interpreted, string test:\s+sum of (\d+) terms = ([0-9.]+)`)
		closeTo(t, label+": interpreted string test", atof(t, m[2]), slowSeriesRef(1, atoi(t, m[1])), 1e-13)
		m = match(t, label, text, `interpreted, integer test:\s+sum of (\d+) terms = ([0-9.]+)`)
		closeTo(t, label+": interpreted integer test", atof(t, m[2]), slowSeriesRef(1, atoi(t, m[1])), 1e-13)
		m = match(t, label, text, `pmap over 8 intervals: sum of (\d+) terms = ([0-9.]+)`)
		closeTo(t, label+": pmap over intervals", atof(t, m[2]), slowSeriesRef(1, atoi(t, m[1])), 1e-12)

		// The slow series written in a %%native cell, on 1 and 2 goroutines.
		m = match(t, label, text, `slowNative\((\d+)\) = ([0-9.]+) on 1 and 2 threads, the same: (\w+)`)
		closeTo(t, label+": slowNative", atof(t, m[2]), slowSeriesRef(1, atoi(t, m[1])), 1e-12)
		if m[3] != "true" {
			t.Errorf("%s: slowNative differs between 1 and 2 threads", label)
		}
		match(t, label, text, `parlib.SlowSeries\(\d+\) = [0-9.]+; relative difference \S+, within 1e-9: true`)
		// A native cell that fell back to the interpreter would give the same
		// sum tens of times slower.
		m = match(t, label, text, `the loop costs \*\*([0-9.]+) ns\*\* per term on one thread against \*\*([0-9.]+) ns\*\*`)
		if native, interp := atof(t, m[1]), atof(t, m[2]); interp < 5*native {
			t.Errorf("%s: the native loop took %g ns per term, the interpreted one %g: was it compiled?", label, native, interp)
		}
		// pool.map over intervals on dist worker processes, which are
		// processes of their own.
		m = match(t, label, text, `worker 2 is process (\d+); the kernel is process (\d+)`)
		if m[1] == m[2] {
			t.Errorf("%s: worker 2 runs in the kernel's process %s", label, m[2])
		}
		m = match(t, label, text, `pool.map on worker processes: sum of (\d+) terms = ([0-9.]+) on 1 worker, ([0-9.]+) on 2 workers`)
		ref := slowSeriesRef(1, atoi(t, m[1]))
		closeTo(t, label+": pool.map on 1 worker process", atof(t, m[2]), ref, 1e-12)
		closeTo(t, label+": pool.map on 2 worker processes", atof(t, m[3]), ref, 1e-12)

		m = match(t, label, text, `max \|sin² \+ cos² - 1\| = (\S+) over`)
		if e := atof(t, m[1]); e > 1e-14 {
			t.Errorf("%s: sin² + cos² is off 1 by %g", label, e)
		}

		m = match(t, label, text, `TrigSeries\((\d+)\) = ([0-9.-]+); approximate / exact = ([0-9.]+)`)
		nt := atoi(t, m[1])
		closeTo(t, label+": TrigSeries", atof(t, m[2]), trigSeriesRef(nt), 1e-10)
		closeTo(t, label+": TrigSeries / exact", atof(t, m[3]), trigSeriesRef(nt)/-math.Log(2*math.Sin(0.5)), 1e-8)
	})
}
