package native

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"go/constant"
	"go/token"
	"math"
	"os"
	"path/filepath"
	"plugin"
	"reflect"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gopar/gopar/interp/native/nativert"
	"github.com/gopar/gopar/parlib"
)

// The tests below build real plugins, in a cache of their own, and load
// them into the test binary: a development build of gopar, which builds
// plugins against this source tree. Plugins cannot be unloaded, so the
// tests share one Compiler.

var cacheDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "gopar-native-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	cacheDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

var sharedCompiler = sync.OnceValues(func() (*Compiler, error) {
	return New(context.Background(), Options{CacheDir: cacheDir})
})

// compiler returns the tests' Compiler, or skips the test where plugins
// cannot be built (no toolchain of the test binary's release, no cgo).
func compiler(t *testing.T) *Compiler {
	t.Helper()
	if testing.Short() {
		t.Skip("builds plugins")
	}
	c, err := sharedCompiler()
	if err != nil {
		t.Skipf("native code unavailable: %v", err)
	}
	return c
}

var testScope = Scope{Packages: map[string]string{"parlib": "github.com/gopar/gopar/parlib", "math": "math", "sync": "sync"}}

// sibling is a Compiler on c's workspace with another host or toolchain,
// as another kernel of the same program has.
func (c *Compiler) sibling(h *Host, tc *Toolchain) *Compiler {
	return &Compiler{host: h, tc: tc, ws: c.ws, loaded: map[string]*plugin.Plugin{}, mods: map[string]string{}}
}

func mustCell(t *testing.T, c *Compiler, src string, scope Scope) *Package {
	t.Helper()
	p, err := c.Cell(context.Background(), src, scope)
	if err != nil {
		t.Fatalf("Cell: %v", err)
	}
	return p
}

func TestCellRunsCompiledAndSharesMemory(t *testing.T) {
	c := compiler(t)
	p := mustCell(t, c, `
func fib(n int) int {
	if n < 2 {
		return n
	}
	return fib(n-1) + fib(n-2)
}

// Scale multiplies xs by k in place.
func Scale(xs []float64, k float64) {
	for i := range xs {
		xs[i] *= k
	}
}
`, testScope)
	fib := p.Symbols["fib"].Interface().(func(int) int)
	if got := fib(20); got != 6765 {
		t.Errorf("fib(20) = %d", got)
	}
	xs := []float64{1, 2, 3}
	p.Symbols["Scale"].Call([]reflect.Value{reflect.ValueOf(xs), reflect.ValueOf(2.0)})
	if xs[0] != 2 || xs[2] != 6 {
		t.Errorf("after Scale(xs, 2), xs = %v: the compiled code did not change the caller's slice", xs)
	}
}

// TestCellSharesParlibWithTheProgram checks that parlib in a plugin is the
// program's: one package, one state.
func TestCellSharesParlibWithTheProgram(t *testing.T) {
	c := compiler(t)
	p := mustCell(t, c, "func Threads() int { return parlib.DefaultThreads() }\n", testScope)
	defer parlib.SetDefaultThreads(0)
	for _, n := range []int{3, 5} {
		parlib.SetDefaultThreads(n)
		if got := p.Symbols["Threads"].Call(nil)[0].Int(); got != int64(n) {
			t.Errorf("the plugin's parlib.DefaultThreads() = %d; the program set %d", got, n)
		}
	}
}

func TestCellCompileErrorsAtCellLines(t *testing.T) {
	c := compiler(t)
	_, err := c.Cell(context.Background(), "func f() int { return y }\n\nfunc g() string {\n\treturn 1\n}\n", testScope)
	var ce *CompileError
	if !errors.As(err, &ce) {
		t.Fatalf("Cell: %v; want a *CompileError", err)
	}
	var got []string
	for _, p := range ce.Errors {
		got = append(got, fmt.Sprintf("%d:%d %s", p.Line, p.Col, p.Msg))
	}
	want := []string{"1:23 undefined: y", "4:9 cannot use 1 (untyped int constant) as string value in return statement"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestCellFromTheCache(t *testing.T) {
	c := compiler(t)
	src := "func cached() string { return \"cached\" }\n"
	p1 := mustCell(t, c, src, testScope)
	plugins, _ := filepath.Glob(filepath.Join(c.Dir(), "plugins", "*.so"))
	p2 := mustCell(t, c, src, testScope)
	if p2.Built || p2.Path != p1.Path {
		t.Errorf("the same cell again: built %v, path %s then %s; want the cached package", p2.Built, p1.Path, p2.Path)
	}
	after, _ := filepath.Glob(filepath.Join(c.Dir(), "plugins", "*.so"))
	if len(after) != len(plugins) {
		t.Errorf("%d plugins, then %d: the same cell was built again", len(plugins), len(after))
	}
	// A second Compiler, as a restarted kernel has, loads it without the
	// go command.
	c2 := c.sibling(c.host, &Toolchain{Go: "/nonexistent/go"})
	p3, err := c2.Cell(context.Background(), src, testScope)
	if err != nil || p3.Built {
		t.Errorf("the cell from the cache, without a go command: %v (built %v)", err, p3 != nil && p3.Built)
	}
}

// TestCellsShareTypes checks that a later native cell uses an earlier one's
// types (the same type, not a copy) and functions.
func TestCellsShareTypes(t *testing.T) {
	c := compiler(t)
	var names Names
	scope := testScope
	scope.Natives = &names
	p1 := mustCell(t, c, "type Body struct{ X, V float64 }\n\nfunc (b *Body) Step(dt float64) { b.X += b.V * dt }\n\nfunc energy(b Body) float64 { return b.V * b.V / 2 }\n", scope)
	names.Add(p1)
	p2 := mustCell(t, c, "func Advance(bs []Body, dt float64) float64 {\n\te := 0.0\n\tfor i := range bs {\n\t\tbs[i].Step(dt)\n\t\te += energy(bs[i])\n\t}\n\treturn e\n}\n", scope)
	body := p1.Symbols["Body"].Type().Elem()
	bs := reflect.MakeSlice(reflect.SliceOf(body), 2, 2)
	bs.Index(0).Field(1).SetFloat(2)
	bs.Index(1).Field(1).SetFloat(4)
	e := p2.Symbols["Advance"].Call([]reflect.Value{bs, reflect.ValueOf(0.5)})[0].Float()
	if e != 10 || bs.Index(1).Field(0).Float() != 2 {
		t.Errorf("Advance = %v, X = %v; want 10 and 2", e, bs.Index(1).Field(0).Float())
	}
}

func TestCellGoroutines(t *testing.T) {
	c := compiler(t)
	p := mustCell(t, c, `
func ParallelSum(n, workers int) int {
	var wg sync.WaitGroup
	sums := make([]int, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += workers {
				sums[w] += i
			}
		}()
	}
	wg.Wait()
	s := 0
	for _, x := range sums {
		s += x
	}
	return s
}
`, testScope)
	if got := p.Symbols["ParallelSum"].Interface().(func(int, int) int)(1000, 4); got != 999*1000/2 {
		t.Errorf("ParallelSum(1000, 4) = %d", got)
	}
}

// TestCanceledStopsANativeLoop checks that a compiled loop that polls
// parlib.Canceled stops when parlib's context is cancelled, as the engine
// does on an interrupt.
func TestCanceledStopsANativeLoop(t *testing.T) {
	c := compiler(t)
	p := mustCell(t, c, `
func Spin(started func()) int {
	started()
	n := 0
	for !parlib.Canceled() {
		for range 1 << 12 {
			n++
		}
	}
	return n
}
`, testScope)
	ctx, cancel := context.WithCancel(context.Background())
	parlib.SetContext(ctx)
	defer parlib.SetContext(nil)
	started := make(chan struct{})
	done := make(chan int)
	spin := p.Symbols["Spin"].Interface().(func(func()) int)
	go func() { done <- spin(func() { close(started) }) }()
	<-started
	cancel()
	select {
	case n := <-done:
		if n <= 0 {
			t.Errorf("Spin returned %d", n)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Spin still runs 30 s after the cancel")
	}
}

func TestCellVariablesAreTheCompiledOnes(t *testing.T) {
	c := compiler(t)
	p := mustCell(t, c, "var counter int\n\nfunc Bump() { counter++ }\n", testScope)
	ex := p.Exports()
	vp := p.VarsPaths()
	if len(vp) != 1 {
		t.Fatalf("VarsPaths() = %q", vp)
	}
	v := ex[vp[0]+"/vars"]["counter"]
	p.Symbols["Bump"].Call(nil)
	p.Symbols["Bump"].Call(nil)
	if v.Int() != 2 {
		t.Errorf("counter = %d after two Bumps; want 2, read where the compiled code keeps it", v.Int())
	}
	if _, ok := ex[p.Path+"/cell"]["counter"]; ok {
		t.Error("the variable is also among the functions and types")
	}
}

// TestImportStandardPackageConstants imports a standard package through a
// plugin (no network needed) and checks the constants' exact values.
func TestImportStandardPackageConstants(t *testing.T) {
	c := compiler(t)
	p, err := c.Import(context.Background(), "math", nil)
	if err != nil {
		t.Fatal(err)
	}
	pi, ok := p.Symbols["Pi"].Interface().(constant.Value)
	if !ok {
		t.Fatalf("math.Pi is %v, not an untyped constant", p.Symbols["Pi"])
	}
	exact := constant.MakeFromLiteral("3.14159265358979323846264338327950288419716939937510582097494459", token.FLOAT, 0)
	if !constant.Compare(pi, token.EQL, exact) {
		t.Errorf("math.Pi = %s; want the exact constant %s", pi.ExactString(), exact.ExactString())
	}
	if v := p.Symbols["MaxUint64"].Interface().(constant.Value); v.ExactString() != "18446744073709551615" {
		t.Errorf("math.MaxUint64 = %s", v.ExactString())
	}
	if got := p.Symbols["Sqrt"].Interface().(func(float64) float64)(2); got != math.Sqrt2 {
		t.Errorf("Sqrt(2) = %v", got)
	}
}

// goproxyOff reports whether the go command may not fetch modules here.
func goproxyOff(t *testing.T, c *Compiler) bool {
	out, err := c.tc.output(context.Background(), c.Dir(), "env", "GOPROXY")
	return err != nil || strings.TrimSpace(string(out)) == "off"
}

// TestImportModule fetches github.com/montanaflynn/stats through the Go
// proxy, and loads it again from the cache without the go command.
func TestImportModule(t *testing.T) {
	c := compiler(t)
	if goproxyOff(t, c) {
		t.Skip("GOPROXY=off")
	}
	const path = "github.com/montanaflynn/stats"
	if _, err := c.Get(context.Background(), []string{path + "@v0.14.0"}); err != nil {
		t.Fatal(err)
	}
	p, err := c.Import(context.Background(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if p.Module != path || p.Version != "v0.14.0" || p.Name != "stats" {
		t.Errorf("imported %s %s, package %s", p.Module, p.Version, p.Name)
	}
	out := p.Symbols["Mean"].Call([]reflect.Value{reflect.ValueOf([]float64{1, 2, 6}).Convert(p.Symbols["Float64Data"].Type().Elem())})
	if out[0].Float() != 3 || !out[1].IsNil() {
		t.Errorf("stats.Mean(1, 2, 6) = %v, %v", out[0], out[1])
	}
	c2 := c.sibling(c.host, &Toolchain{Go: "/nonexistent/go"})
	p2, err := c2.Import(context.Background(), path, nil)
	if err != nil || p2.Built {
		t.Fatalf("the import from the cache, without a go command: %v", err)
	}
}

func TestImportMissingModule(t *testing.T) {
	c := compiler(t)
	if goproxyOff(t, c) {
		t.Skip("GOPROXY=off")
	}
	before, _ := os.ReadFile(filepath.Join(c.Dir(), "go.mod"))
	_, err := c.Import(context.Background(), "github.com/gopar/no-such-module-for-tests/pkg", nil)
	var ie *ImportError
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), "no module provides it") {
		t.Errorf("Import: %v; want an ImportError saying no module provides it", err)
	}
	after, _ := os.ReadFile(filepath.Join(c.Dir(), "go.mod"))
	if !bytes.Equal(before, after) {
		t.Errorf("a failed import changed go.mod:\n%s\nthen\n%s", before, after)
	}
}

// TestGetRefusesNewerVersionsOfTheProgramsModules checks that pinning a
// newer version of a module gopar was built with is refused, and leaves
// the workspace as it was.
func TestGetRefusesNewerVersionsOfTheProgramsModules(t *testing.T) {
	c := compiler(t)
	if goproxyOff(t, c) {
		t.Skip("GOPROXY=off")
	}
	// The test binary links no module but gopar: give its host one, at
	// an old version (one gopar's own go.mod does not require, so that
	// go get has nothing else to move).
	const mod, old, newer = "github.com/montanaflynn/stats", "v0.12.2", "v0.13.0"
	h := *c.host
	h.Deps = append(slices.Clone(h.Deps), &debug.Module{Path: mod, Version: old})
	c2 := c.sibling(&h, c.tc)
	before, _ := os.ReadFile(filepath.Join(c.Dir(), "go.mod"))
	_, err := c2.Get(context.Background(), []string{mod + "@" + newer})
	var ve *VersionError
	if !errors.As(err, &ve) || !strings.Contains(err.Error(), mod+" "+newer+" (gopar has "+old+")") {
		t.Errorf("Get: %v; want a VersionError naming %s", err, mod)
	}
	after, _ := os.ReadFile(filepath.Join(c.Dir(), "go.mod"))
	if !bytes.Equal(before, after) {
		t.Errorf("a refused go get changed go.mod:\n%s\nthen\n%s", before, after)
	}
}

// TestCellFunctionsTellNativert checks that the interpreter's entry to a
// cell's function is seen by nativert, which watches for compiled code that
// ignores an interrupt.
func TestCellFunctionsTellNativert(t *testing.T) {
	c := compiler(t)
	p := mustCell(t, c, "func Block(started func(), release chan struct{}) int {\n\tstarted()\n\t<-release\n\treturn 7\n}\n", testScope)
	started, release, done := make(chan struct{}), make(chan struct{}), make(chan int)
	block := p.Symbols["Block"].Interface().(func(func(), chan struct{}) int)
	go func() { done <- block(func() { close(started) }, release) }()
	<-started
	if n := nativert.Running(); n != 1 {
		t.Errorf("nativert.Running() = %d while Block runs", n)
	}
	close(release)
	if r := <-done; r != 7 {
		t.Errorf("Block returned %d", r)
	}
	if n := nativert.Running(); n != 0 {
		t.Errorf("nativert.Running() = %d after Block returned", n)
	}
}
