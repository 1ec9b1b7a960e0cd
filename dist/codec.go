package dist

import (
	"encoding/binary"
	"errors"
	"fmt"
	"go/token"
	"math"
	"reflect"
	"sync"
)

// The value encoding. Every value that crosses a process (a Pmap input, a
// task's result, a broadcast value) is written as its type followed by its
// data, so that the receiver rebuilds a value of the same shape without
// knowing the sender's types. See the package documentation for the format.

// Type codes: the first byte of a type description.
const (
	tNil        byte = 0 // only as the dynamic type of an interface: no value
	tBool       byte = 1
	tInt        byte = 2
	tInt8       byte = 3
	tInt16      byte = 4
	tInt32      byte = 5
	tInt64      byte = 6
	tUint       byte = 7
	tUint8      byte = 8
	tUint16     byte = 9
	tUint32     byte = 10
	tUint64     byte = 11
	tUintptr    byte = 12
	tFloat32    byte = 13
	tFloat64    byte = 14
	tComplex64  byte = 15
	tComplex128 byte = 16
	tString     byte = 17
	tSlice      byte = 18 // element type follows
	tArray      byte = 19 // length (uvarint), then element type
	tMap        byte = 20 // key type, then element type
	tStruct     byte = 21 // field count (uvarint), then name (string) and type of each field
	tAny        byte = 22 // an interface: the data is a whole value (type and data)
)

// maxDepth bounds the nesting of types and values, so that a value that
// contains itself (an []any holding itself) is an error, not a stack
// overflow.
const maxDepth = 64

// EncodeError is the error for a value that cannot cross a process: it
// names the value's type and, inside a composite value, the path to the
// part that cannot.
type EncodeError struct {
	// Type is the type of the value given to the encoder.
	Type string
	// Path locates the offending part: ".Field", "[3]", "[key]"; empty
	// when it is the value itself.
	Path string
	// Reason says what cannot be sent.
	Reason string
}

// Error says what cannot be sent, naming the type and the place.
func (e *EncodeError) Error() string {
	if e.Path == "" {
		return fmt.Sprintf("dist: cannot send a value of type %s: %s", e.Type, e.Reason)
	}
	return fmt.Sprintf("dist: cannot send a value of type %s: at %s: %s", e.Type, e.Path, e.Reason)
}

// errTruncated and errCorrupt are decoding failures: a message that is not
// what a gopar process wrote.
var (
	errTruncated = errors.New("dist: truncated message")
	errCorrupt   = errors.New("dist: corrupt message")
)

// Marshal encodes v, which may be nil, a bool, a number, a string, or a
// slice, array, map or struct of those (to any depth). Named types travel as
// their underlying types; only exported struct fields travel, and a struct
// with unexported fields cannot be sent, since its value would arrive
// incomplete. Anything else (a pointer, a channel, a function…) is an
// *EncodeError naming the value's type.
func Marshal(v any) ([]byte, error) {
	var e encoder
	if err := e.value(v); err != nil {
		return nil, err
	}
	return e.buf, nil
}

// Unmarshal decodes a value written by Marshal. Numbers, strings and bools
// come back with their Go type (int stays int, float32 stays float32);
// composite values come back as the unnamed type of the same shape: a
// []float64 as []float64, a struct as a struct with the same field names
// and types (which is the very type of a struct declared in a notebook cell
// with the same fields). Convert adapts such a value to a named type.
func Unmarshal(data []byte) (any, error) {
	d := decoder{buf: data}
	v, err := d.value(0)
	if err != nil {
		return nil, err
	}
	if len(d.buf) != 0 {
		return nil, errCorrupt
	}
	return v, nil
}

// encoder appends encoded values to buf.
type encoder struct {
	buf []byte
}

func (e *encoder) byte(b byte) { e.buf = append(e.buf, b) }

func (e *encoder) uvarint(x uint64) { e.buf = binary.AppendUvarint(e.buf, x) }

func (e *encoder) varint(x int64) { e.buf = binary.AppendVarint(e.buf, x) }

func (e *encoder) string(s string) {
	e.uvarint(uint64(len(s)))
	e.buf = append(e.buf, s...)
}

func (e *encoder) bytes(b []byte) {
	e.uvarint(uint64(len(b)))
	e.buf = append(e.buf, b...)
}

func (e *encoder) float64(f float64) {
	e.buf = binary.LittleEndian.AppendUint64(e.buf, math.Float64bits(f))
}

func (e *encoder) float32(f float32) {
	e.buf = binary.LittleEndian.AppendUint32(e.buf, math.Float32bits(f))
}

// value writes v's type and data (as the content of an interface).
func (e *encoder) value(v any) error {
	// The common cases without reflect.
	switch x := v.(type) {
	case nil:
		e.byte(tNil)
		return nil
	case int:
		e.byte(tInt)
		e.varint(int64(x))
		return nil
	case float64:
		e.byte(tFloat64)
		e.float64(x)
		return nil
	case string:
		e.byte(tString)
		e.string(x)
		return nil
	case bool:
		e.byte(tBool)
		e.bool(x)
		return nil
	}
	rv := reflect.ValueOf(v)
	mark := len(e.buf)
	if err := e.typ(rv.Type(), 0); err != nil {
		e.buf = e.buf[:mark]
		return withType(err, rv.Type())
	}
	if err := e.data(rv, 0); err != nil {
		e.buf = e.buf[:mark]
		return withType(err, rv.Type())
	}
	return nil
}

func (e *encoder) bool(b bool) {
	if b {
		e.byte(1)
	} else {
		e.byte(0)
	}
}

// withType completes an *EncodeError with the type of the top-level value.
func withType(err error, t reflect.Type) error {
	var ee *EncodeError
	if errors.As(err, &ee) && ee.Type == "" {
		ee.Type = t.String()
	}
	return err
}

// typeErr is an *EncodeError for part of a value; the top-level type is
// filled in by value.
func typeErr(path string, t reflect.Type, why string) error {
	if why == "" {
		why = t.String() + " values cannot cross processes (" + t.Kind().String() + ")"
	}
	return &EncodeError{Path: path, Reason: why}
}

var basicCodes = map[reflect.Kind]byte{
	reflect.Bool: tBool, reflect.Int: tInt, reflect.Int8: tInt8, reflect.Int16: tInt16, reflect.Int32: tInt32,
	reflect.Int64: tInt64, reflect.Uint: tUint, reflect.Uint8: tUint8, reflect.Uint16: tUint16,
	reflect.Uint32: tUint32, reflect.Uint64: tUint64, reflect.Uintptr: tUintptr, reflect.Float32: tFloat32,
	reflect.Float64: tFloat64, reflect.Complex64: tComplex64, reflect.Complex128: tComplex128,
	reflect.String: tString,
}

// typ writes the description of t.
func (e *encoder) typ(t reflect.Type, depth int) error {
	if depth > maxDepth {
		return typeErr("", t, "nested too deeply (more than 64 levels)")
	}
	if c, ok := basicCodes[t.Kind()]; ok {
		e.byte(c)
		return nil
	}
	switch t.Kind() {
	case reflect.Interface:
		e.byte(tAny)
		return nil
	case reflect.Slice:
		e.byte(tSlice)
		return prefix("[]", e.typ(t.Elem(), depth+1))
	case reflect.Array:
		e.byte(tArray)
		e.uvarint(uint64(t.Len()))
		return prefix("[0]", e.typ(t.Elem(), depth+1))
	case reflect.Map:
		e.byte(tMap)
		if err := e.typ(t.Key(), depth+1); err != nil {
			return prefix("[key]", err)
		}
		return prefix("[value]", e.typ(t.Elem(), depth+1))
	case reflect.Struct:
		e.byte(tStruct)
		e.uvarint(uint64(t.NumField()))
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			if !f.IsExported() {
				return typeErr("", t, fmt.Sprintf("struct %s has an unexported field %s, whose value cannot be sent", t, f.Name))
			}
			e.string(f.Name)
			if err := e.typ(f.Type, depth+1); err != nil {
				return prefix("."+f.Name, err)
			}
		}
		return nil
	}
	return typeErr("", t, "")
}

// prefix puts p before the path of an *EncodeError.
func prefix(p string, err error) error {
	var ee *EncodeError
	if errors.As(err, &ee) {
		ee.Path = p + ee.Path
	}
	return err
}

// data writes the data of v, whose type has been written.
func (e *encoder) data(v reflect.Value, depth int) error {
	if depth > maxDepth {
		return typeErr("", v.Type(), "nested too deeply (more than 64 levels): does the value contain itself?")
	}
	switch v.Kind() {
	case reflect.Bool:
		e.bool(v.Bool())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		e.varint(v.Int())
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		e.uvarint(v.Uint())
	case reflect.Float32:
		e.float32(float32(v.Float()))
	case reflect.Float64:
		e.float64(v.Float())
	case reflect.Complex64:
		c := v.Complex()
		e.float32(float32(real(c)))
		e.float32(float32(imag(c)))
	case reflect.Complex128:
		c := v.Complex()
		e.float64(real(c))
		e.float64(imag(c))
	case reflect.String:
		e.string(v.String())
	case reflect.Interface:
		if v.IsNil() {
			e.byte(tNil)
			return nil
		}
		el := v.Elem()
		if err := e.typ(el.Type(), depth+1); err != nil {
			return err
		}
		return e.data(el, depth+1)
	case reflect.Slice:
		if v.IsNil() {
			e.uvarint(0)
			return nil
		}
		e.uvarint(uint64(v.Len()) + 1)
		return e.elems(v, depth)
	case reflect.Array:
		return e.elems(v, depth)
	case reflect.Map:
		if v.IsNil() {
			e.uvarint(0)
			return nil
		}
		e.uvarint(uint64(v.Len()) + 1)
		it := v.MapRange()
		for it.Next() {
			if err := e.data(it.Key(), depth+1); err != nil {
				return prefix("[key]", err)
			}
			if err := e.data(it.Value(), depth+1); err != nil {
				return prefix(fmt.Sprintf("[%v]", it.Key()), err)
			}
		}
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if err := e.data(v.Field(i), depth+1); err != nil {
				return prefix("."+v.Type().Field(i).Name, err)
			}
		}
	default:
		return typeErr("", v.Type(), "")
	}
	return nil
}

// elems writes the elements of a slice or array, with fast paths for the
// slices numeric code sends most.
func (e *encoder) elems(v reflect.Value, depth int) error {
	if v.Kind() == reflect.Slice {
		switch v.Type().Elem().Kind() {
		case reflect.Uint8:
			e.buf = append(e.buf, v.Bytes()...)
			return nil
		case reflect.Float64:
			if v.Type().Elem() == reflect.TypeFor[float64]() {
				for _, f := range v.Interface().([]float64) {
					e.float64(f)
				}
				return nil
			}
		case reflect.Int:
			if v.Type().Elem() == reflect.TypeFor[int]() {
				for _, x := range v.Interface().([]int) {
					e.varint(int64(x))
				}
				return nil
			}
		}
	}
	for i := 0; i < v.Len(); i++ {
		if err := e.data(v.Index(i), depth+1); err != nil {
			return prefix(fmt.Sprintf("[%d]", i), err)
		}
	}
	return nil
}

// decoder reads encoded values from buf.
type decoder struct {
	buf []byte
}

func (d *decoder) byte() (byte, error) {
	if len(d.buf) == 0 {
		return 0, errTruncated
	}
	b := d.buf[0]
	d.buf = d.buf[1:]
	return b, nil
}

func (d *decoder) uvarint() (uint64, error) {
	x, n := binary.Uvarint(d.buf)
	if n <= 0 {
		return 0, errTruncated
	}
	d.buf = d.buf[n:]
	return x, nil
}

func (d *decoder) varint() (int64, error) {
	x, n := binary.Varint(d.buf)
	if n <= 0 {
		return 0, errTruncated
	}
	d.buf = d.buf[n:]
	return x, nil
}

// count reads a length that must not exceed what the message can hold
// (each element takes at least min bytes; 0 for zero-size elements).
func (d *decoder) count(min int) (int, error) { return d.countPlus(min, 0) }

// countPlus reads a length written plus extra (slices and maps write their
// length plus 1, so that 0 means nil), checked as count does.
func (d *decoder) countPlus(min int, extra uint64) (int, error) {
	n, err := d.uvarint()
	if err != nil {
		return 0, err
	}
	limit := uint64(len(d.buf)) + extra
	if min > 0 {
		limit = uint64(len(d.buf))/uint64(min) + extra
	} else {
		limit = 1 << 24
	}
	if n > limit {
		return 0, errCorrupt
	}
	return int(n), nil
}

func (d *decoder) take(n int) ([]byte, error) {
	if n < 0 || n > len(d.buf) {
		return nil, errTruncated
	}
	b := d.buf[:n:n]
	d.buf = d.buf[n:]
	return b, nil
}

func (d *decoder) string() (string, error) {
	n, err := d.count(1)
	if err != nil {
		return "", err
	}
	b, err := d.take(n)
	return string(b), err
}

func (d *decoder) bytes() ([]byte, error) {
	n, err := d.count(1)
	if err != nil {
		return nil, err
	}
	return d.take(n)
}

func (d *decoder) float64() (float64, error) {
	b, err := d.take(8)
	if err != nil {
		return 0, err
	}
	return math.Float64frombits(binary.LittleEndian.Uint64(b)), nil
}

func (d *decoder) float32() (float32, error) {
	b, err := d.take(4)
	if err != nil {
		return 0, err
	}
	return math.Float32frombits(binary.LittleEndian.Uint32(b)), nil
}

// value reads a type and its data (the content of an interface).
func (d *decoder) value(depth int) (any, error) {
	if len(d.buf) == 0 {
		return nil, errTruncated
	}
	switch d.buf[0] { // the common cases without reflect
	case tNil:
		d.buf = d.buf[1:]
		return nil, nil
	case tInt:
		d.buf = d.buf[1:]
		x, err := d.varint()
		return int(x), err
	case tFloat64:
		d.buf = d.buf[1:]
		return d.float64()
	case tString:
		d.buf = d.buf[1:]
		return d.string()
	}
	t, err := d.typ(depth)
	if err != nil {
		return nil, err
	}
	v := reflect.New(t).Elem()
	if err := d.data(v, depth); err != nil {
		return nil, err
	}
	return v.Interface(), nil
}

var basicTypes = map[byte]reflect.Type{
	tBool: reflect.TypeFor[bool](), tInt: reflect.TypeFor[int](), tInt8: reflect.TypeFor[int8](),
	tInt16: reflect.TypeFor[int16](), tInt32: reflect.TypeFor[int32](), tInt64: reflect.TypeFor[int64](),
	tUint: reflect.TypeFor[uint](), tUint8: reflect.TypeFor[uint8](), tUint16: reflect.TypeFor[uint16](),
	tUint32: reflect.TypeFor[uint32](), tUint64: reflect.TypeFor[uint64](), tUintptr: reflect.TypeFor[uintptr](),
	tFloat32: reflect.TypeFor[float32](), tFloat64: reflect.TypeFor[float64](),
	tComplex64: reflect.TypeFor[complex64](), tComplex128: reflect.TypeFor[complex128](),
	tString: reflect.TypeFor[string](), tAny: reflect.TypeFor[any](),
}

// typeCache maps type descriptions to the types built from them, so that a
// struct type is built once however many values of it arrive.
var typeCache sync.Map // string → reflect.Type

// typ reads a type description.
func (d *decoder) typ(depth int) (reflect.Type, error) {
	start := d.buf
	if len(start) > 0 && start[0] >= tSlice && start[0] <= tStruct {
		t, err := d.typUncached(depth)
		if err != nil {
			return nil, err
		}
		key := string(start[:len(start)-len(d.buf)])
		if c, ok := typeCache.Load(key); ok {
			return c.(reflect.Type), nil
		}
		typeCache.Store(key, t)
		return t, nil
	}
	return d.typUncached(depth)
}

func (d *decoder) typUncached(depth int) (reflect.Type, error) {
	if depth > maxDepth {
		return nil, errCorrupt
	}
	c, err := d.byte()
	if err != nil {
		return nil, err
	}
	if t, ok := basicTypes[c]; ok {
		return t, nil
	}
	switch c {
	case tSlice:
		el, err := d.typUncached(depth + 1)
		if err != nil {
			return nil, err
		}
		return reflect.SliceOf(el), nil
	case tArray:
		n, err := d.uvarint()
		if err != nil {
			return nil, err
		}
		if n > 1<<30 {
			return nil, errCorrupt
		}
		el, err := d.typUncached(depth + 1)
		if err != nil {
			return nil, err
		}
		return reflect.ArrayOf(int(n), el), nil
	case tMap:
		k, err := d.typUncached(depth + 1)
		if err != nil {
			return nil, err
		}
		el, err := d.typUncached(depth + 1)
		if err != nil {
			return nil, err
		}
		if !k.Comparable() {
			return nil, errCorrupt
		}
		return reflect.MapOf(k, el), nil
	case tStruct:
		n, err := d.count(2)
		if err != nil {
			return nil, err
		}
		fields := make([]reflect.StructField, n)
		seen := map[string]bool{}
		for i := range fields {
			name, err := d.string()
			if err != nil {
				return nil, err
			}
			if !exportedIdent(name) || seen[name] {
				return nil, errCorrupt
			}
			seen[name] = true
			ft, err := d.typUncached(depth + 1)
			if err != nil {
				return nil, err
			}
			fields[i] = reflect.StructField{Name: name, Type: ft}
		}
		return reflect.StructOf(fields), nil
	}
	return nil, errCorrupt
}

// exportedIdent tells whether s is an exported Go identifier.
func exportedIdent(s string) bool { return token.IsIdentifier(s) && token.IsExported(s) }

// data reads the data of a value of v's type into v.
func (d *decoder) data(v reflect.Value, depth int) error {
	if depth > maxDepth {
		return errCorrupt
	}
	switch v.Kind() {
	case reflect.Bool:
		b, err := d.byte()
		if err != nil {
			return err
		}
		if b > 1 {
			return errCorrupt
		}
		v.SetBool(b == 1)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		x, err := d.varint()
		if err != nil {
			return err
		}
		if v.OverflowInt(x) {
			return errCorrupt
		}
		v.SetInt(x)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		x, err := d.uvarint()
		if err != nil {
			return err
		}
		if v.OverflowUint(x) {
			return errCorrupt
		}
		v.SetUint(x)
	case reflect.Float32:
		f, err := d.float32()
		if err != nil {
			return err
		}
		v.SetFloat(float64(f))
	case reflect.Float64:
		f, err := d.float64()
		if err != nil {
			return err
		}
		v.SetFloat(f)
	case reflect.Complex64:
		re, err := d.float32()
		if err != nil {
			return err
		}
		im, err := d.float32()
		if err != nil {
			return err
		}
		v.SetComplex(complex(float64(re), float64(im)))
	case reflect.Complex128:
		re, err := d.float64()
		if err != nil {
			return err
		}
		im, err := d.float64()
		if err != nil {
			return err
		}
		v.SetComplex(complex(re, im))
	case reflect.String:
		s, err := d.string()
		if err != nil {
			return err
		}
		v.SetString(s)
	case reflect.Interface:
		x, err := d.value(depth + 1)
		if err != nil {
			return err
		}
		if x != nil {
			v.Set(reflect.ValueOf(x))
		}
	case reflect.Slice:
		n, err := d.countPlus(minSize(v.Type().Elem()), 1)
		if err != nil {
			return err
		}
		if n == 0 {
			return nil // nil slice
		}
		n--
		if v.Type().Elem().Kind() == reflect.Uint8 {
			b, err := d.take(n)
			if err != nil {
				return err
			}
			s := reflect.MakeSlice(v.Type(), n, n)
			reflect.Copy(s, reflect.ValueOf(b))
			v.Set(s)
			return nil
		}
		v.Set(reflect.MakeSlice(v.Type(), n, n))
		return d.elems(v, depth)
	case reflect.Array:
		return d.elems(v, depth)
	case reflect.Map:
		n, err := d.countPlus(1+minSize(v.Type().Elem()), 1)
		if err != nil {
			return err
		}
		if n == 0 {
			return nil
		}
		n--
		m := reflect.MakeMapWithSize(v.Type(), n)
		for i := 0; i < n; i++ {
			k := reflect.New(v.Type().Key()).Elem()
			if err := d.data(k, depth+1); err != nil {
				return err
			}
			x := reflect.New(v.Type().Elem()).Elem()
			if err := d.data(x, depth+1); err != nil {
				return err
			}
			m.SetMapIndex(k, x)
		}
		v.Set(m)
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if err := d.data(v.Field(i), depth+1); err != nil {
				return err
			}
		}
	default:
		return errCorrupt
	}
	return nil
}

// minSize is the fewest bytes an encoded value of type t takes (0 for
// types of no data, such as struct{}).
func minSize(t reflect.Type) int {
	switch t.Kind() {
	case reflect.Struct:
		for i := 0; i < t.NumField(); i++ {
			if minSize(t.Field(i).Type) > 0 {
				return 1
			}
		}
		return 0
	case reflect.Array:
		if t.Len() == 0 {
			return 0
		}
		return minSize(t.Elem())
	case reflect.Float32:
		return 4
	case reflect.Float64:
		return 8
	}
	return 1
}

// elems reads the elements of a slice or array.
func (d *decoder) elems(v reflect.Value, depth int) error {
	if v.Kind() == reflect.Slice {
		switch v.Type().Elem() {
		case reflect.TypeFor[float64]():
			s := v.Interface().([]float64)
			if len(d.buf) < 8*len(s) {
				return errTruncated
			}
			for i := range s {
				s[i] = math.Float64frombits(binary.LittleEndian.Uint64(d.buf[8*i:]))
			}
			d.buf = d.buf[8*len(s):]
			return nil
		case reflect.TypeFor[int]():
			s := v.Interface().([]int)
			for i := range s {
				x, err := d.varint()
				if err != nil {
					return err
				}
				s[i] = int(x)
			}
			return nil
		}
	}
	for i := 0; i < v.Len(); i++ {
		if err := d.data(v.Index(i), depth+1); err != nil {
			return err
		}
	}
	return nil
}
