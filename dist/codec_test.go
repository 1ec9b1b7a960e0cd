package dist

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestMarshalRoundTrip(t *testing.T) {
	type inner struct {
		A []int
		M map[string]float64
	}
	type outer struct {
		Name  string
		In    inner
		Any   any
		Arr   [3]uint8
		Bytes []byte
		C     complex128
	}
	for _, v := range []any{
		nil, true, false, 0, -1, 1 << 62, math.MinInt64, int8(-128), int16(300), int32(-5), int64(7),
		uint(3), uint8(255), uint16(65535), uint32(1 << 31), uint64(math.MaxUint64), uintptr(9),
		float32(1.5), 3.14, math.Inf(-1), complex64(1 + 2i), complex(3, -4), "", "héllo\x00",
		[]int{1, -2, 3}, []int(nil), []int{}, []float64{0.5, -1e300}, []string{"a", "b"}, []byte("raw"),
		[]any{1, "two", 3.0, nil, []any{true}}, [2]string{"x", "y"},
		map[string]int{"a": 1, "b": 2}, map[int][]string{1: {"u"}}, map[string]any{"k": []float64{1}},
		map[string]int(nil), struct{}{}, []struct{}{{}, {}},
		outer{Name: "o", In: inner{A: []int{4}, M: map[string]float64{"pi": math.Pi}}, Any: 2.5, Arr: [3]uint8{1, 2, 3},
			Bytes: []byte{0, 1}, C: 1i},
		time.Duration(5), // named types travel as their underlying type
	} {
		data, err := Marshal(v)
		if err != nil {
			t.Errorf("Marshal(%#v): %v", v, err)
			continue
		}
		got, err := Unmarshal(data)
		if err != nil {
			t.Errorf("Unmarshal(Marshal(%#v)): %v", v, err)
			continue
		}
		want := reflect.ValueOf(v)
		if v != nil && want.Type().Name() != "" && want.Kind() != reflect.Struct && basicCodes[want.Kind()] != 0 {
			want = want.Convert(basicTypes[basicCodes[want.Kind()]])
		}
		if v == nil {
			if got != nil {
				t.Errorf("nil came back as %#v", got)
			}
			continue
		}
		// Structs come back as the unnamed struct of the same fields.
		gv, err := Convert(got, want.Type())
		if err != nil {
			t.Errorf("%#v came back as %#v: %v", v, got, err)
			continue
		}
		if !reflect.DeepEqual(gv.Interface(), want.Interface()) {
			t.Errorf("%#v came back as %#v", v, got)
		}
		if want.Kind() != reflect.Struct && reflect.TypeOf(got) != want.Type() {
			t.Errorf("%#v came back with type %T, want %s", v, got, want.Type())
		}
	}
}

func TestUnmarshalKeepsStructShape(t *testing.T) {
	type point struct {
		X, Y float64
		Tag  string
	}
	data, err := Marshal([]point{{1, 2, "a"}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := Unmarshal(data)
	if err != nil {
		t.Fatal(err)
	}
	want := reflect.TypeOf([]struct {
		X, Y float64
		Tag  string
	}{})
	if reflect.TypeOf(got) != want {
		t.Errorf("type %T, want %s", got, want)
	}
}

func TestMarshalRefusesWhatCannotCross(t *testing.T) {
	type withPrivate struct {
		Public  int
		private int
	}
	type holder struct {
		Items []any
	}
	x := 1
	self := []any{nil}
	self[0] = self
	for _, c := range []struct {
		v          any
		typ, where string
	}{
		{make(chan int), "chan int", ""},
		{func() {}, "func()", ""},
		{&x, "*int", ""},
		{time.Now(), "time.Time", "unexported field wall"},
		{withPrivate{}, "dist.withPrivate", "unexported field private"},
		{[]any{1, make(chan int)}, "[]interface {}", "at [1]"},
		{holder{Items: []any{1, &x}}, "dist.holder", "at .Items[1]"},
		{map[string]any{"k": func() {}}, "map[string]interface {}", "at [k]"},
		{self, "[]interface {}", "nested too deeply"},
	} {
		_, err := Marshal(c.v)
		var ee *EncodeError
		if !errors.As(err, &ee) {
			t.Errorf("Marshal(%T) = %v; want an *EncodeError", c.v, err)
			continue
		}
		if ee.Type != c.typ || !strings.Contains(err.Error(), c.where) || !strings.Contains(err.Error(), "cannot send") {
			t.Errorf("Marshal(%T): %v (type %q); want type %q and %q", c.v, err, ee.Type, c.typ, c.where)
		}
	}
}

func TestUnmarshalRejectsGarbage(t *testing.T) {
	good, _ := Marshal(map[string][]float64{"a": {1, 2, 3}})
	for i := 0; i < len(good); i++ {
		if _, err := Unmarshal(good[:i]); err == nil {
			t.Errorf("a message cut at %d of %d bytes decoded", i, len(good))
		}
	}
	for _, bad := range [][]byte{
		{99},                             // unknown type
		{tSlice, tInt, 0xff, 0xff, 0x7f}, // a huge length
		{tStruct, 1, 1, 'x', tInt, 2},    // an unexported field name
		{tMap, tSlice, tInt, tInt, 1},    // a map with a slice key
		append(good, 0),                  // trailing bytes
		{tBool, 2},                       // a bool that is neither 0 nor 1
	} {
		if v, err := Unmarshal(bad); err == nil {
			t.Errorf("Unmarshal(%v) = %#v, want an error", bad, v)
		}
	}
}

func TestConvert(t *testing.T) {
	type P struct{ X, Y int }
	type Named []float64
	for _, c := range []struct {
		v    any
		to   any
		want any
	}{
		{3, 0.0, 3.0},
		{3.0, 0, 3},
		{int64(-2), int8(0), int8(-2)},
		{[]any{1, 2.5}, []float64(nil), []float64{1, 2.5}},
		{[]int{1, 2}, Named(nil), Named{1, 2}},
		{map[string]any{"a": 1}, map[string]float64(nil), map[string]float64{"a": 1}},
		{struct{ X, Y int }{1, 2}, P{}, P{1, 2}},
		{struct{ X int }{7}, P{}, P{X: 7}},
		{[]any{struct{ X, Y int }{1, 2}}, []P(nil), []P{{1, 2}}},
		{"s", any(nil), "s"},
	} {
		to := reflect.TypeOf(c.to)
		if c.to == nil {
			to = reflect.TypeFor[any]()
		}
		got, err := Convert(c.v, to)
		if err != nil {
			t.Errorf("Convert(%#v, %s): %v", c.v, to, err)
			continue
		}
		if !reflect.DeepEqual(got.Interface(), c.want) || got.Type() != to {
			t.Errorf("Convert(%#v, %s) = %#v (%s), want %#v", c.v, to, got.Interface(), got.Type(), c.want)
		}
	}
	for _, c := range []struct {
		v    any
		to   reflect.Type
		want string
	}{
		{3.5, reflect.TypeFor[int](), "does not fit exactly"},
		{300, reflect.TypeFor[int8](), "does not fit"},
		{-1, reflect.TypeFor[uint](), "does not fit"},
		{"x", reflect.TypeFor[int](), "cannot use string as int"},
		{struct{ Z int }{1}, reflect.TypeFor[P](), "has no field Z"},
		{[]any{1, "a"}, reflect.TypeFor[[]int](), "[1]: cannot use string as int"},
		{nil, reflect.TypeFor[int](), "cannot use nil as int"},
	} {
		if _, err := Convert(c.v, c.to); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Convert(%#v, %s) = %v, want an error with %q", c.v, c.to, err, c.want)
		}
	}
}

func TestCall(t *testing.T) {
	errBad := errors.New("bad")
	for _, c := range []struct {
		fn   any
		args []any
		want any
		err  string
	}{
		{func(a, b int) int { return a + b }, []any{1, 2}, 3, ""},
		{func() {}, nil, nil, ""},
		{func(x int) (int, string) { return x, "s" }, []any{4}, []any{4, "s"}, ""},
		{func(x int) (int, error) { return x, nil }, []any{4}, 4, ""},
		{func(x int) (int, error) { return 0, errBad }, []any{4}, nil, "bad"},
		{func(xs ...int) int { return len(xs) }, []any{1, 2, 3}, 3, ""},
		{func(string) {}, []any{1}, nil, "argument 1: cannot use int as string"},
		{func(a, b int) {}, []any{1}, nil, "takes 2 arguments (int, int), got 1"},
		{func() { panic("oops") }, nil, nil, "panic: oops"},
	} {
		got, err := call(reflect.ValueOf(c.fn), c.args)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("call(%T, %v) = %v, %v; want error %q", c.fn, c.args, got, err, c.err)
			}
			continue
		}
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("call(%T, %v) = %#v, %v; want %#v", c.fn, c.args, got, err, c.want)
		}
	}
}

func TestWireMessages(t *testing.T) {
	o := op{Kind: opTask, Seq: 7, Job: 3, Fn: "f", Data: []byte{1, 2}}
	var o2 op
	if err := o2.unmarshal(o.marshal()); err != nil || !reflect.DeepEqual(o, o2) {
		t.Errorf("op: %+v, %v", o2, err)
	}
	r := reply{Seq: 9, Worker: 2, Results: []byte{5}, ErrKind: errKindPanic, ErrAt: 1, Err: "x"}
	var r2 reply
	if err := r2.unmarshal(r.marshal()); err != nil || !reflect.DeepEqual(r, r2) {
		t.Errorf("reply: %+v, %v", r2, err)
	}
	h := heartbeat{Worker: 4, MaxSeq: 10, Held: []uint64{9, 10}}
	var h2 heartbeat
	if err := h2.unmarshal(h.marshal()); err != nil || !reflect.DeepEqual(h, h2) {
		t.Errorf("heartbeat: %+v, %v", h2, err)
	}
	j := join{ID: 3, PID: 100, Host: "h", Master: "m", HB: time.Second, Lost: time.Minute, Err: "e"}
	var j2 join
	if err := j2.unmarshal(j.marshal()); err != nil || !reflect.DeepEqual(j, j2) {
		t.Errorf("join: %+v, %v", j2, err)
	}
	s := subjects{prefix: "gopar", master: "abc"}
	for subj, want := range map[string]string{s.replyTo(12): "r", s.output(): "out", s.workerHB(): "hb"} {
		if k, _, err := s.kindOf(subj); err != nil || k != want {
			t.Errorf("kindOf(%q) = %q, %v", subj, k, err)
		}
	}
	for p, ok := range map[string]bool{"gopar": true, "a.b-c_1": true, "": false, "a..b": false, "a.": false, "a b": false, "a.*": false} {
		if validPrefix(p) != ok {
			t.Errorf("validPrefix(%q) = %v", p, !ok)
		}
	}
}

func TestRangeAndEach(t *testing.T) {
	if got := Range(2, 5); !reflect.DeepEqual(got, []any{2, 3, 4}) {
		t.Errorf("Range(2, 5) = %v", got)
	}
	if got := Range(5, 2); len(got) != 0 {
		t.Errorf("Range(5, 2) = %v", got)
	}
	if got := Each([]float64{1.5, 2}); !reflect.DeepEqual(got, []any{1.5, 2.0}) {
		t.Errorf("Each = %v", got)
	}
	defer func() {
		if recover() == nil {
			t.Errorf("Each(3) did not panic")
		}
	}()
	Each(3)
}
