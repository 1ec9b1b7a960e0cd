package interp

import (
	"context"
	"reflect"
	"slices"
	"strings"
	"testing"

	yaegi "github.com/traefik/yaegi/interp"
	"github.com/traefik/yaegi/stdlib"
)

// TestYaegiInternals pins what the engine relies on in yaegi's unexported
// fields (yaegi_internals.go): a yaegi upgrade that changes them fails
// here, and makes New fail, rather than an engine that misbehaves.
func TestYaegiInternals(t *testing.T) {
	it := yaegi.New(yaegi.Options{})
	if _, err := checkInternals(it); err == nil || !strings.Contains(err.Error(), "package main") {
		t.Errorf("an interpreter that evaluated no code of package main: %v", err)
	}
	if _, err := it.Eval("func add(a, b int) int { return a + b }\nvar mul = func(a, b int) int { return a * b }"); err != nil {
		t.Fatal(err)
	}
	in, err := checkInternals(it)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("id", func(t *testing.T) {
		// Cancelling an evaluation changes the run id (in an interpreter
		// of its own: the cancelled Eval ends on its own, and there is no
		// telling the race detector when).
		it2 := yaegi.New(yaegi.Options{})
		if _, err := it2.Eval("func f() {}"); err != nil {
			t.Fatal(err)
		}
		in2, err := checkInternals(it2)
		if err != nil {
			t.Fatal(err)
		}
		id2 := in2.runID()
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, _ = it2.EvalWithContext(ctx, "select {}")
		if got := in2.runID(); got != id2+1 {
			t.Fatalf("a cancelled evaluation made the run id %d, from %d", got, id2)
		}

		// A changed run id stops the closures made before...
		id := in.runID()
		in.bumpRunID()
		if in.runID() != id+1 {
			t.Fatalf("bumpRunID: %d", in.runID())
		}
		if v, err := it.Eval("mul(2, 3)"); err != nil || v.Int() != 0 {
			t.Fatalf("mul(2, 3) after the run id changed = %v, %v; yaegi no longer stops closures made before an interrupt?", v, err)
		}
		// ... until it is restored.
		in.setRunID(id)
		if v, err := it.Eval("mul(2, 3)"); err != nil || v.Int() != 6 {
			t.Fatalf("mul(2, 3) after restoring the run id = %v, %v", v, err)
		}

		// A declared function's value taken while the run id is changed
		// (an evaluation then gives the global frame that id) works when
		// compiled code calls it after the restore, before any other
		// evaluation: setRunID restores the global frame's id too.
		in.bumpRunID()
		f, err := it.Eval("add")
		if err != nil {
			t.Fatal(err)
		}
		in.setRunID(id)
		if out := f.Call([]reflect.Value{reflect.ValueOf(2), reflect.ValueOf(3)}); out[0].Int() != 5 {
			t.Fatalf("add(2, 3) called from compiled code after the restore = %v", out[0])
		}
	})

	t.Run("roots and scopes", func(t *testing.T) {
		if _, err := it.Eval("func sub(a, b int) int { return a - b }"); err != nil {
			t.Fatal(err)
		}
		if roots, scopes := in.kept(); roots == 0 || scopes == 0 {
			t.Fatalf("yaegi no longer keeps syntax trees (%d) and package scopes (%d)?", roots, scopes)
		}
		in.dropRoots()
		if roots, scopes := in.kept(); roots != 0 || scopes != 0 {
			t.Fatalf("after dropRoots: %d syntax trees and %d scopes kept", roots, scopes)
		}
		if v, err := it.Eval("sub(add(2, 3), 1)"); err != nil || v.Int() != 4 {
			t.Fatalf("functions after dropRoots: %v, %v", v, err)
		}
	})

	t.Run("generic instances", func(t *testing.T) {
		if _, err := it.Eval("func G[T any](x T) T { return x }\nfunc H[T any](x T) T { return x }"); err != nil {
			t.Fatal(err)
		}
		if _, err := it.Eval("G(int(1)); G(\"s\"); H(int(2))"); err != nil {
			t.Fatal(err)
		}
		got := in.genericInstances()
		if !slices.Contains(got, "G[int]") || !slices.Contains(got, "H[int]") {
			t.Fatalf("instances %q: yaegi no longer names them F[T]?", got)
		}
		in.forgetGenericInstances("G")
		got = in.genericInstances()
		if slices.ContainsFunc(got, func(s string) bool { return strings.HasPrefix(s, "G[") }) || !slices.Contains(got, "H[int]") {
			t.Fatalf("after forgetting G's instances: %q", got)
		}
	})

	t.Run("hidden globals", func(t *testing.T) {
		// A global variable named as a package shadows the package...
		if err := it.Use(stdlib.Symbols); err != nil {
			t.Fatal(err)
		}
		if _, err := it.Eval("import \"strings\"\nvar strings = []byte(\"x\")\nfunc n() int { return len(strings) }"); err != nil {
			t.Fatal(err)
		}
		if _, err := it.Eval("strings.ToUpper(\"a\")"); err == nil {
			t.Fatal("yaegi no longer lets a global variable shadow a package?")
		}
		// ... until its name is removed; code compiled before keeps it.
		if !in.hideGlobal("strings") || in.hideGlobal("strings") {
			t.Fatal("hideGlobal: the name was not there, or still is")
		}
		if v, err := it.Eval("strings.ToUpper(\"a\")"); err != nil || v.String() != "A" {
			t.Fatalf("the package after hiding the variable: %v, %v", v, err)
		}
		if v, err := it.Eval("n()"); err != nil || v.Int() != 1 {
			t.Fatalf("a function compiled before: %v, %v", v, err)
		}
	})

	t.Run("missing field", func(t *testing.T) {
		v := reflect.ValueOf(&struct{ ID uint64 }{}).Elem()
		if _, err := internalField(v, "id", reflect.Uint64); err == nil || !strings.Contains(err.Error(), `"id"`) {
			t.Errorf("a missing field: %v", err)
		}
		if _, err := internalField(v, "ID", reflect.Slice); err == nil || !strings.Contains(err.Error(), "not a slice") {
			t.Errorf("a field of another kind: %v", err)
		}
	})
}
