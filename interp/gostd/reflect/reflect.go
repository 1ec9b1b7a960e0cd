// Package __gopar_reflect holds, in Go source, the generic functions of
// the standard library's reflect package, for cells (see package gostd).
// The types the interpreter gives cells' types are unnamed: TypeFor of a
// type of the cells is its structure's.
package __gopar_reflect

import "reflect"

// TypeFor returns the reflect.Type of its type argument.
func TypeFor[T any]() reflect.Type {
	var z [0]T // (yaegi gets *T of a composite T wrong)
	return reflect.TypeOf(z).Elem()
}

// TypeAssert is v.Interface().(T), with the ok form.
func TypeAssert[T any](v reflect.Value) (T, bool) {
	x, ok := v.Interface().(T)
	return x, ok
}
