package interp

import (
	"crypto/sha3"
	"encoding/hex"
	"fmt"
	"go/token"
	"strconv"
	"strings"
	"testing"
)

// TestCells runs sequences of cells in one engine and checks each cell's
// result, stdout, or error.
func TestCells(t *testing.T) {
	type cell struct {
		code   string
		result string // expected text/plain result ("" = none)
		stdout string // expected stdout (checked when not "")
		stderr string // a substring of stderr (checked when not "")
		ename  string // expected error name ("" = success)
		errHas string // substring of the traceback
	}
	cases := []struct {
		name  string
		cells []cell
	}{
		{"mixed cell", []cell{{code: `import "fmt"
var wg sync.WaitGroup
const k = 2
type P struct{ X int }
func (p P) Double() int { return p.X * k }
s := 0
for i := 0; i < 4; i++ {
	wg.Add(1)
	go func() { defer wg.Done(); _ = i }()
	s += i
}
wg.Wait()
fmt.Println("sum", s)
P{s}.Double()`, result: "12", stdout: "sum 6\n"}}},
		{"no result after statement", []cell{{code: "x := 3\nx++", result: ""}}},
		{"no result for call without value", []cell{{code: "func f() {}\nf()", result: ""}}},
		{"fmt.Println shows no result", []cell{{code: `fmt.Println("a")`, result: "", stdout: "a\n"}}},
		{"multiple values", []cell{{code: "func two() (int, error) { return 7, nil }\ntwo()", result: "(7, <nil>)"}}},
		{"string result quoted", []cell{{code: `strings.Repeat("ab", 2)`, result: `"abab"`}}},
		{"re-run cell", []cell{
			{code: "n := 1\nfunc f() int { return n }\ntype T struct{ A int }\nf()", result: "1"},
			{code: "n := 1\nfunc f() int { return n }\ntype T struct{ A int }\nf()", result: "1"},
		}},
		{"redefined func seen by earlier callers", []cell{
			{code: "func inner() int { return 1 }\nfunc outer() int { return inner() * 10 }\nouter()", result: "10"},
			{code: "func inner() int { return 2 }\nouter()", result: "20"},
		}},
		{"redefined func with new signature", []cell{
			{code: "func h() int { return 1 }\nfunc user() int { return h() }\nuser()", result: "1"},
			{code: "func h() int64 { return 5 }\nh()", result: "5"},
		}},
		{"redeclared variable seen by functions", []cell{
			{code: "limit := 10\nfunc lim() int { return limit }\nlim()", result: "10"},
			{code: "limit := 20\nlim()", result: "20"},
		}},
		{"redefined method", []cell{
			{code: "type M struct{}\nfunc (M) Name() string { return \"one\" }\nM{}.Name()", result: `"one"`},
			{code: "func (M) Name() string { return \"two\" }\nM{}.Name()", result: `"two"`},
		}},
		{"type redefinition", []cell{
			{code: "type Shape struct{ A int }", result: ""},
			{code: "type Shape struct{ A int }\nShape{1}", result: "{A:1}"},
			{code: "// Shape is a shape.\ntype Shape struct {\n\tA int // the A\n}", result: ""},
			{code: "type Shape struct{ A, B int }", ename: "CompileError", errHas: "%reset"},
		}},
		{"forward references in one cell", []cell{
			{code: "func a() int { return b() + 1 }\nfunc b() int { return 41 }\na()", result: "42"},
		}},
		{"import twice", []cell{
			{code: `import "fmt"`},
			{code: "import (\n\t\"fmt\"\n\t\"math\"\n)\nfmt.Sprint(math.Sqrt(4))", result: `"2"`},
		}},
		{"auto-import", []cell{
			{code: `strings.ToUpper("go") + strconv.Itoa(1)`, result: `"GO1"`},
			{code: `sort.Ints([]int{2, 1}); math.Pi > 3`, result: "true"},
		}},
		{"gopar packages without import", []cell{
			{code: `parlib.ErrCanceled != nil`, result: "true"},
			{code: `p := plot.New(); p != nil`, result: "true"},
			{code: `m := mat.NewDense(2, 2, []float64{1, 2, 3, 4}); m.At(1, 0)`, result: "3"},
		}},
		{"loop variable per iteration", []cell{
			{code: "var fs []func() int\nfor i := 0; i < 3; i++ { fs = append(fs, func() int { return i }) }\nfs[0]() + fs[1]()*10 + fs[2]()*100", result: "210"},
			{code: "var gs []func() string\nfor _, s := range []string{\"a\", \"b\"} { gs = append(gs, func() string { return s }) }\ngs[0]() + gs[1]()", result: `"ab"`},
		}},
		{"loop variable in goroutines", []cell{
			{code: "var mu sync.Mutex\nseen := map[int]bool{}\nvar wg sync.WaitGroup\nfor i := 0; i < 50; i++ {\n\twg.Add(1)\n\tgo func() { defer wg.Done(); time.Sleep(time.Millisecond); mu.Lock(); seen[i] = true; mu.Unlock() }()\n}\nwg.Wait()\nlen(seen)", result: "50"},
			{code: "clear(seen)\nfor _, v := range []int{1, 2, 3, 4} {\n\twg.Add(1)\n\tgo func() { defer wg.Done(); time.Sleep(time.Millisecond); mu.Lock(); seen[v] = true; mu.Unlock() }()\n}\nwg.Wait()\nlen(seen)", result: "4"},
		}},
		{"loop variable inside a function", []cell{
			{code: "func mk() []func() int { var fs []func() int; for i := range 3 { fs = append(fs, func() int { return i }) }; return fs }\nfs := mk()\nfs[0]() + fs[2]()*10", result: "20"},
		}},
		{"range over int", []cell{
			{code: "t := 0\nfor i := range 10 { t += i }\nt", result: "45"},
			{code: "n := int64(4)\nc := 0\nfor range n { c++ }\nc", result: "4"},
			{code: "func count(n int) int { c := 0; for i := range n { c += i }; return c }\ncount(5)", result: "10"},
		}},
		{"range over function", []cell{
			{code: "func upTo(n int) func(func(int) bool) { return func(yield func(int) bool) { for i := range n { if !yield(i) { return } } } }\nfunc pairs(yield func(string, int) bool) { _ = yield(\"a\", 1) && yield(\"b\", 2) }", result: ""},
			{code: "s := 0\nfor v := range upTo(10) {\n\tif v == 2 { continue }\n\tif v == 5 { break }\n\ts += v\n}\ns", result: "8"},
			{code: "out := \"\"\nfor k, v := range pairs { out += k + strconv.Itoa(v) }\nout", result: `"a1b2"`},
			{code: "func first() int { for v := range upTo(3) { return v }; return -1 }\nfirst()", result: "0"},
			{code: "func jump() int {\nfor v := range upTo(3) { if v == 1 { goto out } }\nout:\nreturn 1 }", ename: "UnsupportedError", errHas: "yield func"},
		}},
		{"generic function", []cell{
			{code: "func Sum[T int | float64](s []T) T { var t T; for _, v := range s { t += v }; return t }\nSum([]float64{1.5, 2})", result: "3.5"},
			// The engine infers what yaegi would not...
			{code: "func Map[T, U any](s []T, f func(T) U) []U { var r []U; for _, v := range s { r = append(r, f(v)) }; return r }\nMap([]int{1}, func(x int) string { return \"s\" })", result: `["s"]`},
			{code: "type B struct{}\nfunc (B) xs() []int { return []int{1} }\nMap(B{}.xs(), func(x int) string { return \"s\" })", result: `["s"]`},
			{code: "Map([]int{1, 2}, strconv.Itoa)", result: `["1" "2"]`},
			// Nothing tells T (in Go neither).
			{code: "func Zero[T any]() T { var z T; return z }\nZero()", ename: "CompileError", errHas: "type arguments explicitly"},
			{code: "Map[int, string]([]int{1, 2}, func(x int) string { return strconv.Itoa(x) })", result: `["1" "2"]`},
		}},
		{"compile error position", []cell{
			{code: "x := 1\n\ty := x +\n\t\tundefinedThing", ename: "CompileError", errHas: "In [@] line 3:3: undefined: undefinedThing\n    \t\tundefinedThing\n    \t\t^"},
			{code: "z := undefinedName + 1", ename: "CompileError", errHas: "line 1:6: undefined: undefinedName"},
		}},
		{"syntax error position", []cell{
			{code: "a := 1\nb := (a +\n", ename: "SyntaxError", errHas: "line 3"},
			// As go vet and gopls say it (go/parser), at the newline.
			{code: "fmt.Println(\"Hello World\"", ename: "SyntaxError",
				errHas: "In [@] line 1:26: missing ',' before newline in argument list\n    fmt.Println(\"Hello World\"\n                             ^"},
		}},
		{"crashes of the interpreter's compiler are compile errors", []cell{
			{code: "func Must[T any](v T, err error) T { if err != nil { panic(err) }; return v }\ntype P struct{}\nfunc (P) two() (int, error) { return 1, nil }", result: ""},
			// The engine gives the type arguments from the results' types.
			{code: "n := Must(strconv.Atoi(\"42\"))\nn", result: "42"},
			{code: "func g() int { return Must(strconv.Atoi(\"43\")) }\ng()", result: "43"},
			{code: "func two() ([]string, error) { return []string{\"a\"}, nil }\nMust(two())", result: `["a"]`},
			// A method's results: it cannot, and says what to do.
			{code: "func h() int {\n\treturn Must(P{}.two())\n}", ename: "CompileError",
				errHas: "In [@] line 2:9: the interpreter (yaegi) failed on this code (index out of range [1] with length 1): yaegi cannot pass the results of a call with several results"},
			{code: "v := Must(P{}.two())", ename: "CompileError", errHas: "In [@] line 1:6: the interpreter (yaegi) failed on this code: yaegi cannot pass"},
			// An undefined package in a type crashed yaegi.
			{code: "type T struct{ F foo.Bar }", ename: "CompileError", errHas: "In [@] line 1:18: undefined: foo\n    type T struct{ F foo.Bar }\n                     ^"},
			{code: "func f(x foo.Bar) {}", ename: "CompileError", errHas: "In [@] line 1:10: undefined: foo"},
			{code: "const c = foo.X", ename: "CompileError", errHas: "In [@] line 1:11: undefined: foo"},
			{code: "Must(strconv.Atoi(\"7\"))", result: "7"},
		}},
		{"an import hides an earlier variable of its name", []cell{
			{code: "bytes := []byte(\"data\")\nfunc n() int { return len(bytes) }", result: ""},
			{code: "var buf bytes.Buffer", ename: "CompileError",
				errHas: "In [@] line 1:9: undefined selector Buffer (bytes is the variable In [@-1] defined, not package bytes: import \"bytes\" to use the package"},
			{code: "import \"bytes\"\nvar buf bytes.Buffer\nbuf.WriteString(\"x\")\nbuf.String()", result: `"x"`,
				stderr: "note: import \"bytes\" hides the variable bytes that In [@-2] defined"},
			{code: "bytes.ToUpper([]byte(\"a\"))", result: "[65]"},
			{code: "n()", result: "4"}, // compiled before: the variable
			// A later variable hides the package again, and a later import
			// the variable.
			{code: "bytes := 3\nbytes + 1", result: "4"},
			{code: "import \"bytes\"\nstring(bytes.ToLower([]byte(\"A\")))", result: `"a"`},
			// In one cell, as in a Go file, both is an error.
			{code: "import \"strings\"\nstrings := 1", ename: "CompileError", errHas: "In [@] line 1:8: strings is both the package this cell imports and a name it declares on line 2"},
		}},
		{"a shell line continued with a backslash", []cell{
			{code: "!echo one \\\n  two\nx := 1\nx + 1", result: "2", stdout: "one two\n"},
			{code: "!echo one \\\n  two\nx := 1\ny := x + undefinedY", ename: "CompileError", errHas: "In [@] line 4:10: undefined: undefinedY"},
		}},
		{"function without a body", []cell{
			// As Go says it, at the function's name.
			{code: "func F(int) error", ename: "CompileError", errHas: "In [@] line 1:6: missing function body\n    func F(int) error\n         ^"},
			{code: "type R struct{}\n\nfunc (R) M(int) error\nvar r R", ename: "CompileError", errHas: "In [@] line 3:10: missing function body"},
			{code: "f := func(int) error", ename: "CompileError", errHas: "In [@] line 1:6: func(int) error (type) is not an expression: a func literal needs a body"},
			{code: "var g = func(x int) error", ename: "CompileError", errHas: "func(x int) error (type) is not an expression"},
			{code: "1 + 1", result: "2"},
		}},
		{"panic with call chain", []cell{
			{code: "func boom() { panic(\"bad\") }\nfunc mid() { boom() }", result: ""},
			{code: "\nmid()", ename: "panic", errHas: "line 1, in boom"},
		}},
		{"runtime error", []cell{
			{code: "var m map[string]int\nm[\"a\"] = 1", ename: "runtime error", errHas: "nil map"},
		}},
		{"os.Exit intercepted", []cell{
			{code: "os.Exit(2)", ename: "Exit", errHas: "os.Exit(2)"},
			{code: "1 + 1", result: "2"},
		}},
		{"func main is an ordinary function", []cell{
			{code: "func main() { fmt.Println(\"main ran\") }", result: "", stdout: ""},
			{code: "fmt.Print(\"one\")\n1", result: "1", stdout: "one"}, // main did not run
			{code: "main()", stdout: "main ran\n"},
		}},
		{"top-level defer refused", []cell{
			{code: "defer fmt.Println(\"x\")", ename: "CompileError", errHas: "put it inside a func"},
			{code: "fmt.Print(\"two\")\n2", result: "2", stdout: "two"}, // no deferred call ran
		}},
		{"embedded methods and Stringer types", []cell{
			{code: "type Base struct{ ID int }\nfunc (b Base) Describe() string { return fmt.Sprint(\"id \", b.ID) }\ntype Item struct {\n\tBase\n\tName string\n}\nItem{Base{7}, \"x\"}.Describe()", result: `"id 7"`},
			{code: "type Celsius float64\nfunc (c Celsius) String() string { return fmt.Sprintf(\"%.1f°C\", float64(c)) }\nvar c Celsius = 21.5\nc", result: "21.5°C"},
		}},
		{"min and max like Go's builtins", []cell{
			{code: "x := min(3, 4)\nx", result: "3"},
			{code: "y := max(2.5, 1)\ny", result: "2.5"},
			{code: "h := min(1, 2.5)\nh + 0.25", result: "1.25"}, // an untyped float constant
			{code: "f := 2.0\nmax(1, f)", result: "2"},
			{code: "min(2, int64(3))", result: "2"},
			{code: "s := min(\"b\", \"a\", \"c\")\ns", result: `"a"`},
			{code: "n := 7\nz := max(n, 10)\nz", result: "10"},
			{code: "time.Duration(5) * min(3, 4)", result: "15ns"},
			{code: "m := -1\nmax(m, -5, 2) + min(-3, m)", result: "-1"},
			{code: "g := 2.0\npi := min(math.Pi, g)\npi", result: "2"},
			{code: "const k = 5\nkk := max(k, g, 1)\nkk", result: "5"},
			{code: "var v = min(4, 9)\nv", result: "4"},
		}},
		{"multi-value := in blocks at the top level", []cell{
			{code: "for i := 0; i < 1; i++ { a, b := strconv.Atoi(\"12\"); fmt.Println(a, b) }", stdout: "12 <nil>\n"},
			{code: "if true {\n\ta, err := strconv.Atoi(\"13\")\n\tfmt.Println(a, err)\n}", stdout: "13 <nil>\n"},
			{code: "{ a, b := strconv.Atoi(\"14\"); fmt.Println(a, b) }", stdout: "14 <nil>\n"},
			{code: "pts := plotter.XYs{{X: 0, Y: 1}, {X: 1, Y: 2}}\nif true { l, p, err := plotter.NewLinePoints(pts); fmt.Println(l != nil, p != nil, err) }", stdout: "true true <nil>\n"},
		}},
		{"explicit per-iteration copy (w := w)", []cell{
			{code: "for w := 0; w < 3; w++ { w := w; fmt.Print(w) }", stdout: "012"},
			{code: "var fs []func() int\nfor w := 0; w < 3; w++ {\n\tw := w\n\tfs = append(fs, func() int { return w })\n}\nfs[0]() + fs[2]()*10", result: "20"},
			{code: "var wg sync.WaitGroup\nvar sum atomic.Int64\nfor i := range 4 { i := i; wg.Add(1); go func() { defer wg.Done(); sum.Add(int64(i)) }() }\nwg.Wait()\nsum.Load()", result: "6"},
			{code: "func g() int { t := 0; for w := 0; w < 3; w++ { w := w; t += w }; return t }\ng()", result: "3"},
		}},
		{"top-level := the interpreter types weakly", []cell{
			{code: "sr := &parlib.ScalingResult{Points: []parlib.ScalingPoint{{}, {Speedup: 2}}}", result: ""},
			{code: "c1 := sr.Points[1].Speedup\nc1", result: "2"},
			{code: "p := sr.Points[1]\np.Speedup", result: "2"},
			{code: "g := &image.Gray{Pix: []uint8{1, 2}}\npx := g.Pix[1]\npx", result: "2"},
			{code: "func Sum[T int | float64](s []T) T { var t T; for _, v := range s { t += v }; return t }\na := Sum([]int{1, 2})\na", result: "3"},
			{code: "b := Sum[float64]([]float64{1.5})\nb", result: "1.5"},
			{code: "v, ok := map[string]int{\"a\": 4}[\"a\"]\nfmt.Sprint(v, ok)", result: `"4 true"`},
			{code: "var q = sr.Points[1]\nvar s = Sum([]int{2, 3})\nfmt.Sprint(q.Speedup, s)", result: `"2 5"`},
			{code: "type Stack[T any] struct{ items []T }\nfunc (s *Stack[T]) Push(v T) { s.items = append(s.items, v) }\nst := Stack[int]{}\nst.Push(3)\nst.items", result: "[3]"},
		}},
		{"real scaling result across cells", []cell{
			{code: "sr := parlib.Scaling(func(n int) { parlib.SlowSeries(10_000, n) }, 1, 2)", result: ""},
			{code: "c1 := sr.Points[1].Speedup\nc1 > 0", result: "true"},
		}},
		{"redeclaring a variable from itself", []cell{
			{code: "data := []int{1, 2}\nk := 1", result: ""},
			{code: "data := append(data, 3)\nk := k + 1\nfmt.Sprint(data, k)", result: `"[1 2 3] 2"`},
			{code: "var data = append(data, 4)\ndata", result: "[1 2 3 4]"},
		}},
		{"top-level statements with :=", []cell{
			{code: "x, err := strconv.Atoi(\"5\")", result: ""},
			{code: "fmt.Sprint(x+1, err)", result: `"6 <nil>"`},
			{code: "m := map[string]int{\"a\": 7}\nif v, ok := m[\"a\"]; ok {\n\tfmt.Println(\"got\", v)\n}", stdout: "got 7\n"},
			{code: "switch n := len(m); {\ncase n > 0:\n\tfmt.Println(\"n\", n)\n}", stdout: "n 1\n"},
			{code: "found := -1\nouter:\nfor i := 0; i < 5; i++ {\n\tfor j := 0; j < 5; j++ {\n\t\tif i*j == 6 {\n\t\t\tfound = i*10 + j\n\t\t\tbreak outer\n\t\t}\n\t}\n}\nfound", result: "23"},
			{code: "for i := 0; i < 3; i++ {\n\ty := undefinedZ + i\n}", ename: "CompileError", errHas: "line 2:7: undefined: undefinedZ"},
		}},
		{"generic functions of the standard library", []cell{
			{code: "slices.Contains([]int{1, 2}, 2)", result: "true"},
			// Go's type arguments: the slice type's is dropped.
			{code: "slices.Equal[[]int, int]([]int{1}, []int{1})", result: "true"},
			{code: "slices.Equal([]int{1}, []int{1})", result: "true"},
			{code: "a := []int{2, 1}\nslices.Max(a)", result: "2"},
			{code: "slices.Sort(a)\na", result: "[1 2]"},
			// Slices that compiled code made, and variadic parameters.
			{code: "w := strings.Fields(\"b c a\")\nslices.Sort(w)\nfmt.Sprint(w, slices.Max(strings.Fields(\"x z y\")))", result: `"[a b c]z"`},
			{code: "func longest(s string) string { ws := strings.Fields(s); return slices.MaxFunc(ws, func(a, b string) int { return len(a) - len(b) }) }\nlongest(\"a bbb cc\")", result: `"bbb"`},
			{code: "slices.Concat([]int{1}, []int{2, 3})", result: "[1 2 3]"},
			{code: "cmp.Or(\"\", \"x\")", result: `"x"`},
			{code: "m := map[string]int{\"b\": 2, \"a\": 1}\nslices.Sorted(maps.Keys(m))", result: `["a" "b"]`},
			// Generic functions of one name in several packages (yaegi
			// kept one instance per name and type arguments).
			{code: "fmt.Sprint(cmp.Compare(1, 2), slices.Compare([]int{1, 2}, []int{1, 3}))", result: `"-1 -1"`},
			{code: "func Max[T cmp.Ordered](a, b T) T { if a > b { return a }; return b }\nfmt.Sprint(Max(1, 2), slices.Max([]int{3, 1}), Max(5, 4))", result: `"2 3 5"`},
		}},
		{"the standard library of the Go gopar is built with", []cell{
			// log.Logger has every method of Go's (yaegi's lacked SetPrefix).
			{code: "l := log.New(os.Stdout, \"my:\", 0)\nl.SetPrefix(\"x:\")\nl.Print(\"hi\")", stdout: "x:hi\n"},
			{code: "log.New(os.Stdout, \"my:\", 0).SetPrefix(\"x:\")", result: ""},
			{code: "log.New(os.Stdout, \"\", 0).Fatal(\"stop\")", ename: "panic", errHas: "stop"},
			// Names added since Go 1.22: functions, methods, packages.
			{code: "out := \"\"\nfor part := range strings.SplitSeq(\"a,b\", \",\") { out += part }\nout", result: `"ab"`},
			{code: "slices.Collect(strings.Lines(\"a\\nb\"))", result: `["a\n" "b"]`},
			{code: "var wg sync.WaitGroup\nn := 0\nwg.Go(func() { n++ })\nwg.Wait()\nn", result: "1"},
			{code: "fmt.Sprintf(\"%x\", sha3.Sum256([]byte(\"go\"))[:4])", result: `"` + sha3Prefix + `"`},
			// syscall, without what can take the kernel down.
			{code: "import \"syscall\"\nsyscall.Getpid() == os.Getpid()", result: "true"},
			{code: "syscall.Kill(syscall.Getpid(), syscall.SIGTERM) != nil", result: "true"},
			{code: "syscall.Exit(3)", ename: "Exit", errHas: "os.Exit(3)"},
			{code: "import \"unsafe\"", ename: "ImportError", errHas: "gopar leaves it out: unsafe lets code read and write any memory"},
			// Generic functions of compiled packages.
			{code: "calls := 0\nf := sync.OnceValue(func() int { calls++; return 7 })\nfmt.Sprint(f()+f(), calls)", result: `"14 1"`},
			{code: "import \"math/rand/v2\"\nd := rand.N(time.Second)\nd >= 0 && d < time.Second", result: "true"},
			{code: "_, err := os.Open(\"/nonexistent/gopar\")\npe, ok := errors.AsType[*fs.PathError](err)\nfmt.Sprint(ok, pe.Op)", result: `"trueopen"`},
			{code: "reflect.TypeFor[map[string]int]().String()", result: `"map[string]int"`},
			{code: "import \"unique\"\nh := unique.Make(3)", ename: "CompileError", errHas: "Make is generic, and yaegi's tables of compiled packages cannot hold generic code"},
		}},
		{"iterators as Go by Example writes them", []cell{{code: gbeIterators, stdout: "10\n13\n23\nall: [10 13 23]\n1\n1\n2\n3\n5\n8\n"}}},
		{"globals of generic calls", []cell{
			// Declared with a type, yaegi left them nil or crashed.
			{code: "var s iter.Seq[int] = slices.Values([]int{1, 2})\nslices.Collect(s)", result: "[1 2]"},
			{code: "var xs []int = slices.Repeat([]int{1}, 2)\nxs", result: "[1 1]"},
			{code: "func Mk[T any](v T) func() T { return func() T { return v } }\nvar h func() int = Mk(1)\nh()", result: "1"},
			// A panic in the standard library's Go source is shown as such.
			{code: "slices.Max(xs[:0])", ename: "panic", errHas: "slices.Max (the standard library, in gopar's Go source gopar/slices.go:"},
			{code: "type B bool\nslices.Sort([]B{true})", ename: "CompileError", errHas: "In [@] line 2:1: B does not implement cmp.Ordered"},
		}},
		{"range over the iterators of the standard library", []cell{
			{code: "m := map[string]int{\"b\": 2, \"a\": 1}\ns := 0\nfor k, v := range maps.All(m) { s += len(k) * v }\ns", result: "3"},
			{code: "out := \"\"\nfor i, w := range slices.All(strings.Fields(\"a b c\")) {\n\tif i == 1 { continue }\n\tout += w\n}\nout", result: `"ac"`},
			// A body that returns.
			{code: "func first(m map[string]int) string { for k := range maps.Keys(m) { return k }; return \"\" }\nfirst(map[string]int{\"z\": 1})", result: `"z"`},
			{code: "func find(seq iter.Seq2[int, string], w string) (int, bool) {\n\tfor i, v := range seq {\n\t\tif v == w { return i, true }\n\t}\n\treturn -1, false\n}\nfind(slices.All([]string{\"x\", \"y\"}), \"y\")", result: "(1, true)"},
			{code: "func sum(seq iter.Seq[int]) (s int) { for v := range seq { s += v }; return }\nsum(slices.Values([]int{1, 2, 3}))", result: "6"},
			// Element types the engine cannot see.
			{code: "type T struct{ xs []int }\nt := T{[]int{4, 5}}\nq := 0\nfor v := range slices.Values(t.xs) { q = q*10 + v }\nq", result: "45"},
			// Per-iteration variables.
			{code: "var fs []func() int\nfor v := range slices.Values([]int{1, 2}) { fs = append(fs, func() int { return v }) }\nfs[0]() + fs[1]()*10", result: "21"},
		}},
		{"redefined callee seen through callers of callers", []cell{
			{code: "func leaf() int { return 1 }\nfunc mid() int { return leaf() + 10 }\nfunc top() int { return mid() + 100 }\ntop()", result: "111"},
			{code: "func leaf() int { return 2 }\ntop()", result: "112"},
			{code: "func mid() int { return leaf() + 20 }\ntop()", result: "122"},
		}},
		{"mutual recursion across cells", []cell{
			{code: "func isEven(n int) bool { if n == 0 { return true }; return isOdd(n - 1) }\nfunc isOdd(n int) bool { if n == 0 { return false }; return isEven(n - 1) }\nisEven(10)", result: "true"},
			// Both directions bind to the new isOdd: isEven calls it, and it
			// calls the isEven that calls it.
			{code: "calls := 0\nfunc isOdd(n int) bool { calls++; if n == 0 { return false }; return isEven(n - 1) }\nfmt.Sprint(isEven(10), calls)", result: `"true 5"`},
		}},
		{"redefined function used by a method", []cell{
			{code: "type Shape struct{ r float64 }\nfunc scale() float64 { return 1 }\nfunc (s Shape) Area() float64 { return s.r * scale() }\nShape{2}.Area()", result: "2"},
			{code: "func scale() float64 { return 10 }\nShape{2}.Area()", result: "20"},
		}},
		{"function values keep the version they hold", []cell{
			{code: "func greet() string { return \"v1\" }\nf := greet\nm := map[string]func() string{\"g\": greet}\nch := make(chan string)\ngo func(g func() string) { <-ch; ch <- g() }(greet)", result: ""},
			{code: "func greet() string { return \"v2\" }\nch <- \"\"\nfmt.Sprint(f(), m[\"g\"](), <-ch, greet())", result: `"v1v1v1v2"`},
		}},
		{"redefined generic function", []cell{
			{code: "func one() int { return 1 }\nfunc G[T any](x T) int { return one() }\nfunc h() int { return G(3) }\nfmt.Sprint(G(3), h())", result: `"1 1"`},
			{code: "func one() int { return 2 }\nfmt.Sprint(G(3), h())", result: `"2 2"`},
			{code: "func G[T any](x T) int { return 7 }\nfmt.Sprint(G(3), h())", result: `"7 7"`},
		}},
		{"a function that no longer compiles keeps its old definition", []cell{
			{code: "limit := 10\nfunc lim() int { return limit }\nlim()", result: "10"},
			{code: "limit := \"x\"\nlim()", result: "10"},
		}},
		{"a failed redefinition keeps the old function", []cell{
			{code: "func g() int { return 1 }\nfunc caller() int { return g() }", result: ""},
			{code: "func g() int { return undefinedZ }", ename: "CompileError", errHas: "undefined: undefinedZ"},
			{code: "fmt.Sprint(g(), caller())", result: `"1 1"`},
		}},
		{"order-independent declarations", []cell{
			{code: "func show() { fmt.Println(x) }\nvar x = 1\nshow()", stdout: "1\n"},
			{code: "var y = f()\nfunc f() int { return 3 }\ny", result: "3"},
			{code: "var a = b + 1\nvar b = c * 2\nvar c = 5\na", result: "11"},
			{code: "n := 4\nfunc useN() int { return n * 2 }\nuseN()", result: "8"},
			{code: "func later() int { return m + 1 }\nm := 41\nlater()", result: "42"},
			{code: "counter := 0\ncounter++\nvar snapshot = counter\nsnapshot", result: "1"},
			{code: "type T struct{}\nfmt.Println(T{}.Hello())\nfunc (T) Hello() string { return \"hi\" }", stdout: "hi\n"},
		}},
		{"web crawler shape (A Tour of Go)", []cell{{code: crawler, stdout: crawled}}},
		{"errors after a failed cell name the user's identifiers", []cell{
			{code: "func bad() int { return undefinedQ }", ename: "CompileError", errHas: "undefined: undefinedQ"},
			{code: "bad()", ename: "CompileError", errHas: "bad is not defined: In [@-1], which defined it, failed"},
			{code: "func main() { undefinedM }", ename: "CompileError", errHas: "undefinedM"},
			{code: "main()", ename: "CompileError", errHas: "main is not defined: In [@-1], which defined it, failed"},
			{code: "v := func() int { panic(\"no\") }()", ename: "panic", errHas: "no"},
			{code: "v + 1", ename: "CompileError", errHas: "v is not defined: In [@-1], which defined it, failed"},
			{code: "func bad() int { return 5 }\nbad()", result: "5"},
		}},
		{"a nil result", []cell{
			{code: "var e error\ne", result: "<nil>"},
			{code: "os.WriteFile(os.DevNull, nil, 0o644)", result: ""},
			{code: "os.WriteFile(\"/nonexistent/gopar/x\", nil, 0o644)", result: "open /nonexistent/gopar/x: no such file or directory"},
			{code: "var p *strings.Builder\np", result: "<nil>"},
		}},
		{"redefining a variable with the same type assigns it", []cell{
			{code: "x := 1\nget := func() int { return x }\nfunc getX() any { return x }", result: ""},
			{code: "x := 2\nfmt.Sprint(get(), getX())", result: `"2 2"`},
			{code: "x := \"two\"\nfmt.Sprint(get(), getX())", result: `"2two"`},
			// Not a lock that goroutines may still hold.
			{code: "mu := sync.Mutex{}\nmu.Lock()\nlocked := func() bool { return !mu.TryLock() }", result: ""},
			{code: "mu := sync.Mutex{}\nfmt.Sprint(locked(), mu.TryLock())", result: `"true true"`},
		}},
		{"log.Fatal intercepted", []cell{
			{code: `log.Fatal("fatal")`, ename: "panic", errHas: "fatal"},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEngine(t)
			for _, c := range tc.cells {
				res, out := exec(t, e, c.code)
				if c.ename != "" {
					if res.Err == nil {
						t.Fatalf("cell %q: want error %s, got result %q", c.code, c.ename, resultText(res))
					}
					want := cellRefs(c.errHas)
					if string(res.Err.Kind) != c.ename || !strings.Contains(res.Err.String(), want) {
						t.Fatalf("cell %q: got %s\n%s\nwant %s containing %q", c.code, res.Err.Error(), res.Err.String(), c.ename, want)
					}
					continue
				}
				if res.Err != nil {
					t.Fatalf("cell %q failed: %s\n%s\nstderr: %s", c.code, res.Err.Error(), res.Err.String(), out.text("stderr"))
				}
				if got := resultText(res); got != c.result {
					t.Fatalf("cell %q: result %q, want %q (stderr %q)", c.code, got, c.result, out.text("stderr"))
				}
				if c.stdout != "" && out.text("stdout") != c.stdout {
					t.Fatalf("cell %q: stdout %q, want %q", c.code, out.text("stdout"), c.stdout)
				}
				if want := cellRefs(c.stderr); !strings.Contains(out.text("stderr"), want) {
					t.Fatalf("cell %q: stderr %q, want it to hold %q", c.code, out.text("stderr"), want)
				}
			}
		})
	}
}

// sha3Prefix is the start of the SHA3-256 of "go", in hex.
var sha3Prefix = func() string { h := sha3.Sum256([]byte("go")); return hex.EncodeToString(h[:4]) }()

// gbeIterators is Go by Example's program on iterators, as a cell: a
// generic type with a method returning an iterator, a generator, and
// slices.Collect of the method's iterator.
const gbeIterators = `type List[T any] struct {
	head, tail *element[T]
}

type element[T any] struct {
	next *element[T]
	val  T
}

func (lst *List[T]) Push(v T) {
	if lst.tail == nil {
		lst.head = &element[T]{val: v}
		lst.tail = lst.head
	} else {
		lst.tail.next = &element[T]{val: v}
		lst.tail = lst.tail.next
	}
}

func (lst *List[T]) All() iter.Seq[T] {
	return func(yield func(T) bool) {
		for e := lst.head; e != nil; e = e.next {
			if !yield(e.val) {
				return
			}
		}
	}
}

func genFib() iter.Seq[int] {
	return func(yield func(int) bool) {
		a, b := 1, 1
		for {
			if !yield(a) {
				return
			}
			a, b = b, a+b
		}
	}
}

func main() {
	lst := List[int]{}
	lst.Push(10)
	lst.Push(13)
	lst.Push(23)

	for e := range lst.All() {
		fmt.Println(e)
	}

	all := slices.Collect(lst.All())
	fmt.Println("all:", all)

	for n := range genFib() {
		if n >= 10 {
			break
		}
		fmt.Println(n)
	}
}

main()`

// cellRefs puts the numbers of the last cells in want: In [@] is the cell
// just run, In [@-1] the one before, In [@-2] the one before that.
func cellRefs(want string) string {
	for k, ref := range []string{"In [@]", "In [@-1]", "In [@-2]"} {
		want = strings.ReplaceAll(want, ref, "In ["+strconv.Itoa(execCount-k)+"]")
	}
	return want
}

// crawler is the web crawler of A Tour of Go, as one cell: functions and a
// method used before the variable and types they need are declared.
const crawler = `type Fetcher interface {
	// Fetch returns the body of URL and
	// a slice of URLs found on that page.
	Fetch(url string) (body string, urls []string, err error)
}

// Crawl uses fetcher to recursively crawl
// pages starting with url, to a maximum of depth.
func Crawl(url string, depth int, fetcher Fetcher) {
	if depth <= 0 {
		return
	}
	body, urls, err := fetcher.Fetch(url)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("found: %s %q\n", url, body)
	for _, u := range urls {
		Crawl(u, depth-1, fetcher)
	}
	return
}

func main() {
	Crawl("https://golang.org/", 4, fetcher)
}

main()

// fakeFetcher is Fetcher that returns canned results.
type fakeFetcher map[string]*fakeResult

type fakeResult struct {
	body string
	urls []string
}

func (f fakeFetcher) Fetch(url string) (string, []string, error) {
	if res, ok := f[url]; ok {
		return res.body, res.urls, nil
	}
	return "", nil, fmt.Errorf("not found: %s", url)
}

// fetcher is a populated fakeFetcher.
var fetcher = fakeFetcher{
	"https://golang.org/": &fakeResult{
		"The Go Programming Language",
		[]string{"https://golang.org/pkg/", "https://golang.org/cmd/"},
	},
	"https://golang.org/pkg/": &fakeResult{
		"Packages",
		[]string{"https://golang.org/", "https://golang.org/cmd/"},
	},
}`

const crawled = `found: https://golang.org/ "The Go Programming Language"
found: https://golang.org/pkg/ "Packages"
found: https://golang.org/ "The Go Programming Language"
found: https://golang.org/pkg/ "Packages"
not found: https://golang.org/cmd/
not found: https://golang.org/cmd/
not found: https://golang.org/cmd/
`

// TestCellsLeaveLittleBehind checks that cells that only compute, print or
// assign do not grow yaegi's global frame (which never shrinks, and is
// copied whenever it grows) nor its set of source files (their line
// tables).
func TestCellsLeaveLittleBehind(t *testing.T) {
	e := newEngine(t)
	mustRun(t, e, "x := 0\nvar total int")
	cells := []string{"x := 1", "total += x\nfmt.Print(x)", "x * 2", "for i := range 3 { total += i }"}
	for _, c := range cells { // first imports, first uses
		mustRun(t, e, c)
	}
	files := func() int {
		n := 0
		e.st.it.FileSet().Iterate(func(*token.File) bool { n++; return true })
		return n
	}
	slots0, err := globalSlots(e.st.it)
	if err != nil {
		t.Fatal(err)
	}
	files0 := files()
	for i := range 20 {
		cells[0] = "x := " + strconv.Itoa(i)
		for _, c := range cells {
			mustRun(t, e, c)
		}
	}
	if roots, scopes := e.st.in.kept(); roots != 0 || scopes != 0 {
		t.Errorf("yaegi keeps %d syntax trees and %d package-level scopes of earlier cells", roots, scopes)
	}
	slots, _ := globalSlots(e.st.it)
	if slots > slots0 || files() > files0 {
		t.Errorf("80 cells grew yaegi's global frame from %d to %d slots, its files from %d to %d", slots0, slots, files0, files())
	}
}

// TestDefinitionsKeepOneFileEach checks that a cell defining a function
// keeps one source file in yaegi's file set (the parse its code points
// into), not the ones yaegi parses only to read the first token and the
// build constraints, and that the one kept still places a panic in its
// function.
func TestDefinitionsKeepOneFileEach(t *testing.T) {
	e := newEngine(t)
	files := func() int {
		n := 0
		e.st.it.FileSet().Iterate(func(*token.File) bool { n++; return true })
		return n
	}
	mustRun(t, e, "x := 1")
	files0 := files()
	for i := range 10 {
		mustRun(t, e, fmt.Sprintf("func f%d(m map[int]int) int {\n\tm[%d] = %d\n\treturn %d\n}", i, i, i, i))
	}
	if n := files() - files0; n != 10 {
		t.Errorf("10 cells defining a function each kept %d files, want 10", n)
	}
	res, _ := exec(t, e, "f3(nil)")
	if res.Err == nil || !strings.Contains(strings.Join(res.Err.Traceback, "\n"), "lines 1-4, in f3") {
		t.Errorf("a panic in a function of an earlier cell: %+v, want its call chain naming f3 and its lines", res.Err)
	}
}
