package parlib

import (
	"context"
	"fmt"
)

// MapOptions tune Pmap...: the thread count and the batch size, as in
// Julia's pmap(f, xs; batch_size).
type MapOptions struct {
	// Threads is the number of workers; <= 0 means DefaultThreads().
	Threads int
	// BatchSize is how many consecutive elements a worker takes at a time
	// from a shared counter (dynamic scheduling, good for few or uneven
	// tasks). 0 means 1, Julia's default. A negative BatchSize preschedules
	// instead: the input is cut into one equal block per worker up front
	// (static scheduling, good for many similar cheap tasks).
	BatchSize int
}

// Prescheduled is the MapOptions.BatchSize that preschedules: one equal
// block of the input per worker.
const Prescheduled = -1

func mapLoop(fn string, n int, opts []MapOptions, body func(lo, hi int)) {
	var o MapOptions
	switch len(opts) {
	case 0:
	case 1:
		o = opts[0]
	default:
		panic(fmt.Sprintf("parlib.%s: at most one MapOptions, got %d", fn, len(opts)))
	}
	lo := Options{Threads: o.Threads, Schedule: Dynamic, Chunk: max(1, o.BatchSize)}
	if o.BatchSize < 0 {
		lo = Options{Threads: o.Threads, Schedule: Static}
	}
	raise(loop(Context(), fn, 0, n, lo, body))
}

// PmapFloat64 returns f applied to every element of xs, computed in
// parallel, in input order (like Julia's pmap or Python's pool.map).
// opts (at most one) set the threads and the batch size.
func PmapFloat64(xs []float64, f func(float64) float64, opts ...MapOptions) []float64 {
	checkFunc("PmapFloat64", "f", f == nil)
	out := make([]float64, len(xs))
	mapLoop("PmapFloat64", len(xs), opts, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			out[i] = f(xs[i])
		}
	})
	return out
}

// PmapInt is PmapFloat64 for ints.
func PmapInt(xs []int, f func(int) int, opts ...MapOptions) []int {
	checkFunc("PmapInt", "f", f == nil)
	out := make([]int, len(xs))
	mapLoop("PmapInt", len(xs), opts, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			out[i] = f(xs[i])
		}
	})
	return out
}

// PmapAny is PmapFloat64 for values of any type.
func PmapAny(xs []any, f func(any) any, opts ...MapOptions) []any {
	checkFunc("PmapAny", "f", f == nil)
	out := make([]any, len(xs))
	mapLoop("PmapAny", len(xs), opts, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			out[i] = f(xs[i])
		}
	})
	return out
}

// PmapN returns f(0), ..., f(n-1) computed in parallel, in order: the
// "pmap over 1:n" of the notes.
func PmapN(n int, f func(i int) any, opts ...MapOptions) []any {
	checkN("PmapN", "n", n)
	checkFunc("PmapN", "f", f == nil)
	out := make([]any, n)
	mapLoop("PmapN", n, opts, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			out[i] = f(i)
		}
	})
	return out
}

// MapReduceFloat64 returns reduce(...reduce(mapf(0), mapf(1))..., mapf(n-1))
// computed in parallel like Julia's @distributed (op) for: each thread folds
// a contiguous block of [0, n), the block results are folded in order.
// reduce must be associative; n must be >= 1 unless you want the zero 0.
func MapReduceFloat64(n int, mapf func(i int) float64, reduce func(a, b float64) float64, threads int) float64 {
	return mapReduce("MapReduceFloat64", n, mapf, reduce, threads)
}

// MapReduceInt is MapReduceFloat64 for ints.
func MapReduceInt(n int, mapf func(i int) int, reduce func(a, b int) int, threads int) int {
	return mapReduce("MapReduceInt", n, mapf, reduce, threads)
}

// mapReduce is MapReduceFloat64 and MapReduceInt; name is the caller's, for
// error messages. (Cells cannot call generic functions: hence the two.)
func mapReduce[T any](name string, n int, mapf func(i int) T, reduce func(a, b T) T, threads int) T {
	checkN(name, "n", n)
	checkFunc(name, "mapf", mapf == nil)
	checkFunc(name, "reduce", reduce == nil)
	threads = checkThreads(name, threads)
	var zero T
	if n == 0 {
		return zero
	}
	workers := min(threads, n)
	parts := make([]T, workers)
	started := make([]bool, workers)
	raise(blocks(Context(), n, workers, func(w, lo, hi int) {
		acc, i := parts[w], lo
		if !started[w] {
			acc, i, started[w] = mapf(lo), lo+1, true
		}
		for ; i < hi; i++ {
			acc = reduce(acc, mapf(i))
		}
		parts[w] = acc
	}))
	acc := parts[0]
	for _, p := range parts[1:] {
		acc = reduce(acc, p)
	}
	return acc
}

// SumFloat64 returns f(0) + ... + f(n-1), summed in parallel (each thread a
// contiguous block, the blocks added in order): @distributed (+).
func SumFloat64(n int, f func(i int) float64, threads int) float64 {
	checkFunc("SumFloat64", "f", f == nil)
	return MapReduceFloat64(n, f, func(a, b float64) float64 { return a + b }, threads)
}

// SumChunks returns the sum of body(lo, hi) over chunks covering [0, n),
// computed in parallel with opts, added in chunk order: the fast way to
// reduce with an interpreted body (one call per chunk).
func SumChunks(n int, opts Options, body func(lo, hi int) float64) float64 {
	checkN("SumChunks", "n", n)
	checkFunc("SumChunks", "body", body == nil)
	s, err := SumChunksCtx(Context(), n, opts, body)
	raise(err)
	return s
}

// SumChunksCtx is SumChunks observing ctx and returning errors.
func SumChunksCtx(ctx context.Context, n int, opts Options, body func(lo, hi int) float64) (float64, error) {
	checkN("SumChunksCtx", "n", n)
	checkFunc("SumChunksCtx", "body", body == nil)
	threads := checkThreads("SumChunksCtx", opts.Threads)
	chunk := opts.Chunk
	if chunk <= 0 {
		chunk = max(1, (n+threads-1)/threads)
		if opts.Schedule != Static {
			chunk = max(1, (n+8*threads-1)/(8*threads))
		}
	}
	nc := (n + chunk - 1) / chunk
	return orderedSum(ctx, threads, nc, func(c int) float64 {
		lo := c * chunk
		return body(lo, min(lo+chunk, n))
	})
}
