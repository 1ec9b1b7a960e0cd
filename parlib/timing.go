package parlib

import (
	"fmt"
	"math"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/gopar/gopar/internal/ratelimit"
)

// Time calls f once and measures it like Julia's @time: wall time, process
// CPU time (user and system, all threads), heap allocations and bytes, and
// the garbage collections that ran. A panic in f propagates to the caller
// (nothing is measured).
func Time(f func()) TimeResult {
	checkFunc("Time", "f", f == nil)
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	u0, s0 := cpuTimes()
	t0 := time.Now()
	f()
	wall := time.Since(t0)
	u1, s1 := cpuTimes()
	runtime.ReadMemStats(&m1)
	return TimeResult{
		Wall:    wall,
		User:    u1 - u0,
		Sys:     s1 - s0,
		Allocs:  m1.Mallocs - m0.Mallocs,
		Bytes:   m1.TotalAlloc - m0.TotalAlloc,
		GCs:     m1.NumGC - m0.NumGC,
		GCPause: time.Duration(m1.PauseTotalNs - m0.PauseTotalNs),
	}
}

// CPU returns the total CPU time, User + Sys.
func (r TimeResult) CPU() time.Duration { return r.User + r.Sys }

// CPUPercent is CPU time over wall time in percent: about 100 per busy
// thread.
func (r TimeResult) CPUPercent() float64 {
	if r.Wall <= 0 {
		return 0
	}
	return 100 * float64(r.CPU()) / float64(r.Wall)
}

// String prints the result on one line, like @time:
// "  512.3 ms (wall), 1.020 s CPU (199%), 1.20 k allocations: 3.400 MiB, 2 GC (312.0 µs pause)".
func (r TimeResult) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "  %s (wall), %s CPU (%.0f%%), %s %s: %s",
		FormatDuration(r.Wall), FormatDuration(r.CPU()), r.CPUPercent(),
		formatCount(r.Allocs), plural(r.Allocs, "allocation", "allocations"), FormatBytes(r.Bytes))
	if r.GCs > 0 {
		fmt.Fprintf(&b, ", %d GC (%s pause)", r.GCs, FormatDuration(r.GCPause))
	}
	return b.String()
}

// Bench times f repeatedly like BenchmarkTools' @btime or %timeit: after a
// warm-up call it calibrates a batch of calls lasting at least ~10 ms, then
// times batches for about 1 s (at least 3 samples, fewer seconds if the
// median settles, more if one call takes longer) and reports per-call
// statistics. Progress goes to the SetProgress receiver; a done context
// (SetContext) stops it with ErrCanceled between batches.
func Bench(f func()) BenchResult { return bench("", f) }

// BenchNamed is Bench with a label (shown in tables and progress).
func BenchNamed(label string, f func()) BenchResult { return bench(label, f) }

const (
	benchBatch  = 10 * time.Millisecond
	benchBudget = time.Second
)

func bench(label string, f func()) BenchResult {
	checkFunc("Bench", "f", f == nil)
	ctx := Context()
	prog := newProgress(label, 100)
	// warm-up and calibration
	t0 := time.Now()
	f()
	one := time.Since(t0)
	batch := 1
	for one*time.Duration(batch) < benchBatch {
		raise(cancelErr(ctx))
		batch *= 2
		t := time.Now()
		for range batch {
			f()
		}
		one = time.Since(t) / time.Duration(batch)
	}
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	start := time.Now()
	var samples []time.Duration
	lastMedian := time.Duration(-1)
	for {
		raise(cancelErr(ctx))
		t := time.Now()
		for range batch {
			f()
		}
		samples = append(samples, time.Since(t)/time.Duration(batch))
		elapsed := time.Since(start)
		prog.step(min(99, int(100*elapsed/benchBudget)))
		if len(samples) >= 3 && elapsed >= benchBudget || len(samples) >= 10000 {
			break
		}
		if len(samples)%16 == 0 && elapsed >= benchBudget/4 {
			m := median(samples)
			if lastMedian >= 0 && math.Abs(float64(m-lastMedian)) <= 0.005*float64(m) {
				break
			}
			lastMedian = m
		}
	}
	runtime.ReadMemStats(&m1)
	prog.step(100)
	runs := len(samples) * batch
	r := BenchResult{Label: label, Runs: runs,
		Allocs: (m1.Mallocs - m0.Mallocs) / uint64(runs),
		Bytes:  (m1.TotalAlloc - m0.TotalAlloc) / uint64(runs),
	}
	r.Min, r.Median, r.Mean, r.Std = Summarize(samples)
	return r
}

// Summarize returns the minimum, median, mean and sample standard deviation
// of per-call times, as Bench reports them. samples must not be empty.
func Summarize(samples []time.Duration) (lo, med, mean, std time.Duration) {
	if len(samples) == 0 {
		panic("parlib.Summarize: no samples")
	}
	sum := 0.0
	for _, s := range samples {
		sum += float64(s)
	}
	m := sum / float64(len(samples))
	v := 0.0
	for _, s := range samples {
		v += (float64(s) - m) * (float64(s) - m)
	}
	if len(samples) > 1 {
		v /= float64(len(samples) - 1)
	}
	return slices.Min(samples), median(samples), time.Duration(m), time.Duration(math.Sqrt(v))
}

func median(xs []time.Duration) time.Duration {
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// String prints the result on one line, like @btime and %timeit:
// "  12.30 ms (min), 12.51 ms (median), 12.62 ms ± 210.0 µs (mean ± std), 80 runs, 3 allocations: 1.200 KiB".
func (r BenchResult) String() string {
	var b strings.Builder
	if r.Label != "" {
		b.WriteString(r.Label + ": ")
	} else {
		b.WriteString("  ")
	}
	fmt.Fprintf(&b, "%s (min), %s (median), %s ± %s (mean ± std), %d %s, %s %s: %s",
		FormatDuration(r.Min), FormatDuration(r.Median), FormatDuration(r.Mean), FormatDuration(r.Std),
		r.Runs, plural(uint64(r.Runs), "run", "runs"),
		formatCount(r.Allocs), plural(r.Allocs, "allocation", "allocations"), FormatBytes(r.Bytes))
	return b.String()
}

// progressInterval is the least time between two calls to the
// SetProgress receiver, but for the first and last step.
const progressInterval = 50 * time.Millisecond

// progress rate-limits the calls to the SetProgress receiver: the first and
// last step always, others at most every progressInterval.
type progress struct {
	label string
	total int
	f     ProgressFunc
	lim   *ratelimit.Limiter
	done  int
}

func newProgress(label string, total int) *progress {
	p := &progress{label: label, total: total, done: -1, lim: ratelimit.New(progressInterval, nil)}
	if fp := progressFn.Load(); fp != nil {
		p.f = *fp
	}
	p.step(0)
	return p
}

func (p *progress) step(done int) {
	if p.f == nil || done == p.done {
		return
	}
	if !p.lim.Allow(done == 0 || done == p.total) {
		return
	}
	p.done = done
	p.f(p.label, done, p.total)
}
