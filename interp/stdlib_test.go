package interp

import (
	"fmt"
	"runtime"
	"slices"
	"strings"
	"testing"

	"github.com/gopar/gopar/interp/internal/stdapi"
)

// stdGenericSamples are a cell calling each function of the standard
// library's slices, maps, iter and cmp packages, and the iterator
// functions of strings and bytes, with the result it must give (Go's).
// Most are written as a Go tutorial would: without type arguments, over
// slices and maps that compiled code made too, in range loops.
var stdGenericSamples = map[string]struct{ code, want string }{
	"slices.All":              {"s := 0\nfor i, v := range slices.All([]int{5, 6}) { s += i * v }\ns", "6"},
	"slices.AppendSeq":        {"slices.AppendSeq([]int{1}, slices.Values([]int{2, 3}))", "[1 2 3]"},
	"slices.Backward":         {"out := \"\"\nfor _, w := range slices.Backward(strings.Fields(\"a b c\")) { out += w }\nout", `"cba"`},
	"slices.BinarySearch":     {"i, found := slices.BinarySearch([]string{\"a\", \"c\"}, \"b\")\nfmt.Sprint(i, found)", `"1 false"`},
	"slices.BinarySearchFunc": {"type P struct{ N string; A int }\nps := []P{{\"a\", 1}, {\"b\", 5}}\ni, ok := slices.BinarySearchFunc(ps, 5, func(p P, t int) int { return cmp.Compare(p.A, t) })\nfmt.Sprint(i, ok)", `"1 true"`},
	"slices.Chunk":            {"n := 0\nfor c := range slices.Chunk([]int{1, 2, 3, 4, 5}, 2) { n = n*10 + len(c) }\nn", "221"},
	"slices.Clip":             {"s := make([]int, 2, 10)\ncap(slices.Clip(s))", "2"},
	"slices.Clone":            {"a := strings.Fields(\"x y\")\nb := slices.Clone(a)\nb[0] = \"z\"\nfmt.Sprint(a, b)", `"[x y] [z y]"`},
	"slices.Collect":          {"slices.Collect(maps.Keys(map[int]bool{7: true}))", "[7]"},
	"slices.Compact":          {"slices.Compact([]int{1, 1, 2, 2, 2, 1})", "[1 2 1]"},
	"slices.CompactFunc":      {"slices.CompactFunc(strings.Fields(\"a A b\"), strings.EqualFold)", `["a" "b"]`},
	"slices.Compare":          {"slices.Compare([]int{1, 2}, []int{1, 3})", "-1"},
	"slices.CompareFunc":      {"slices.CompareFunc([]int{1}, []string{\"1\"}, func(a int, b string) int { return cmp.Compare(strconv.Itoa(a), b) })", "0"},
	"slices.Concat":           {"slices.Concat([]int{1}, []int{2, 3}, nil)", "[1 2 3]"},
	"slices.Contains":         {"slices.Contains(strings.Fields(\"go is fun\"), \"is\")", "true"},
	"slices.ContainsFunc":     {"slices.ContainsFunc([]int{1, 4}, func(v int) bool { return v%2 == 0 })", "true"},
	"slices.Delete":           {"slices.Delete([]int{0, 1, 2, 3}, 1, 3)", "[0 3]"},
	"slices.DeleteFunc":       {"slices.DeleteFunc([]int{0, 1, 2, 3}, func(v int) bool { return v%2 == 1 })", "[0 2]"},
	"slices.Equal":            {"slices.Equal([]int{1, 2}, []int{1, 2})", "true"},
	"slices.EqualFunc":        {"slices.EqualFunc([]int{1}, []string{\"1\"}, func(a int, b string) bool { return strconv.Itoa(a) == b })", "true"},
	"slices.Grow":             {"s := slices.Grow([]int{1}, 10)\nfmt.Sprint(len(s), cap(s) >= 11)", `"1 true"`},
	"slices.Index":            {"slices.Index([]float64{1.5, 2.5}, 2.5)", "1"},
	"slices.IndexFunc":        {"slices.IndexFunc(strings.Fields(\"a bb ccc\"), func(s string) bool { return len(s) > 1 })", "1"},
	"slices.Insert":           {"slices.Insert([]string{\"a\", \"d\"}, 1, \"b\", \"c\")", `["a" "b" "c" "d"]`},
	"slices.IsSorted":         {"slices.IsSorted([]int{1, 2, 2})", "true"},
	"slices.IsSortedFunc":     {"slices.IsSortedFunc([]int{3, 2}, func(a, b int) int { return b - a })", "true"},
	"slices.Max":              {"slices.Max([]float64{1, 5, 2})", "5"},
	"slices.MaxFunc":          {"slices.MaxFunc(strings.Fields(\"a ccc bb\"), func(a, b string) int { return len(a) - len(b) })", `"ccc"`},
	"slices.Min":              {"slices.Min(strings.Fields(\"b a c\"))", `"a"`},
	"slices.MinFunc":          {"slices.MinFunc([]int{-3, 2}, func(a, b int) int { return a*a - b*b })", "2"},
	"slices.Repeat":           {"slices.Repeat([]int{1, 2}, 2)", "[1 2 1 2]"},
	"slices.Replace":          {"slices.Replace([]int{0, 1, 2}, 1, 2, 7, 8)", "[0 7 8 2]"},
	"slices.Reverse":          {"s := []int{1, 2, 3}\nslices.Reverse(s)\ns", "[3 2 1]"},
	"slices.Sort":             {"s := strings.Fields(\"c a b\")\nslices.Sort(s)\ns", `["a" "b" "c"]`},
	"slices.SortFunc":         {"type P struct{ N string; A int }\nps := []P{{\"b\", 2}, {\"a\", 1}}\nslices.SortFunc(ps, func(x, y P) int { return cmp.Compare(x.A, y.A) })\nps[0].N", `"a"`},
	"slices.SortStableFunc":   {"s := strings.Fields(\"bb a cc d\")\nslices.SortStableFunc(s, func(x, y string) int { return len(x) - len(y) })\ns", `["a" "d" "bb" "cc"]`},
	"slices.Sorted":           {"slices.Sorted(maps.Keys(map[string]int{\"b\": 1, \"a\": 2}))", `["a" "b"]`},
	"slices.SortedFunc":       {"slices.SortedFunc(slices.Values([]int{1, 3, 2}), func(a, b int) int { return b - a })", "[3 2 1]"},
	"slices.SortedStableFunc": {"slices.SortedStableFunc(slices.Values([]int{1, 3, 2}), func(a, b int) int { return 0 })", "[1 3 2]"},
	"slices.Values":           {"s := 0\nfor v := range slices.Values([]int{1, 2, 3}) { s += v }\ns", "6"},

	"maps.All":        {"s := 0\nfor k, v := range maps.All(map[int]int{2: 3}) { s += k * v }\ns", "6"},
	"maps.Clone":      {"m := map[string]int{\"a\": 1}\nc := maps.Clone(m)\nc[\"a\"] = 2\nfmt.Sprint(m, c)", `"map[a:1] map[a:2]"`},
	"maps.Collect":    {"maps.Collect(slices.All([]string{\"x\", \"y\"}))", `map[0:x 1:y]`},
	"maps.Copy":       {"dst := map[string]int{\"a\": 1}\nmaps.Copy(dst, map[string]int{\"b\": 2})\ndst", `map[a:1 b:2]`},
	"maps.DeleteFunc": {"m := map[int]bool{1: true, 2: false}\nmaps.DeleteFunc(m, func(k int, v bool) bool { return !v })\nm", "map[1:true]"},
	"maps.Equal":      {"maps.Equal(map[string]int{\"a\": 1}, map[string]int{\"a\": 1})", "true"},
	"maps.EqualFunc":  {"maps.EqualFunc(map[string]int{\"a\": 1}, map[string]string{\"a\": \"1\"}, func(x int, y string) bool { return strconv.Itoa(x) == y })", "true"},
	"maps.Insert":     {"m := map[int]string{}\nmaps.Insert(m, slices.All([]string{\"x\"}))\nm", `map[0:x]`},
	"maps.Keys":       {"n := 0\nfor k := range maps.Keys(map[int]bool{4: true}) { n += k }\nn", "4"},
	"maps.Values":     {"slices.Sorted(maps.Values(map[string]int{\"a\": 2, \"b\": 1}))", "[1 2]"},

	"iter.Pull":  {"next, stop := iter.Pull(slices.Values([]int{7, 8}))\na, _ := next()\nb, ok := next()\nstop()\nfmt.Sprint(a, b, ok)", `"7 8 true"`},
	"iter.Pull2": {"next, stop := iter.Pull2(maps.All(map[string]int{\"a\": 1}))\nk, v, ok := next()\nstop()\nfmt.Sprint(k, v, ok)", `"a1 true"`},

	"cmp.Compare": {"cmp.Compare(math.NaN(), 1)", "-1"},
	"cmp.Less":    {"cmp.Less(\"a\", \"b\")", "true"},
	"cmp.Or":      {"cmp.Or(\"\", os.Getenv(\"GOPAR_NO_SUCH_VARIABLE\"), \"default\")", `"default"`},

	"strings.FieldsFuncSeq": {"n := 0\nfor range strings.FieldsFuncSeq(\"a,b;c\", func(r rune) bool { return r == ',' || r == ';' }) { n++ }\nn", "3"},
	"strings.FieldsSeq":     {"slices.Collect(strings.FieldsSeq(\" a  b \"))", `["a" "b"]`},
	"strings.Lines":         {"out := \"\"\nfor l := range strings.Lines(\"x\\ny\\n\") { out += strings.TrimSpace(l) }\nout", `"xy"`},
	"strings.SplitAfterSeq": {"slices.Collect(strings.SplitAfterSeq(\"a,b\", \",\"))", `["a," "b"]`},
	"strings.SplitSeq":      {"out := []string{}\nfor p := range strings.SplitSeq(\"a,b,c\", \",\") { out = append(out, strings.ToUpper(p)) }\nout", `["A" "B" "C"]`},
	"bytes.FieldsFuncSeq":   {"n := 0\nfor range bytes.FieldsFuncSeq([]byte(\"a,b\"), func(r rune) bool { return r == ',' }) { n++ }\nn", "2"},
	"bytes.FieldsSeq":       {"n := 0\nfor f := range bytes.FieldsSeq([]byte(\" ab  c \")) { n += len(f) }\nn", "3"},
	"bytes.Lines":           {"n := 0\nfor range bytes.Lines([]byte(\"a\\nb\")) { n++ }\nn", "2"},
	"bytes.SplitAfterSeq":   {"out := \"\"\nfor p := range bytes.SplitAfterSeq([]byte(\"a,b\"), []byte(\",\")) { out += string(p) + \"|\" }\nout", `"a,|b|"`},
	"bytes.SplitSeq":        {"out := \"\"\nfor p := range bytes.SplitSeq([]byte(\"a,b\"), []byte(\",\")) { out += string(p) }\nout", `"ab"`},
}

// stdGenericUnsupported are the functions of those packages that cells
// cannot call, with why (shown in the error): none.
var stdGenericUnsupported = map[string]string{}

// TestStdGenericsInCells checks that every exported function of the
// standard library's slices, maps, iter and cmp packages, and every
// iterator function of strings and bytes, of the Go that runs the test
// (read from GOROOT), can be called in a cell and gives Go's result, and
// that the packages' exported types can be used.
func TestStdGenericsInCells(t *testing.T) {
	var funcs []string
	for _, p := range []string{"slices", "maps", "iter", "cmp", "strings", "bytes"} {
		names, err := stdapi.Exported(p)
		if err != nil {
			t.Skipf("reading GOROOT's %s: %v", p, err)
		}
		for _, n := range names {
			if n.Kind != "func" || (p == "strings" || p == "bytes") && !strings.HasSuffix(n.Name, "Seq") && n.Name != "Lines" {
				continue
			}
			funcs = append(funcs, p+"."+n.Name)
		}
	}
	if len(funcs) < 60 {
		t.Fatalf("only %d functions found in GOROOT: %v", len(funcs), funcs)
	}
	e := newEngine(t)
	for _, f := range funcs {
		s, ok := stdGenericSamples[f]
		if !ok {
			if why := stdGenericUnsupported[f]; why != "" {
				continue
			}
			t.Errorf("%s (Go %s): no sample call; add one to stdGenericSamples, or say why cells cannot call it in stdGenericUnsupported", f, strings.TrimPrefix(runtime.Version(), "go"))
			continue
		}
		res, out := exec(t, e, s.code)
		if res.Err != nil {
			t.Errorf("%s: %s\n%s\nstderr: %s", f, s.code, res.Err.String(), out.text("stderr"))
			continue
		}
		if got := resultText(res); got != s.want {
			t.Errorf("%s: %s\ngives %s, want %s", f, s.code, got, s.want)
		}
	}
	for f := range stdGenericSamples {
		if !slices.Contains(funcs, f) {
			t.Errorf("sample of %s, which this Go lacks", f)
		}
	}
	// The types.
	mustRun(t, e, "var seq iter.Seq[int] = slices.Values([]int{1})\nvar seq2 iter.Seq2[int, string] = slices.All([]string{\"a\"})\nfunc Largest[T cmp.Ordered](a, b T) T { if cmp.Less(a, b) { return b }; return a }")
	if r, _ := mustRun(t, e, "fmt.Sprint(slices.Collect(seq), maps.Collect(seq2), Largest(2, 3))"); r != `"[1] map[0:a] 3"` {
		t.Errorf("iter.Seq, iter.Seq2, cmp.Ordered: %s", r)
	}
}

// TestStdGenericsComplete checks that completion and inspection know the
// generic functions gopar gives in Go source.
func TestStdGenericsComplete(t *testing.T) {
	e := newEngine(t)
	for code, want := range map[string]string{"slices.So": "Sort", "sync.Once": "OnceValues", "iter.": "Seq2", "strings.Split": "SplitSeq"} {
		if c := e.Complete(code, len(code)); !slices.Contains(c.Matches, want) {
			t.Errorf("Complete(%q) = %q, want %s among them", code, c.Matches, want)
		}
	}
	if in := e.Inspect("slices.Sort(x)", 9, 0); !in.Found || !strings.Contains(fmt.Sprint(in.Data["text/plain"]), "func Sort") {
		t.Errorf("Inspect(slices.Sort) = %+v", in)
	}
}
