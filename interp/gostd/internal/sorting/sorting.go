// Package sorting sorts slices of ordered values in compiled code, for
// gopar's Go-source slices package: a call of an interpreted function
// costs about a microsecond, so a sort whose comparisons the interpreter
// runs is a hundred times slower than this.
package sorting

import (
	"cmp"
	"reflect"
	"slices"
	"sort"
)

// Ordered sorts x in increasing order, NaNs first, as slices.Sort does,
// if x is a slice of integers, floating-point numbers or strings, and
// reports whether it did.
func Ordered(x any) bool {
	switch s := x.(type) {
	case []int:
		slices.Sort(s)
	case []int8:
		slices.Sort(s)
	case []int16:
		slices.Sort(s)
	case []int32:
		slices.Sort(s)
	case []int64:
		slices.Sort(s)
	case []uint:
		slices.Sort(s)
	case []uint8:
		slices.Sort(s)
	case []uint16:
		slices.Sort(s)
	case []uint32:
		slices.Sort(s)
	case []uint64:
		slices.Sort(s)
	case []uintptr:
		slices.Sort(s)
	case []float32:
		slices.Sort(s)
	case []float64:
		slices.Sort(s)
	case []string:
		slices.Sort(s)
	default:
		// A slice of a named type of another package (time.Duration).
		v := reflect.ValueOf(x)
		if v.Kind() != reflect.Slice {
			return false
		}
		var less func(i, j int) bool
		switch v.Type().Elem().Kind() {
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			less = func(i, j int) bool { return v.Index(i).Int() < v.Index(j).Int() }
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
			less = func(i, j int) bool { return v.Index(i).Uint() < v.Index(j).Uint() }
		case reflect.Float32, reflect.Float64:
			less = func(i, j int) bool { return cmp.Less(v.Index(i).Float(), v.Index(j).Float()) }
		case reflect.String:
			less = func(i, j int) bool { return v.Index(i).String() < v.Index(j).String() }
		default:
			return false
		}
		sort.Slice(x, less)
	}
	return true
}

// Func sorts x, a slice, by cmp, a func(a, b E) int of its elements, in
// compiled code (only the comparisons are interpreted), stably with
// stable. A cmp of ints, int64s, float64s or strings is called directly,
// others through reflect.
func Func(x, cmp any, stable bool) {
	v, f := reflect.ValueOf(x), reflect.ValueOf(cmp)
	var less func(i, j int) bool
	switch c := cmp.(type) {
	case func(int, int) int:
		s := x.([]int)
		less = func(i, j int) bool { return c(s[i], s[j]) < 0 }
	case func(int64, int64) int:
		s := x.([]int64)
		less = func(i, j int) bool { return c(s[i], s[j]) < 0 }
	case func(string, string) int:
		s := x.([]string)
		less = func(i, j int) bool { return c(s[i], s[j]) < 0 }
	case func(float64, float64) int:
		s := x.([]float64)
		less = func(i, j int) bool { return c(s[i], s[j]) < 0 }
	default:
		args := make([]reflect.Value, 2)
		less = func(i, j int) bool {
			args[0], args[1] = v.Index(i), v.Index(j)
			return f.Call(args)[0].Int() < 0
		}
	}
	if stable {
		sort.SliceStable(x, less)
	} else {
		sort.Slice(x, less)
	}
}
