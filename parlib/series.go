package parlib

import (
	"context"
	"math"
)

// seriesChunk is the number of terms per work item of the series kernels.
// The partial sums are combined in chunk order, so the result does not
// depend on the thread count.
const seriesChunk = 1 << 16

// SlowSeries returns the sum of 1/k over 1 <= k <= n such that the decimal
// digits of k contain no 9 (the "slow series" of the high-performance
// Python course; SlowSeries(1e8) = 13.2776059498...), on threads threads.
// The result is the same for every thread count.
func SlowSeries(n, threads int) float64 {
	checkN("SlowSeries", "n", n)
	threads = checkThreads("SlowSeries", threads)
	s, err := sumChunked(Context(), n, threads, slowRange)
	raise(err)
	return s
}

// SlowSeriesCtx is SlowSeries observing ctx; it returns an error wrapping
// ErrCanceled if ctx is done before the sum is complete.
func SlowSeriesCtx(ctx context.Context, n, threads int) (float64, error) {
	checkN("SlowSeriesCtx", "n", n)
	threads = checkThreads("SlowSeriesCtx", threads)
	return sumChunked(ctx, n, threads, slowRange)
}

// SlowSeriesSerial is the plain serial loop, the reference SlowSeries is
// checked and timed against (and the loop testdata/slowseries.c mirrors).
func SlowSeriesSerial(n int) float64 {
	checkN("SlowSeriesSerial", "n", n)
	return slowRange(1, uint64(n)+1)
}

// slowRange sums 1/k over k in [lo, hi) without a digit 9.
func slowRange(lo, hi uint64) float64 {
	s := 0.0
	for k := lo; k < hi; k++ {
		m := k
		for m > 0 {
			q := m / 10
			if m-q*10 == 9 {
				break
			}
			m = q
		}
		if m == 0 {
			s += 1 / float64(k)
		}
	}
	return s
}

// TrigSeries returns the sum of cos(k)/k for 1 <= k <= n, which tends to
// -ln(2 sin(1/2)), on threads threads. The result is the same for every
// thread count.
func TrigSeries(n, threads int) float64 {
	checkN("TrigSeries", "n", n)
	threads = checkThreads("TrigSeries", threads)
	s, err := sumChunked(Context(), n, threads, trigRange)
	raise(err)
	return s
}

// TrigSeriesCtx is TrigSeries observing ctx.
func TrigSeriesCtx(ctx context.Context, n, threads int) (float64, error) {
	checkN("TrigSeriesCtx", "n", n)
	threads = checkThreads("TrigSeriesCtx", threads)
	return sumChunked(ctx, n, threads, trigRange)
}

// TrigSeriesSerial is the plain serial loop TrigSeries is checked against.
func TrigSeriesSerial(n int) float64 {
	checkN("TrigSeriesSerial", "n", n)
	return trigRange(1, uint64(n)+1)
}

func trigRange(lo, hi uint64) float64 {
	s := 0.0
	for k := lo; k < hi; k++ {
		x := float64(k)
		s += math.Cos(x) / x
	}
	return s
}

// sumChunked sums f over the terms 1..n in fixed chunks handed out
// dynamically, then adds the partial sums in order.
func sumChunked(ctx context.Context, n, threads int, f func(lo, hi uint64) float64) (float64, error) {
	nc := (n + seriesChunk - 1) / seriesChunk
	return orderedSum(ctx, threads, nc, func(c int) float64 {
		lo := uint64(c)*seriesChunk + 1
		return f(lo, min(lo+seriesChunk, uint64(n)+1))
	})
}

// orderedWave bounds the memory of orderedSum: partial sums are kept for
// at most this many chunks at a time.
const orderedWave = 1 << 12

// orderedSum returns part(0) + part(1) + ... + part(nc-1), computing the
// parts in parallel (dynamic schedule) and adding them in index order, so
// that the result does not depend on threads.
func orderedSum(ctx context.Context, threads, nc int, part func(c int) float64) (float64, error) {
	parts := make([]float64, min(nc, orderedWave))
	s := 0.0
	for base := 0; base < nc || base == 0; base += orderedWave {
		m := min(orderedWave, nc-base)
		err := dynamicChunks(ctx, threads, m, func(c int) { parts[c] = part(base + c) })
		if err != nil {
			return 0, err
		}
		for _, p := range parts[:m] {
			s += p
		}
	}
	return s, nil
}
