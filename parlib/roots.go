package parlib

import (
	"fmt"
	"math"
)

// The square-root kernels of numba's experiments (calculate_roots and
// calculate_roots_sum with prange): a memory-bound one, a compute-bound sum,
// and an O(n^2) one.

// vecChunk is the number of elements a worker takes at a time.
const vecChunk = 1 << 15

// SqrtEach sets dst[i] = sqrt(src[i]) for every i, in parallel: numba's
// calculate_roots with prange. One square root per 16 bytes moved makes it
// memory-bound: expect little speed-up from more threads. dst and src must
// have the same length (they may be the same slice).
func SqrtEach(dst, src []float64, threads int) {
	if len(dst) != len(src) {
		panic(fmt.Sprintf("parlib.SqrtEach: len(dst) = %d != len(src) = %d", len(dst), len(src)))
	}
	threads = checkThreads("SqrtEach", threads)
	n := len(src)
	raise(dynamicChunks(Context(), threads, (n+vecChunk-1)/vecChunk, func(c int) {
		lo := c * vecChunk
		d, s := dst[lo:min(lo+vecChunk, n)], src[lo:min(lo+vecChunk, n)]
		for i, x := range s {
			d[i] = math.Sqrt(x)
		}
	}))
}

// SumSqrt returns the sum of sqrt(x) over xs, in parallel (per-chunk sums
// added in order, so the result does not depend on threads). It reads 8
// bytes per square root and keeps the rest in registers: compute-bound,
// near-linear speed-up.
func SumSqrt(xs []float64, threads int) float64 {
	threads = checkThreads("SumSqrt", threads)
	n := len(xs)
	s, err := orderedSum(Context(), threads, (n+vecChunk-1)/vecChunk, func(c int) float64 {
		lo := c * vecChunk
		s := 0.0
		for _, x := range xs[lo:min(lo+vecChunk, n)] {
			s += math.Sqrt(x)
		}
		return s
	})
	raise(err)
	return s
}

// RootsSum is numba's calculate_roots_sum with prange over the outer loop:
// result[i] is the sum of sqrt(xs[j]) over all j, recomputed for every i
// (O(n^2) square roots, one write per n of them: compute-bound). Every
// element of the result is the same number.
func RootsSum(xs []float64, threads int) []float64 {
	threads = checkThreads("RootsSum", threads)
	out := make([]float64, len(xs))
	raise(loop(Context(), "RootsSum", 0, len(xs), Options{Threads: threads, Schedule: Dynamic, Chunk: 16}, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			t := 0.0
			for _, x := range xs {
				t += math.Sqrt(x)
			}
			out[i] = t
		}
	}))
	return out
}
