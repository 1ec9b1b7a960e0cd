package interp

import (
	"context"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/gopar/gopar/engine"
)

// restoreCells are run in one engine; their Restore texts are replayed in
// another.
var restoreCells = []struct {
	code  string
	vars  []string // the cell's Variables
	fails bool     // the cell fails (what it defined before failing is restored)
}{
	{code: "import m \"math\"\nconst k = 3\ntype P struct{ X, Y float64 }\nfunc (p P) Norm() float64 { return m.Sqrt(p.X*p.X + p.Y*p.Y) }\n// twice doubles.\nfunc twice(x int) int { return 2 * x }"},
	{code: "x := twice(k)\nvar name = \"gopher\"\nvar ps []P\nps = append(ps, P{3, 4})\ncount, err := strconv.Atoi(\"12\")",
		vars: []string{"count", "err", "name", "ps", "x"}},
	{code: "func useX() int { return x + len(name) + len(ps) }"},
	{code: "%env GOPAR_RESTORE_TEST=1\ny := 2.5", vars: []string{"y"}},
	{code: "undefinedThing", fails: true},
	{code: "func stays() int { return 43 }\nvar r = 8\npanic(\"after its definitions\")", vars: []string{"r"}, fails: true},
	{code: "func twice(x int) int { return 3 * x }\nx = 7", vars: []string{"x"}},
	{code: "%time z := twice(2)", vars: []string{"z"}},
	{code: "func Max[T int | float64](a, b T) T {\n\tif a > b {\n\t\treturn a\n\t}\n\treturn b\n}"},
	{code: "sr := &parlib.ScalingResult{}\nvar wg sync.WaitGroup\nc := Celsius(3)\ntype Celsius float64\nfunc (c Celsius) String() string { return \"C\" }",
		vars: []string{"c", "sr", "wg"}},
	{code: "\n\nfunc boom() {\n\tpanic(\"boom\")\n}"},
}

// restoreChecks are evaluated in both engines: the same values.
var restoreChecks = []string{"stays()", "twice(5)", "P{3, 4}.Norm()", "Max(2, 3)", "Max(2.5, 1)", "k", `fmt.Sprint(Celsius(1))`}

// TestRestore runs cells in an engine, replays their Restore texts in a
// fresh one as the supervisor of a restarted engine does, and checks that
// functions give the same results and that variables exist, with zero
// values.
func TestRestore(t *testing.T) {
	defer os.Unsetenv("GOPAR_RESTORE_TEST")
	a := newEngine(t)
	var restores []string
	var counts []int
	for i, c := range restoreCells {
		res, _ := exec(t, a, c.code)
		if (res.Err != nil) != c.fails {
			t.Errorf("cell %d: error %v", i, res.Err)
		}
		if c.fails && c.vars == nil && res.Restore != "" {
			t.Errorf("cell %d defined nothing before it failed, yet restores %q", i, res.Restore)
		}
		if !reflect.DeepEqual(res.Variables, c.vars) {
			t.Errorf("cell %d: Variables %q, want %q", i, res.Variables, c.vars)
		}
		if got, want := strings.Count(res.Restore, "\n"), strings.Count(c.code, "\n"); res.Restore != "" && got != want {
			t.Errorf("cell %d: Restore %q has %d lines, the cell %d", i, res.Restore, got+1, want+1)
		}
		restores = append(restores, res.Restore)
		counts = append(counts, execCount)
	}
	if !strings.Contains(restores[3], "%env GOPAR_RESTORE_TEST=1") {
		t.Errorf("a magic that changes the engine's state restores as itself: %q", restores[3])
	}
	want := map[string]string{}
	for _, c := range restoreChecks {
		want[c], _ = mustRun(t, a, c)
	}
	resA, _ := exec(t, a, "boom()") // fails: its traceback is compared below

	os.Unsetenv("GOPAR_RESTORE_TEST")
	b := newEngine(t)
	for k, r := range restores {
		if r == "" {
			continue
		}
		res := b.Execute(context.Background(), engine.ExecuteRequest{Code: r, Silent: true, ExecutionCount: counts[k]}, &testOutput{})
		if res.Err != nil {
			t.Fatalf("replaying %q: %s", r, res.Err.String())
		}
	}
	for _, c := range restoreChecks {
		if got, _ := mustRun(t, b, c); got != want[c] {
			t.Errorf("%s: %s after the replay, %s before", c, got, want[c])
		}
	}
	if got, _ := mustRun(t, b, "fmt.Sprint(x, name, ps, count, err, y, z, sr == nil, c, useX())"); got != `"0[] 0 <nil> 0 0 true C 0"` {
		t.Errorf("variables after the replay: %s", got)
	}
	if got, _ := mustRun(t, b, `os.Getenv("GOPAR_RESTORE_TEST")`); got != `"1"` {
		t.Errorf("%%env after the replay: %s", got)
	}
	resB, _ := exec(t, b, "boom()")
	if resA.Err == nil || resB.Err == nil || !strings.Contains(resB.Err.String(), "lines 3-5, in boom") ||
		resA.Err.String() != resB.Err.String() {
		t.Errorf("a panic's trace after the replay:\n%v\nbefore:\n%v", resB.Err, resA.Err)
	}
}

// TestRestoreReset checks that a cell that resets the engine restores as a
// reset, so that replaying every Restore gives the same definitions.
func TestRestoreReset(t *testing.T) {
	e := newEngine(t)
	res, _ := exec(t, e, "a := 1\n%reset\nb := 2")
	if res.Err != nil || res.Restore != "\n%reset\nvar b int" {
		t.Fatalf("Restore %q (err %v)", res.Restore, res.Err)
	}
}

// TestLocate checks that the engine says where it is before each
// top-level statement.
func TestLocate(t *testing.T) {
	var where []string
	e, err := New(Options{Locate: func(w string) { where = append(where, w) }})
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	res := e.Execute(context.Background(), engine.ExecuteRequest{Code: "a := 1\nfunc f() int { return a }\n\nb := f()\nb", ExecutionCount: 9}, &testOutput{})
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if want := []string{"In [9] line 1", "In [9] line 4", "In [9] line 5"}; !reflect.DeepEqual(where, want) {
		t.Errorf("Locate saw %q, want %q", where, want)
	}
}

// TestRestoreOfMagicCode checks that what Go code run by a magic defines
// restores on the magic's line, once however many times %timeit ran it.
func TestRestoreOfMagicCode(t *testing.T) {
	e := newEngine(t)
	res, _ := exec(t, e, "\n%timeit -n 5 -r 2 func g() int { return 1 }")
	if res.Err != nil || res.Restore != "\nfunc g() int { return 1 }" {
		t.Errorf("Restore %q (err %v)", res.Restore, res.Err)
	}
	if len(e.sourceRuns) != 1 {
		t.Errorf("the engine kept %d results of %%timeit's 10 runs of its code", len(e.sourceRuns))
	}
	res, _ = exec(t, e, "a := 1\n%time z := g() + a")
	if want := "var a int\nvar z int"; res.Err != nil || res.Restore != want {
		t.Errorf("Restore %q (err %v), want %q", res.Restore, res.Err, want)
	}
}

// TestRestoreOfEverywhere: an %%everywhere cell restores as %%everywhere
// with what it defined, so that a restarted engine defines it again here
// and records it for the workers it starts (before any worker exists,
// dist only records it).
func TestRestoreOfEverywhere(t *testing.T) {
	e := newEngine(t)
	res, _ := exec(t, e, "%%everywhere\nfunc sq(x int) int { return x * x }\nfmt.Println(sq(2))\nv := 3")
	want := "%%everywhere\nfunc sq(x int) int { return x * x }\n\nvar v int"
	if res.Err != nil || res.Restore != want {
		t.Fatalf("Restore %q (err %v), want %q", res.Restore, res.Err, want)
	}
	fresh := newEngine(t)
	if res, _ := exec(t, fresh, res.Restore); res.Err != nil {
		t.Fatalf("replay: %v", res.Err)
	}
	if res, _ := exec(t, fresh, "sq(5)"); res.Err != nil || resultText(res) != "25" {
		t.Errorf("sq(5) after the replay: %q (err %v)", resultText(res), res.Err)
	}
}
