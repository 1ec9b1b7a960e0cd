package cellsyntax

import (
	"go/types"
	"testing"
)

// TestPredeclared checks the list against go/types' universe.
func TestPredeclared(t *testing.T) {
	n := 0
	for _, name := range types.Universe.Names() {
		var want string
		switch types.Universe.Lookup(name).(type) {
		case *types.Builtin:
			want = "func"
		case *types.TypeName:
			want = "type"
		case *types.Const:
			want = "const"
		case *types.Nil:
			want = "var"
		default:
			t.Fatalf("universe object %s of unexpected type", name)
		}
		n++
		if !IsPredeclared(name) {
			t.Errorf("%s is predeclared", name)
		}
		found := false
		for p, kind := range Predeclared() {
			if p == name {
				found = true
				if kind != want {
					t.Errorf("%s is a %s; want %s", name, kind, want)
				}
			}
		}
		if !found {
			t.Errorf("Predeclared lacks %s", name)
		}
	}
	m := 0
	for range Predeclared() {
		m++
	}
	if m != n {
		t.Errorf("Predeclared has %d names; the universe %d", m, n)
	}
	for _, name := range []string{"fmt", "x", "main", "Println", "__gopar"} {
		if IsPredeclared(name) {
			t.Errorf("%s is not predeclared", name)
		}
	}
}
