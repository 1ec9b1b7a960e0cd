package complete

import (
	"reflect"
	"slices"
	"testing"

	"github.com/traefik/yaegi/interp"
	"github.com/traefik/yaegi/stdlib"
)

// yaegiScope takes the globals of a real interpreter.
type yaegiScope struct {
	fakeScope
	i *interp.Interpreter
}

func (y yaegiScope) Globals() map[string]Global {
	m := map[string]Global{}
	for name, v := range y.i.Globals() {
		kind := "var"
		if v.Kind() == reflect.Func {
			kind = "func"
		}
		m[name] = Global{Kind: kind, Type: v.Type()}
	}
	return m
}

func TestCompleteWithYaegiValues(t *testing.T) {
	i := interp.New(interp.Options{})
	if err := i.Use(stdlib.Symbols); err != nil {
		t.Fatal(err)
	}
	_, err := i.Eval(`import ("strings"; "sync")
type point struct{ x, y int; Label string }
var p point
var pp = &point{}
var wg sync.WaitGroup
var sb strings.Builder
var mu = &sync.Mutex{}`)
	if err != nil {
		t.Fatal(err)
	}
	s := yaegiScope{i: i}
	for _, tt := range []struct {
		code string
		want []string
	}{
		{"wg.", []string{"Add", "Done", "Wait"}},
		{"sb.", []string{"Len", "String", "WriteString"}},
		{"mu.", []string{"Lock", "Unlock", "TryLock"}},
		{"p.", []string{"Label", "x", "y"}},
		{"pp.", []string{"Label", "x", "y"}},
		{"w", []string{"wg"}},
	} {
		c := Complete(tt.code, len(tt.code), s)
		for _, w := range tt.want {
			if !slices.Contains(c.Matches, w) {
				t.Errorf("Complete(%q) = %v; want %q", tt.code, c.Matches, w)
			}
		}
	}
	in := Inspect("wg.Add", 6, 0, s)
	if !in.Found || in.Data["text/plain"] == "" {
		t.Errorf("Inspect(wg.Add) = %v", in)
	}
}
