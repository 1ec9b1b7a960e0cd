package dist

import (
	"fmt"
	"math"
	"reflect"
)

// Convert returns v as a value of type t, the way a worker passes a decoded
// input to a function's parameter: a value already of type t, or assignable
// to it, is used as is; numbers convert between kinds when the value fits
// exactly (an int to a float64, 3.0 to an int, but not 3.5 or 300 to an
// int8); slices, arrays and maps convert element by element (an []any of
// float64s to a []float64); a struct converts to another struct field by
// field, by name, missing fields staying zero; a value in an interface is
// unwrapped. Anything else is an error that names both types.
func Convert(v any, t reflect.Type) (reflect.Value, error) {
	if v == nil {
		switch t.Kind() {
		case reflect.Interface, reflect.Slice, reflect.Map, reflect.Pointer, reflect.Func, reflect.Chan:
			return reflect.Zero(t), nil
		}
		return reflect.Value{}, fmt.Errorf("cannot use nil as %s", t)
	}
	return convert(reflect.ValueOf(v), t, 0)
}

func convert(v reflect.Value, t reflect.Type, depth int) (reflect.Value, error) {
	if depth > maxDepth {
		return reflect.Value{}, fmt.Errorf("cannot convert %s to %s: nested too deeply", v.Type(), t)
	}
	if v.Kind() == reflect.Interface {
		if v.IsNil() {
			return reflect.Zero(t), nil
		}
		v = v.Elem()
	}
	vt := v.Type()
	if vt == t {
		return v, nil
	}
	if vt.AssignableTo(t) {
		out := reflect.New(t).Elem()
		out.Set(v)
		return out, nil
	}
	if t.Kind() == reflect.Interface {
		if vt.Implements(t) {
			out := reflect.New(t).Elem()
			out.Set(v)
			return out, nil
		}
		return reflect.Value{}, fmt.Errorf("cannot use %s as %s: it does not implement it", vt, t)
	}
	fail := func() (reflect.Value, error) {
		return reflect.Value{}, fmt.Errorf("cannot use %s as %s", vt, t)
	}
	switch {
	case isNumber(vt.Kind()) && isNumber(t.Kind()):
		return convertNumber(v, t)
	case vt.Kind() == reflect.String && t.Kind() == reflect.String, vt.Kind() == reflect.Bool && t.Kind() == reflect.Bool:
		return v.Convert(t), nil
	}
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		if vt.Kind() != reflect.Slice && vt.Kind() != reflect.Array {
			return fail()
		}
		var out reflect.Value
		if t.Kind() == reflect.Slice {
			if vt.Kind() == reflect.Slice && v.IsNil() {
				return reflect.Zero(t), nil
			}
			out = reflect.MakeSlice(t, v.Len(), v.Len())
		} else {
			if v.Len() != t.Len() {
				return fail()
			}
			out = reflect.New(t).Elem()
		}
		for i := 0; i < v.Len(); i++ {
			x, err := convert(v.Index(i), t.Elem(), depth+1)
			if err != nil {
				return reflect.Value{}, fmt.Errorf("[%d]: %w", i, err)
			}
			out.Index(i).Set(x)
		}
		return out, nil
	case reflect.Map:
		if vt.Kind() != reflect.Map {
			return fail()
		}
		if v.IsNil() {
			return reflect.Zero(t), nil
		}
		out := reflect.MakeMapWithSize(t, v.Len())
		it := v.MapRange()
		for it.Next() {
			k, err := convert(it.Key(), t.Key(), depth+1)
			if err != nil {
				return reflect.Value{}, fmt.Errorf("key %v: %w", it.Key(), err)
			}
			x, err := convert(it.Value(), t.Elem(), depth+1)
			if err != nil {
				return reflect.Value{}, fmt.Errorf("[%v]: %w", it.Key(), err)
			}
			out.SetMapIndex(k, x)
		}
		return out, nil
	case reflect.Struct:
		if vt.Kind() != reflect.Struct {
			return fail()
		}
		if vt.ConvertibleTo(t) {
			return v.Convert(t), nil
		}
		out := reflect.New(t).Elem()
		for i := 0; i < vt.NumField(); i++ {
			f := vt.Field(i)
			tf, ok := t.FieldByName(f.Name)
			if !ok || !tf.IsExported() || len(tf.Index) != 1 {
				return reflect.Value{}, fmt.Errorf("cannot use %s as %s: %s has no field %s", vt, t, t, f.Name)
			}
			x, err := convert(v.Field(i), tf.Type, depth+1)
			if err != nil {
				return reflect.Value{}, fmt.Errorf(".%s: %w", f.Name, err)
			}
			out.Field(tf.Index[0]).Set(x)
		}
		return out, nil
	}
	if vt.ConvertibleTo(t) && vt.Kind() == t.Kind() {
		return v.Convert(t), nil
	}
	return fail()
}

func isNumber(k reflect.Kind) bool {
	return (k >= reflect.Int && k <= reflect.Uintptr) || k == reflect.Float32 || k == reflect.Float64
}

// convertNumber converts between numeric kinds when the value survives the
// round trip exactly.
func convertNumber(v reflect.Value, t reflect.Type) (reflect.Value, error) {
	out := v.Convert(t)
	var back reflect.Value
	switch {
	case v.Kind() == reflect.Float32 || v.Kind() == reflect.Float64:
		f := v.Float()
		if math.IsNaN(f) || math.IsInf(f, 0) {
			if t.Kind() == reflect.Float32 || t.Kind() == reflect.Float64 {
				return out, nil
			}
			return reflect.Value{}, fmt.Errorf("cannot use %v (%s) as %s", f, v.Type(), t)
		}
		back = out.Convert(v.Type())
		if back.Float() != f {
			return reflect.Value{}, fmt.Errorf("cannot use %v (%s) as %s: it does not fit exactly", f, v.Type(), t)
		}
		return out, nil
	default:
		back = out.Convert(v.Type())
		if !back.Equal(v) || (isSigned(v.Kind()) && !isFloat(t.Kind()) && !isSigned(t.Kind()) && v.Int() < 0) ||
			(isUnsigned(v.Kind()) && isSigned(t.Kind()) && out.Int() < 0) {
			return reflect.Value{}, fmt.Errorf("cannot use %v (%s) as %s: it does not fit", v.Interface(), v.Type(), t)
		}
		return out, nil
	}
}

func isSigned(k reflect.Kind) bool   { return k >= reflect.Int && k <= reflect.Int64 }
func isUnsigned(k reflect.Kind) bool { return k >= reflect.Uint && k <= reflect.Uintptr }
func isFloat(k reflect.Kind) bool    { return k == reflect.Float32 || k == reflect.Float64 }
