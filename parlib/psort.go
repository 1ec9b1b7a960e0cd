package parlib

import (
	"slices"
	"sync"
)

// PsortCutoff is the length below which Psort... sort serially (the notes'
// psort! uses 100000).
const PsortCutoff = 100000

// PsortFloat64 sorts v in place, ascending, by the notes' psort!: split in
// two halves, sort the lower half in a new task and the upper half in the
// current one, wait, then merge through a copy of the lower half; below
// cutoff elements sort serially with a stable sort. cutoff <= 0 means
// PsortCutoff. It returns v. NaNs sort first, as in slices.Sort.
func PsortFloat64(v []float64, cutoff int) []float64 {
	if cutoff <= 0 {
		cutoff = PsortCutoff
	}
	ctx := Context()
	raise(cancelErr(ctx))
	psort(v, cutoff, func(a, b float64) bool { return a < b || (a != a && b == b) }, func() bool { return cancelErr(ctx) != nil })
	raise(cancelErr(ctx))
	return v
}

// PsortInt is PsortFloat64 for ints.
func PsortInt(v []int, cutoff int) []int {
	if cutoff <= 0 {
		cutoff = PsortCutoff
	}
	ctx := Context()
	raise(cancelErr(ctx))
	psort(v, cutoff, func(a, b int) bool { return a < b }, func() bool { return cancelErr(ctx) != nil })
	raise(cancelErr(ctx))
	return v
}

// psort is the notes' psort!; stopped is polled at every split, so that a
// canceled sort returns early (the caller then panics).
func psort[T any](v []T, cutoff int, less func(a, b T) bool, stopped func() bool) {
	if len(v) <= 1 || stopped() {
		return
	}
	if len(v) < cutoff {
		slices.SortStableFunc(v, func(a, b T) int {
			if less(a, b) {
				return -1
			}
			if less(b, a) {
				return 1
			}
			return 0
		})
		return
	}
	mid := len(v) / 2
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // @spawn psort!(v, lo, mid)
		defer wg.Done()
		psort(v[:mid], cutoff, less, stopped)
	}()
	psort(v[mid:], cutoff, less, stopped)
	wg.Wait()
	if stopped() {
		return
	}
	temp := slices.Clone(v[:mid])
	i, k, j := 0, 0, mid
	for k < j && j < len(v) {
		if less(v[j], temp[i]) {
			v[k] = v[j]
			j++
		} else {
			v[k] = temp[i]
			i++
		}
		k++
	}
	for k < j {
		v[k] = temp[i]
		k++
		i++
	}
}
