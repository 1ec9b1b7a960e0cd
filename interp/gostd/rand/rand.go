// Package __gopar_rand holds, in Go source, the generic functions of the
// standard library's math/rand/v2 package, for cells (see package gostd).
package __gopar_rand

import "math/rand/v2"

type intType interface {
	~int | ~int8 | ~int16 | ~int32 | ~int64 |
		~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~uintptr
}

// N returns a pseudo-random number in [0, n) from the default source; n
// may be of any integer type (a time.Duration too). It panics if n <= 0.
func N[Int intType](n Int) Int {
	if n <= 0 {
		panic("invalid argument to N")
	}
	u := rand.Uint64N(uint64(n))
	// Int(u), bit by bit: yaegi cannot convert to a type parameter that
	// stands for a named type of a compiled package (time.Duration).
	one := n / n
	var r Int
	for i := 0; u != 0; i++ {
		if u&1 == 1 {
			r |= one << i
		}
		u >>= 1
	}
	return r
}
