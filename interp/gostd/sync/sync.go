// Package __gopar_sync holds, in Go source, the generic functions of the
// standard library's sync package, which yaegi's symbol tables cannot
// hold: cells' calls of sync.OnceValue and sync.OnceValues call these
// (see package gostd).
package __gopar_sync

import "sync"

// OnceValue returns a function that calls f once and returns its value on
// every call. If f panics, every call panics with the same value.
func OnceValue[T any](f func() T) func() T {
	var (
		once     sync.Once
		result   T
		p        any
		panicked = true
	)
	return func() T {
		once.Do(func() {
			defer func() {
				if panicked {
					p = recover()
				}
			}()
			result = f()
			panicked = false
		})
		if panicked {
			panic(p)
		}
		return result
	}
}

// OnceValues returns a function that calls f once and returns its values
// on every call. If f panics, every call panics with the same value.
func OnceValues[T1, T2 any](f func() (T1, T2)) func() (T1, T2) {
	var (
		once     sync.Once
		r1       T1
		r2       T2
		p        any
		panicked = true
	)
	return func() (T1, T2) {
		once.Do(func() {
			defer func() {
				if panicked {
					p = recover()
				}
			}()
			r1, r2 = f()
			panicked = false
		})
		if panicked {
			panic(p)
		}
		return r1, r2
	}
}
