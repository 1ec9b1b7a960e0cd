package interp

import (
	"testing"
)

// TestGo121Builtins checks min, max and clear, which yaegi lacks.
func TestGo121Builtins(t *testing.T) {
	e := newEngine(t)
	r, _ := mustRun(t, e, "a, b := 4, 9\nm := map[int]int{1: 1}\nclear(m)\ns := []int{1, 2}\nclear(s)\nfmt.Sprint(min(a, b)+1, max(2.5, 1.0), min(\"b\", \"a\"), len(m), s)")
	if r != `"5 2.5a0 [0 0]"` {
		t.Fatalf("got %s", r)
	}
}

// TestClosuresHandedToCompiledCode checks that a closure made in a loop
// body and handed to compiled code sees its own iteration's variables (yaegi
// would show it the last iteration's), inside functions and at the top
// level, for the loop variable and for variables of the body.
func TestClosuresHandedToCompiledCode(t *testing.T) {
	e := newEngine(t)
	for _, tc := range []struct{ code, result string }{
		{"func f() []any {\n\tvar ts []*parlib.Task\n\tfor w := 0; w < 4; w++ {\n\t\twid := w\n\t\tts = append(ts, parlib.Spawn(func() any { time.Sleep(10 * time.Millisecond); return wid }))\n\t}\n\tvar out []any\n\tfor _, t := range ts {\n\t\tv, _ := t.Fetch()\n\t\tout = append(out, v)\n\t}\n\treturn out\n}\nf()", "[0 1 2 3]"},
		{"func g() []any {\n\tvar ts []*parlib.Task\n\tfor w := 0; w < 4; w++ {\n\t\tts = append(ts, parlib.Spawn(func() any { time.Sleep(10 * time.Millisecond); return w }))\n\t}\n\tvar out []any\n\tfor _, t := range ts {\n\t\tv, _ := t.Fetch()\n\t\tout = append(out, v)\n\t}\n\treturn out\n}\ng()", "[0 1 2 3]"},
		// 1000 tasks at the top level, body variable and loop variable.
		{"var ts []*parlib.Task\nfor w := 0; w < 1000; w++ {\n\tsq := w * w\n\tts = append(ts, parlib.Spawn(func() any { return [2]int{w, sq} }))\n}\nbad := 0\nfor i, t := range ts {\n\tv, _ := t.Fetch()\n\tif v != [2]int{i, i * i} {\n\t\tbad++\n\t}\n}\nbad", "0"},
		{"var mu sync.Mutex\nseen := map[int]bool{}\ng := parlib.NewGroup(4)\nfor _, v := range []int{10, 20, 30} {\n\tid := v + 1\n\tg.Spawn(func() { time.Sleep(5 * time.Millisecond); mu.Lock(); seen[id] = true; mu.Unlock() })\n}\ng.Wait()\nfmt.Sprint(seen[11], seen[21], seen[31], len(seen))", `"true true true 3"`},
		{"results := make([]int, 8)\nfor i := range 8 {\n\tk := i * 3\n\tparlib.For(1, func(int) { results[i] = k })\n}\nresults", "[0 3 6 9 12 15 18 21]"},
	} {
		if r, _ := mustRun(t, e, tc.code); r != tc.result {
			t.Errorf("cell %q: got %s, want %s", tc.code, r, tc.result)
		}
	}
}
