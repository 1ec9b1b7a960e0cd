package parlib

import (
	"fmt"
	"math"
	"runtime"
	"strings"
	"time"
)

// DefaultThreadCounts returns 1, 2, 4, ... up to runtime.NumCPU(), with
// NumCPU itself last if it is not a power of two.
func DefaultThreadCounts() []int {
	ncpu := runtime.NumCPU()
	var ts []int
	for t := 1; t < ncpu; t *= 2 {
		ts = append(ts, t)
	}
	return append(ts, ncpu)
}

// Scaling runs f(t) for each thread count t (default DefaultThreadCounts()),
// keeps the best wall time of a few runs (3, or 1 if a run takes more than
// 2 s), and returns the times, speed-ups, efficiencies and the serial
// fraction of Amdahl's law fitted to them: the scaling tables of the
// high-performance Python course. f must do the same work for every t.
func Scaling(f func(threads int), threads ...int) *ScalingResult {
	return ScalingNamed("", f, threads...)
}

// ScalingNamed is Scaling with a label for tables, plots and progress.
func ScalingNamed(label string, f func(threads int), threads ...int) *ScalingResult {
	checkFunc("Scaling", "f", f == nil)
	if len(threads) == 0 {
		threads = DefaultThreadCounts()
	}
	for _, t := range threads {
		if t < 1 || t > MaxThreads {
			panic(fmt.Sprintf("parlib.Scaling: thread count %d must be in [1, %d]", t, MaxThreads))
		}
	}
	ctx := Context()
	const runs = 3
	prog := newProgress(label, len(threads)*runs)
	res := &ScalingResult{Label: label}
	for i, t := range threads {
		best := time.Duration(math.MaxInt64)
		for r := range runs {
			raise(cancelErr(ctx))
			t0 := time.Now()
			f(t)
			d := time.Since(t0)
			best = min(best, d)
			prog.step(i*runs + r + 1)
			if d > 2*time.Second {
				break
			}
		}
		res.Points = append(res.Points, ScalingPoint{Threads: t, Time: best})
	}
	prog.step(len(threads) * runs)
	res.fill()
	return res
}

// NewScalingResult builds a ScalingResult from measured times (one per
// thread count), filling speed-ups, efficiencies and the serial fraction:
// for tables of times measured elsewhere (e.g. the course's).
func NewScalingResult(label string, threads []int, times []time.Duration) *ScalingResult {
	if len(threads) != len(times) {
		panic(fmt.Sprintf("parlib.NewScalingResult: %d thread counts but %d times", len(threads), len(times)))
	}
	res := &ScalingResult{Label: label}
	for i, t := range threads {
		if t < 1 {
			panic(fmt.Sprintf("parlib.NewScalingResult: thread count %d must be >= 1", t))
		}
		res.Points = append(res.Points, ScalingPoint{Threads: t, Time: times[i]})
	}
	res.fill()
	return res
}

// fill computes speed-ups relative to the first point and fits Amdahl's
// serial fraction s by least squares on 1/speedup - 1/p = s (1 - 1/p),
// which is linear in s; s is clamped to [0, 1], and 0 with fewer than two
// distinct thread counts.
func (r *ScalingResult) fill() {
	if len(r.Points) == 0 {
		return
	}
	p0 := r.Points[0]
	var num, den float64
	for i := range r.Points {
		pt := &r.Points[i]
		if pt.Time > 0 {
			pt.Speedup = float64(p0.Time) / float64(pt.Time) * float64(p0.Threads)
		}
		pt.Efficiency = pt.Speedup / float64(pt.Threads)
		if pt.Speedup > 0 {
			p := float64(pt.Threads)
			a := 1 - 1/p
			b := 1/pt.Speedup - 1/p
			num += a * b
			den += a * a
		}
	}
	if den > 0 {
		r.SerialFraction = min(1, max(0, num/den))
	}
}

// Amdahl returns the speed-up Amdahl's law predicts on p threads for serial
// fraction s: 1 / (s + (1-s)/p).
func Amdahl(s float64, p int) float64 {
	return 1 / (s + (1-s)/float64(p))
}

// String prints the scaling table:
//
//	threads      time   speed-up  efficiency
//	      1  1.000 s      1.00x     100.0%
//	      2  512.0 ms     1.95x      97.7%
//	serial fraction (Amdahl fit): 0.024
func (r *ScalingResult) String() string {
	var b strings.Builder
	if r.Label != "" {
		b.WriteString(r.Label + "\n")
	}
	fmt.Fprintf(&b, "%8s %12s %10s %11s\n", "threads", "time", "speed-up", "efficiency")
	for _, p := range r.Points {
		fmt.Fprintf(&b, "%8d %12s %9.2fx %10.1f%%\n", p.Threads, FormatDuration(p.Time), p.Speedup, 100*p.Efficiency)
	}
	fmt.Fprintf(&b, "serial fraction (Amdahl fit): %.3f", r.SerialFraction)
	return b.String()
}
