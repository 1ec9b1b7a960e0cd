// Package __gopar_errors holds, in Go source, the generic functions of the
// standard library's errors package, for cells (see package gostd).
package __gopar_errors

import "errors"

// AsType finds the first error in err's tree of type E, and returns it and
// true, or the zero value and false.
func AsType[E error](err error) (E, bool) {
	var target E
	if errors.As(err, &target) {
		return target, true
	}
	var zero E
	return zero, false
}
