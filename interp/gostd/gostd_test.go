package gostd_test

import (
	"cmp"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"maps"
	"math"
	"math/rand/v2"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	gcmp "github.com/gopar/gopar/interp/gostd/cmp"
	gerrors "github.com/gopar/gopar/interp/gostd/errors"
	giter "github.com/gopar/gopar/interp/gostd/iter"
	gmaps "github.com/gopar/gopar/interp/gostd/maps"
	grand "github.com/gopar/gopar/interp/gostd/rand"
	greflect "github.com/gopar/gopar/interp/gostd/reflect"
	gslices "github.com/gopar/gopar/interp/gostd/slices"
	gsync "github.com/gopar/gopar/interp/gostd/sync"

	"github.com/gopar/gopar/interp/gostd"
)

// The packages compiled natively give what Go's give, on the same inputs
// (the engine's tests check them in the interpreter).

func ints(r *rand.Rand, n, max int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = r.IntN(max)
	}
	return s
}

func floats(r *rand.Rand, n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		switch r.IntN(10) {
		case 0:
			s[i] = math.NaN()
		case 1:
			s[i] = math.Inf(-1)
		default:
			s[i] = float64(r.IntN(20)) / 2
		}
	}
	return s
}

func same(t *testing.T, what string, got, want any) {
	t.Helper()
	if g, w := fmt.Sprintf("%#v", got), fmt.Sprintf("%#v", want); g != w {
		t.Errorf("%s: got %s, want %s", what, g, w)
	}
}

func TestSlicesAsGo(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := range 40 {
		a, b := ints(r, n%9, 5), ints(r, n%7, 5)
		fa, fb := floats(r, n%8), floats(r, n%8)
		cmpInt := func(x, y int) int { return x - y }
		w := fmt.Sprint(a, b)

		same(t, "Equal "+w, gslices.Equal(a, b), slices.Equal(a, b))
		same(t, "Equal floats", gslices.Equal(fa, fb), slices.Equal(fa, fb))
		same(t, "Compare "+w, gslices.Compare(a, b), slices.Compare(a, b))
		same(t, "Compare floats", gslices.Compare(fa, fb), slices.Compare(fa, fb))
		same(t, "CompareFunc "+w, gslices.CompareFunc(a, b, cmpInt), slices.CompareFunc(a, b, cmpInt))
		same(t, "EqualFunc "+w, gslices.EqualFunc(a, b, func(x, y int) bool { return x == y }), slices.EqualFunc(a, b, func(x, y int) bool { return x == y }))
		same(t, "Index "+w, gslices.Index(a, 2), slices.Index(a, 2))
		same(t, "IndexFunc "+w, gslices.IndexFunc(a, func(x int) bool { return x > 2 }), slices.IndexFunc(a, func(x int) bool { return x > 2 }))
		same(t, "Contains "+w, gslices.Contains(a, 3), slices.Contains(a, 3))
		same(t, "ContainsFunc "+w, gslices.ContainsFunc(a, func(x int) bool { return x > 3 }), slices.ContainsFunc(a, func(x int) bool { return x > 3 }))
		same(t, "Clone "+w, gslices.Clone(a), slices.Clone(a))
		same(t, "Concat "+w, gslices.Concat(a, b, a), slices.Concat(a, b, a))
		same(t, "Repeat "+w, gslices.Repeat(a, n%3), slices.Repeat(a, n%3))
		same(t, "IsSorted "+w, gslices.IsSorted(a), slices.IsSorted(a))
		same(t, "IsSortedFunc "+w, gslices.IsSortedFunc(a, cmpInt), slices.IsSortedFunc(a, cmpInt))
		if len(a) > 0 {
			same(t, "Max "+w, gslices.Max(a), slices.Max(a))
			same(t, "Min "+w, gslices.Min(a), slices.Min(a))
			same(t, "MaxFunc "+w, gslices.MaxFunc(a, func(x, y int) int { return x/2 - y/2 }), slices.MaxFunc(a, func(x, y int) int { return x/2 - y/2 }))
			same(t, "MinFunc "+w, gslices.MinFunc(a, func(x, y int) int { return x/2 - y/2 }), slices.MinFunc(a, func(x, y int) int { return x/2 - y/2 }))
			i := n % len(a)
			j := i + (len(a)-i)/2
			same(t, "Delete "+w, gslices.Delete(slices.Clone(a), i, j), slices.Delete(slices.Clone(a), i, j))
			same(t, "Replace "+w, gslices.Replace(slices.Clone(a), i, j, b...), slices.Replace(slices.Clone(a), i, j, b...))
			same(t, "Insert "+w, gslices.Insert(slices.Clone(a), i, b...), slices.Insert(slices.Clone(a), i, b...))
		}
		if len(fa) > 0 {
			same(t, "Max floats", fmt.Sprint(gslices.Max(fa)), fmt.Sprint(slices.Max(fa)))
			same(t, "Min floats", fmt.Sprint(gslices.Min(fa)), fmt.Sprint(slices.Min(fa)))
		}
		// In place: the zeroed tails count.
		ga, sa := slices.Clone(a), slices.Clone(a)
		same(t, "Compact "+w, gslices.Compact(ga), slices.Compact(sa))
		same(t, "Compact's tail "+w, ga, sa)
		ga, sa = slices.Clone(a), slices.Clone(a)
		same(t, "CompactFunc "+w, gslices.CompactFunc(ga, func(x, y int) bool { return x/2 == y/2 }), slices.CompactFunc(sa, func(x, y int) bool { return x/2 == y/2 }))
		same(t, "CompactFunc's tail "+w, ga, sa)
		ga, sa = slices.Clone(a), slices.Clone(a)
		same(t, "DeleteFunc "+w, gslices.DeleteFunc(ga, func(x int) bool { return x%2 == 0 }), slices.DeleteFunc(sa, func(x int) bool { return x%2 == 0 }))
		same(t, "DeleteFunc's tail "+w, ga, sa)
		ga, sa = slices.Clone(a), slices.Clone(a)
		gslices.Reverse(ga)
		slices.Reverse(sa)
		same(t, "Reverse "+w, ga, sa)
		ga, sa = slices.Clone(a), slices.Clone(a)
		gslices.Sort(ga)
		slices.Sort(sa)
		same(t, "Sort "+w, ga, sa)
		for _, v := range []int{-1, 0, 2, 5} {
			gi, gf := gslices.BinarySearch(sa, v)
			si, sf := slices.BinarySearch(sa, v)
			same(t, fmt.Sprint("BinarySearch ", sa, v), []any{gi, gf}, []any{si, sf})
			gi, gf = gslices.BinarySearchFunc(sa, v, cmpInt)
			si, sf = slices.BinarySearchFunc(sa, v, cmpInt)
			same(t, fmt.Sprint("BinarySearchFunc ", sa, v), []any{gi, gf}, []any{si, sf})
		}
		gfa, sfa := slices.Clone(fa), slices.Clone(fa)
		gslices.Sort(gfa)
		slices.Sort(sfa)
		same(t, "Sort floats", fmt.Sprint(gfa), fmt.Sprint(sfa))
		gi, gf := gslices.BinarySearch(sfa, math.NaN())
		si, sf := slices.BinarySearch(sfa, math.NaN())
		same(t, fmt.Sprint("BinarySearch NaN in ", sfa), []any{gi, gf}, []any{si, sf})
		type pair struct{ k, v int }
		ps := make([]pair, len(a))
		for i, x := range a {
			ps[i] = pair{x, i}
		}
		gp, sp := slices.Clone(ps), slices.Clone(ps)
		gslices.SortStableFunc(gp, func(x, y pair) int { return x.k - y.k })
		slices.SortStableFunc(sp, func(x, y pair) int { return x.k - y.k })
		same(t, "SortStableFunc "+w, gp, sp)
		gp = slices.Clone(ps)
		gslices.SortFunc(gp, func(x, y pair) int { return cmp.Compare(x.k, y.k) })
		if !slices.IsSortedFunc(gp, func(x, y pair) int { return x.k - y.k }) {
			t.Errorf("SortFunc %v: %v", ps, gp)
		}
		same(t, "Grow "+w, cap(gslices.Grow(a, n)) >= len(a)+n, true)
		same(t, "Clip "+w, cap(gslices.Clip(a)), len(a))

		// Iterators.
		same(t, "Collect(Values) "+w, gslices.Collect(gslices.Values(a)), slices.Collect(slices.Values(a)))
		same(t, "Sorted "+w, gslices.Sorted(slices.Values(a)), slices.Sorted(slices.Values(a)))
		same(t, "SortedFunc "+w, gslices.SortedFunc(slices.Values(a), cmpInt), slices.SortedFunc(slices.Values(a), cmpInt))
		same(t, "SortedStableFunc "+w, gslices.SortedStableFunc(slices.Values(a), cmpInt), slices.SortedStableFunc(slices.Values(a), cmpInt))
		same(t, "AppendSeq "+w, gslices.AppendSeq(slices.Clone(b), slices.Values(a)), slices.AppendSeq(slices.Clone(b), slices.Values(a)))
		var g2, s2 []int
		for i, v := range gslices.All(a) {
			g2 = append(g2, i, v)
		}
		for i, v := range slices.All(a) {
			s2 = append(s2, i, v)
		}
		same(t, "All "+w, g2, s2)
		g2, s2 = nil, nil
		for i, v := range gslices.Backward(a) {
			g2 = append(g2, i, v)
			if i == 1 {
				break
			}
		}
		for i, v := range slices.Backward(a) {
			s2 = append(s2, i, v)
			if i == 1 {
				break
			}
		}
		same(t, "Backward "+w, g2, s2)
		var gc, sc [][]int
		for c := range gslices.Chunk(a, 1+n%3) {
			gc = append(gc, c)
			same(t, "Chunk's capacity", cap(c), len(c))
		}
		for c := range slices.Chunk(a, 1+n%3) {
			sc = append(sc, c)
		}
		same(t, "Chunk "+w, gc, sc)
	}
}

func TestSlicesPanicAsGo(t *testing.T) {
	for name, f := range map[string][2]func(){
		"Max of nothing":  {func() { _ = gslices.Max([]int{}) }, func() { _ = slices.Max([]int{}) }},
		"Min of nothing":  {func() { _ = gslices.Min([]int{}) }, func() { _ = slices.Min([]int{}) }},
		"Chunk of 0":      {func() { _ = gslices.Chunk([]int{1}, 0) }, func() { _ = slices.Chunk([]int{1}, 0) }},
		"Grow by -1":      {func() { _ = gslices.Grow([]int{1}, -1) }, func() { _ = slices.Grow([]int{1}, -1) }},
		"Repeat -1 times": {func() { _ = gslices.Repeat([]int{1}, -1) }, func() { _ = slices.Repeat([]int{1}, -1) }},
		"Insert past end": {func() { _ = gslices.Insert([]int{1}, 2, 3) }, func() { _ = slices.Insert([]int{1}, 2, 3) }},
		"Delete past end": {func() { _ = gslices.Delete([]int{1}, 0, 2) }, func() { _ = slices.Delete([]int{1}, 0, 2) }},
		"Replace past end": {func() { _ = gslices.Replace(make([]int, 1, 4), 0, 2) },
			func() { _ = slices.Replace(make([]int, 1, 4), 0, 2) }},
	} {
		if g, s := panicOf(f[0]), panicOf(f[1]); (g == nil) != (s == nil) {
			t.Errorf("%s: gopar's panics with %v, Go's with %v", name, g, s)
		}
	}
}

func panicOf(f func()) (p any) {
	defer func() { p = recover() }()
	f()
	return nil
}

func TestMapsAsGo(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for n := range 20 {
		m1, m2 := map[int]int{}, map[int]int{}
		for _, k := range ints(r, n%6, 6) {
			m1[k] = k % 3
		}
		for _, k := range ints(r, n%6, 6) {
			m2[k] = k % 3
		}
		w := fmt.Sprint(m1, m2)
		same(t, "Equal "+w, gmaps.Equal(m1, m2), maps.Equal(m1, m2))
		eq := func(a, b int) bool { return a%2 == b%2 }
		same(t, "EqualFunc "+w, gmaps.EqualFunc(m1, m2, eq), maps.EqualFunc(m1, m2, eq))
		same(t, "Clone "+w, gmaps.Clone(m1), maps.Clone(m1))
		same(t, "Keys "+w, slices.Sorted(gmaps.Keys(m1)), slices.Sorted(maps.Keys(m1)))
		same(t, "Values "+w, slices.Sorted(gmaps.Values(m1)), slices.Sorted(maps.Values(m1)))
		same(t, "Collect(All) "+w, gmaps.Collect(gmaps.All(m1)), maps.Collect(maps.All(m1)))
		g, s := maps.Clone(m1), maps.Clone(m1)
		gmaps.Copy(g, m2)
		maps.Copy(s, m2)
		same(t, "Copy "+w, g, s)
		g, s = maps.Clone(m1), maps.Clone(m1)
		gmaps.Insert(g, maps.All(m2))
		maps.Insert(s, maps.All(m2))
		same(t, "Insert "+w, g, s)
		g, s = maps.Clone(m1), maps.Clone(m1)
		gmaps.DeleteFunc(g, func(k, v int) bool { return k > v })
		maps.DeleteFunc(s, func(k, v int) bool { return k > v })
		same(t, "DeleteFunc "+w, g, s)
	}
	var nilMap map[string]int
	same(t, "Clone(nil)", gmaps.Clone(nilMap) == nil, true)
}

func TestCmpAsGo(t *testing.T) {
	vals := []float64{math.NaN(), math.Inf(-1), -1, 0, 1, math.Inf(1)}
	for _, x := range vals {
		for _, y := range vals {
			same(t, fmt.Sprint("Compare ", x, y), gcmp.Compare(x, y), cmp.Compare(x, y))
			same(t, fmt.Sprint("Less ", x, y), gcmp.Less(x, y), cmp.Less(x, y))
		}
	}
	same(t, "Or", gcmp.Or("", "a", "b"), cmp.Or("", "a", "b"))
	same(t, "Or of zeros", gcmp.Or(0, 0), cmp.Or(0, 0))
}

func TestPull(t *testing.T) {
	words := strings.Fields("a b c")
	next, stop := giter.Pull(slices.Values(words))
	var got []string
	for v, ok := next(); ok; v, ok = next() {
		got = append(got, v)
	}
	stop()
	same(t, "Pull", got, words)

	// Stopped early, the iterator's goroutine ends (the deferred call runs).
	ended := make(chan bool, 1)
	seq := func(yield func(int, string) bool) {
		defer func() { ended <- true }()
		for i, w := range words {
			if !yield(i, w) {
				return
			}
		}
	}
	next2, stop2 := giter.Pull2(seq)
	if k, v, ok := next2(); k != 0 || v != "a" || !ok {
		t.Errorf("Pull2's first pair: %v %v %v", k, v, ok)
	}
	stop2()
	<-ended
	if _, _, ok := next2(); ok {
		t.Error("Pull2 after stop gave a pair")
	}

	// A panic of the iterator reaches the caller of next.
	next3, _ := giter.Pull(func(yield func(int) bool) { panic("boom") })
	if p := panicOf(func() { next3() }); p != "boom" {
		t.Errorf("a panic of the iterator: %v", p)
	}
}

func TestFuncs(t *testing.T) {
	fs := gostd.Funcs()
	if f := fs["slices.Sort"]; f.Decl != "func Sort[E cmp.Ordered](x []E)" || !f.Generic {
		t.Errorf("slices.Sort: %+v", f)
	}
	if _, ok := fs["slices.zero"]; ok {
		t.Error("an unexported function is listed")
	}
}

// TestSourcesAvoidWhatYaegiLacks checks that the sources use none of the
// Go features yaegi v0.16.1 lacks: they are interpreted as written.
func TestSourcesAvoidWhatYaegiLacks(t *testing.T) {
	for _, p := range gostd.Packages() {
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, p.File, p.Source, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				if id, ok := n.Fun.(*ast.Ident); ok && (id.Name == "min" || id.Name == "max" || id.Name == "clear") && id.Obj == nil {
					t.Errorf("%s: the %s builtin", fset.Position(n.Pos()), id.Name)
				}
			case *ast.RangeStmt:
				switch x := n.X.(type) {
				case *ast.BasicLit, *ast.CallExpr:
					t.Errorf("%s: range over %T (an integer or a function?)", fset.Position(n.Pos()), x)
				case *ast.Ident:
					if x.Obj != nil {
						if f, ok := x.Obj.Decl.(*ast.Field); ok {
							if id, ok := f.Type.(*ast.Ident); ok && id.Name == "int" {
								t.Errorf("%s: range over the integer %s", fset.Position(n.Pos()), x.Name)
							}
							if _, ok := f.Type.(*ast.FuncType); ok {
								t.Errorf("%s: range over the function %s", fset.Position(n.Pos()), x.Name)
							}
						}
					}
				}
			case *ast.ReturnStmt:
				for _, r := range n.Results {
					if u, ok := r.(*ast.UnaryExpr); ok && u.Op == token.ARROW {
						t.Errorf("%s: return of a receive expression", fset.Position(n.Pos()))
					}
				}
			}
			return true
		})
	}
}

func TestComplementsAsGo(t *testing.T) {
	calls := 0
	f := gsync.OnceValue(func() int { calls++; return 7 })
	if f()+f() != 14 || calls != 1 {
		t.Errorf("OnceValue: calls %d", calls)
	}
	g := gsync.OnceValues(func() (int, error) { calls++; return 1, errors.New("e") })
	if v, err := g(); v != 1 || err == nil || calls != 2 {
		t.Errorf("OnceValues: %v %v %d", v, err, calls)
	}
	if _, err := g(); calls != 2 || err == nil {
		t.Error("OnceValues called f again")
	}
	h := gsync.OnceValue(func() int { panic("p") })
	for range 2 {
		if p := panicOf(func() { h() }); p != "p" {
			t.Errorf("OnceValue of a panicking f: %v", p)
		}
	}
	_, err := os.Open("/nonexistent/gopar")
	pe, ok := gerrors.AsType[*fs.PathError](err)
	spe, sok := errors.AsType[*fs.PathError](err)
	same(t, "AsType", []any{pe, ok}, []any{spe, sok})
	_, ok = gerrors.AsType[*strconv.NumError](err)
	same(t, "AsType of another type", ok, false)
	same(t, "TypeFor", greflect.TypeFor[[]string](), reflect.TypeFor[[]string]())
	v, ok := greflect.TypeAssert[int](reflect.ValueOf(3))
	sv, sok := reflect.TypeAssert[int](reflect.ValueOf(3))
	same(t, "TypeAssert", []any{v, ok}, []any{sv, sok})
	for range 100 {
		if n := grand.N(time.Second); n < 0 || n >= time.Second {
			t.Fatalf("N(time.Second) = %v", n)
		}
	}
	if p := panicOf(func() { grand.N(0) }); p == nil {
		t.Error("N(0) did not panic")
	}
}
