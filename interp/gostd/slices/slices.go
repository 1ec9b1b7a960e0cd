// Package slices is gopar's Go-source version of the standard library's
// slices package, which notebook cells get in place of the interpreter's:
// see package gostd.
//
// Where Go's functions take a slice of a type S ~[]E, these take []E,
// whose element type the interpreter can infer: they accept the same
// arguments, but return []E, not the argument's named slice type (convert
// the result: Ints(slices.Clone(xs))). Sequences are taken as plain
// function types (an iter.Seq argument is assignable to them).
package slices

import (
	"cmp"
	"iter"
	"sort"

	"github.com/gopar/gopar/interp/gostd/internal/sorting"
)

// All returns an iterator over the index-value pairs of s, in order.
func All[E any](s []E) iter.Seq2[int, E] {
	return func(yield func(int, E) bool) {
		for i, v := range s {
			if !yield(i, v) {
				return
			}
		}
	}
}

// Backward returns an iterator over the index-value pairs of s, from the
// last to the first.
func Backward[E any](s []E) iter.Seq2[int, E] {
	return func(yield func(int, E) bool) {
		for i := len(s) - 1; i >= 0; i-- {
			if !yield(i, s[i]) {
				return
			}
		}
	}
}

// Values returns an iterator over the elements of s, in order.
func Values[E any](s []E) iter.Seq[E] {
	return func(yield func(E) bool) {
		for _, v := range s {
			if !yield(v) {
				return
			}
		}
	}
}

// AppendSeq appends the values of seq to s and returns the extended slice.
func AppendSeq[E any](s []E, seq func(yield func(E) bool)) []E {
	seq(func(v E) bool {
		s = append(s, v)
		return true
	})
	return s
}

// Collect returns the values of seq in a new slice.
func Collect[E any](seq func(yield func(E) bool)) []E {
	var s []E
	seq(func(v E) bool {
		s = append(s, v)
		return true
	})
	return s
}

// Sorted returns the values of seq in a new slice, sorted.
func Sorted[E cmp.Ordered](seq func(yield func(E) bool)) []E {
	s := Collect(seq)
	Sort(s)
	return s
}

// SortedFunc returns the values of seq in a new slice, sorted by cmp.
func SortedFunc[E any](seq func(yield func(E) bool), cmp func(E, E) int) []E {
	s := Collect(seq)
	SortFunc(s, cmp)
	return s
}

// SortedStableFunc returns the values of seq in a new slice, sorted by cmp
// keeping the order of equal elements.
func SortedStableFunc[E any](seq func(yield func(E) bool), cmp func(E, E) int) []E {
	s := Collect(seq)
	SortStableFunc(s, cmp)
	return s
}

// Chunk returns an iterator over consecutive subslices of s of n elements
// (the last may have fewer). It panics if n is less than 1.
func Chunk[E any](s []E, n int) iter.Seq[[]E] {
	if n < 1 {
		panic("cannot be less than 1")
	}
	return func(yield func([]E) bool) {
		for i := 0; i < len(s); i += n {
			end := i + n
			if end > len(s) {
				end = len(s)
			}
			if !yield(s[i:end:end]) {
				return
			}
		}
	}
}

// BinarySearch searches for target in x, sorted in increasing order, and
// returns the position where it is or would be inserted, and whether it
// is there.
func BinarySearch[E cmp.Ordered](x []E, target E) (int, bool) {
	lo, hi := 0, len(x)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if cmp.Less(x[m], target) {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo, lo < len(x) && cmp.Compare(x[lo], target) == 0
}

// BinarySearchFunc is BinarySearch with a comparison function: cmp(e, t)
// is negative, zero or positive as e comes before, matches or comes after
// the target.
func BinarySearchFunc[E, T any](x []E, target T, cmp func(E, T) int) (int, bool) {
	lo, hi := 0, len(x)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if cmp(x[m], target) < 0 {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo, lo < len(x) && cmp(x[lo], target) == 0
}

// Clip removes unused capacity from s.
func Clip[E any](s []E) []E {
	return s[:len(s):len(s)]
}

// Clone returns a copy of s (nil for nil).
func Clone[E any](s []E) []E {
	if s == nil {
		return nil
	}
	c := make([]E, len(s))
	copy(c, s)
	return c
}

// Compact replaces runs of equal elements by one copy and returns the
// shortened slice; the elements past its end are zeroed.
func Compact[E comparable](s []E) []E {
	if len(s) < 2 {
		return s
	}
	k := 1
	for i := 1; i < len(s); i++ {
		if s[i] != s[k-1] {
			s[k] = s[i]
			k++
		}
	}
	zero(s[k:])
	return s[:k]
}

// CompactFunc is Compact with an equality function; it keeps the first
// element of each run.
func CompactFunc[E any](s []E, eq func(E, E) bool) []E {
	if len(s) < 2 {
		return s
	}
	k, prev := 1, s[0]
	for i := 1; i < len(s); i++ {
		cur := s[i]
		if !eq(cur, prev) {
			s[k] = cur
			k++
		}
		prev = cur
	}
	zero(s[k:])
	return s[:k]
}

// zero sets the elements of s to their zero value.
func zero[E any](s []E) {
	var z E
	for i := range s {
		s[i] = z
	}
}

// Compare compares s1 and s2 element by element (cmp.Compare), then by
// length.
func Compare[E cmp.Ordered](s1, s2 []E) int {
	for i := 0; i < len(s1) && i < len(s2); i++ {
		if c := cmp.Compare(s1[i], s2[i]); c != 0 {
			return c
		}
	}
	return cmp.Compare(len(s1), len(s2))
}

// CompareFunc is Compare with a comparison function.
func CompareFunc[E1, E2 any](s1 []E1, s2 []E2, cmp func(E1, E2) int) int {
	for i := 0; i < len(s1) && i < len(s2); i++ {
		if c := cmp(s1[i], s2[i]); c != 0 {
			return c
		}
	}
	switch {
	case len(s1) < len(s2):
		return -1
	case len(s1) > len(s2):
		return +1
	}
	return 0
}

// Concat returns a new slice of the elements of all the slices, in order.
func Concat[E any](slices ...[]E) []E {
	n := 0
	for _, s := range slices {
		n += len(s)
		if n < 0 {
			panic("len out of range")
		}
	}
	var out []E
	if n > 0 {
		out = make([]E, 0, n)
	}
	for _, s := range slices {
		out = append(out, s...)
	}
	return out
}

// Contains reports whether v is in s.
func Contains[E comparable](s []E, v E) bool {
	return Index(s, v) >= 0
}

// ContainsFunc reports whether an element of s satisfies f.
func ContainsFunc[E any](s []E, f func(E) bool) bool {
	return IndexFunc(s, f) >= 0
}

// Index returns the index of the first v in s, or -1.
func Index[E comparable](s []E, v E) int {
	for i := range s {
		if s[i] == v {
			return i
		}
	}
	return -1
}

// IndexFunc returns the index of the first element of s that satisfies f,
// or -1.
func IndexFunc[E any](s []E, f func(E) bool) int {
	for i := range s {
		if f(s[i]) {
			return i
		}
	}
	return -1
}

// Delete removes s[i:j] and returns the shortened slice; the elements past
// its end are zeroed. It panics if s[i:j] is not a valid slice of s.
func Delete[E any](s []E, i, j int) []E {
	_ = s[i:j:len(s)] // bounds check
	if i == j {
		return s
	}
	n := copy(s[i:], s[j:])
	zero(s[i+n:])
	return s[:i+n]
}

// DeleteFunc removes the elements of s that satisfy del and returns the
// shortened slice; the elements past its end are zeroed.
func DeleteFunc[E any](s []E, del func(E) bool) []E {
	k := 0
	for i := range s {
		if !del(s[i]) {
			s[k] = s[i]
			k++
		}
	}
	zero(s[k:])
	return s[:k]
}

// Equal reports whether s1 and s2 have the same length and equal elements
// (==: a NaN is equal to nothing).
func Equal[E comparable](s1, s2 []E) bool {
	if len(s1) != len(s2) {
		return false
	}
	for i := range s1 {
		if s1[i] != s2[i] {
			return false
		}
	}
	return true
}

// EqualFunc is Equal with an equality function.
func EqualFunc[E1, E2 any](s1 []E1, s2 []E2, eq func(E1, E2) bool) bool {
	if len(s1) != len(s2) {
		return false
	}
	for i := range s1 {
		if !eq(s1[i], s2[i]) {
			return false
		}
	}
	return true
}

// Grow makes room for n more elements in s without another allocation.
// It panics if n is negative.
func Grow[E any](s []E, n int) []E {
	if n < 0 {
		panic("cannot be negative")
	}
	if n -= cap(s) - len(s); n > 0 {
		s = append(s[:cap(s)], make([]E, n)...)[:len(s)]
	}
	return s
}

// Insert inserts the values v at index i of s and returns the extended
// slice. It panics if i is out of range.
func Insert[E any](s []E, i int, v ...E) []E {
	_ = s[i:] // bounds check
	if len(v) == 0 {
		return s
	}
	tail := append([]E(nil), s[i:]...)
	s = append(s[:i], v...)
	return append(s, tail...)
}

// Replace replaces s[i:j] by the values v and returns the modified slice;
// when it shrinks, the elements past its end are zeroed. It panics if
// s[i:j] is not a valid slice of s.
func Replace[E any](s []E, i, j int, v ...E) []E {
	_ = s[i:j:len(s)] // bounds check
	tail := append([]E(nil), s[j:]...)
	n := len(s)
	s = append(append(s[:i], v...), tail...)
	if len(s) < n {
		zero(s[len(s):n])
	}
	return s
}

// Repeat returns a new slice that repeats x count times. It panics if
// count is negative or the result is too large.
func Repeat[E any](x []E, count int) []E {
	if count < 0 {
		panic("cannot be negative")
	}
	if len(x) > 0 && count > int(^uint(0)>>1)/len(x) {
		panic("the result of (len(x) * count) overflows")
	}
	out := make([]E, 0, len(x)*count)
	for k := 0; k < count; k++ {
		out = append(out, x...)
	}
	return out
}

// Reverse reverses the elements of s in place.
func Reverse[E any](s []E) {
	for i, j := 0, len(s)-1; i < j; i, j = i+1, j-1 {
		s[i], s[j] = s[j], s[i]
	}
}

// IsSorted reports whether x is sorted in increasing order.
func IsSorted[E cmp.Ordered](x []E) bool {
	for i := len(x) - 1; i > 0; i-- {
		if cmp.Less(x[i], x[i-1]) {
			return false
		}
	}
	return true
}

// IsSortedFunc reports whether x is sorted by cmp.
func IsSortedFunc[E any](x []E, cmp func(a, b E) int) bool {
	for i := len(x) - 1; i > 0; i-- {
		if cmp(x[i], x[i-1]) < 0 {
			return false
		}
	}
	return true
}

// Max returns the maximal value in x; a NaN wins. It panics if x is empty.
func Max[E cmp.Ordered](x []E) E {
	if len(x) < 1 {
		panic("slices.Max: empty list")
	}
	m := x[0]
	for _, v := range x[1:] {
		if v != v {
			return v
		}
		if v > m {
			m = v
		}
	}
	return m
}

// MaxFunc returns the first maximal value in x by cmp. It panics if x is
// empty.
func MaxFunc[E any](x []E, cmp func(a, b E) int) E {
	if len(x) < 1 {
		panic("slices.MaxFunc: empty list")
	}
	m := x[0]
	for _, v := range x[1:] {
		if cmp(v, m) > 0 {
			m = v
		}
	}
	return m
}

// Min returns the minimal value in x; a NaN wins. It panics if x is empty.
func Min[E cmp.Ordered](x []E) E {
	if len(x) < 1 {
		panic("slices.Min: empty list")
	}
	m := x[0]
	for _, v := range x[1:] {
		if v != v {
			return v
		}
		if v < m {
			m = v
		}
	}
	return m
}

// MinFunc returns the first minimal value in x by cmp. It panics if x is
// empty.
func MinFunc[E any](x []E, cmp func(a, b E) int) E {
	if len(x) < 1 {
		panic("slices.MinFunc: empty list")
	}
	m := x[0]
	for _, v := range x[1:] {
		if cmp(v, m) < 0 {
			m = v
		}
	}
	return m
}

// Sort sorts x in increasing order (a NaN before any number), in compiled
// code.
func Sort[E cmp.Ordered](x []E) {
	if !sorting.Ordered(x) {
		sort.Slice(x, func(i, j int) bool { return cmp.Less(x[i], x[j]) })
	}
}

// SortFunc sorts x by cmp, which returns a negative number when a comes
// before b, a positive one when it comes after, and 0 otherwise. The sort
// is not stable. It runs in compiled code, but each comparison is a call
// of cmp: about a microsecond in the interpreter.
func SortFunc[E any](x []E, cmp func(a, b E) int) {
	sorting.Func(x, cmp, false)
}

// SortStableFunc sorts x by cmp, keeping the order of equal elements.
func SortStableFunc[E any](x []E, cmp func(a, b E) int) {
	sorting.Func(x, cmp, true)
}
