package interp

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"

	yaegi "github.com/traefik/yaegi/interp"
	"github.com/traefik/yaegi/stdlib"
	"github.com/traefik/yaegi/stdlib/unrestricted"

	"github.com/gopar/gopar/interp/symbols"
)

// An engine's state is one yaegi interpreter and what the engine knows of
// it: the names cells defined (globals, methods, types), the imports, and
// the cells run so far, whose lines map yaegi's positions back to cells.
// %reset replaces the whole state.

// state is one interpreter and what the engine knows of its globals.
type state struct {
	it *yaegi.Interpreter
	in *internals // yaegi's unexported fields the engine uses

	imports  map[string]string   // package name in cells → import path
	packages map[string]string   // importable package name → import path
	globals  map[string]*global  // top-level names defined by cells
	methods  map[string]*global  // "T.M" → method
	types    map[string]string   // type name → normalised definition
	failed   map[string]*cellRec // names whose defining cell failed, with no definition left
	std      map[string]bool     // gopar's Go-source packages compiled in (see loadStd)
	// iterMethods are the arities of the iterators the cells' methods
	// return, by method name (0: not an iterator; see noteIterMethod).
	iterMethods map[string]int
	users       map[string]map[string]bool // name → functions and methods ("T.M") whose body uses it
	cells       []*cellRec
	lastCell    *cellRec
	nextBase    int // global line of the next cell's line 0 (lines 1..chunkPrefixLines are no cell's)
	counter     int // fresh-name counter for rewrites

	zombies []*zombie // interrupted evaluations that may still run (e.mu held)

	mu         sync.Mutex // guards the fields below (touched by goroutines)
	panicLines []panicLine
	result     []any
	hasResult  bool
	mimes      []mime // from the result's display methods
	goPanics   []goPanic
	started    chan struct{} // closed when the current chunk starts running
	curCell    *cellRec
	defs       []funcDef // where functions and methods are defined, for traces
	run        runState  // interrupts: the run id, sleepers, parlib's context
}

// global is a top-level name defined by cells.
type global struct {
	name    string
	kind    string // "func", "var", "const", "type", "method"
	sig     string // declaration header, as shown by completion/inspection
	doc     string
	typ     reflect.Type
	typeSrc string   // a variable's type as Go source ("" if unknown), for Restore
	generic bool     // generic function
	refs    []string // names its body uses, sorted (functions and methods)
	def     *defSrc  // its declaration, evaluated again when a name in refs is redefined
	cell    *cellRec
}

// cellRec is one executed cell.
type cellRec struct {
	src   string
	count int // execution count, In [count]
	base  int // global line of its line 0: yaegi reports cell line l as base+l
	lines int
}

// funcDef is the lines of a cell holding a function or method.
type funcDef struct {
	cell         *cellRec
	line0, line1 int
	name         string
}

// mime is one MIME representation a result's method gave.
type mime struct {
	kind string // MIME type, or "bundle"
	data any
}

type panicLine struct {
	file      string
	line, col int
	what      string
}

type goPanic struct {
	value any
	trace []string
	cell  *cellRec
}

func (e *Engine) newState() (*state, error) {
	st := &state{imports: map[string]string{}, globals: map[string]*global{}, methods: map[string]*global{},
		types: map[string]string{}, failed: map[string]*cellRec{}, users: map[string]map[string]bool{}, std: map[string]bool{}, iterMethods: map[string]int{},
		nextBase: chunkPrefixLines}
	st.run.init()
	it := yaegi.New(yaegi.Options{
		Stdin:        &stdinReader{e: e},
		Stdout:       e.cap.outW,
		Stderr:       panicFilter{w: e.cap.errW, onLine: st.addPanicLine},
		Env:          e.opts.Env,
		Args:         e.opts.Args,
		Unrestricted: e.opts.Env == nil,
	})
	st.it = it
	tables := append(append([]yaegi.Exports{stdlib.Symbols, {"os/exec/exec": unrestricted.Symbols["os/exec/exec"]}}, stdTables()...),
		symbols.Symbols, e.opts.Symbols, e.runtimeSymbols(st))
	for _, t := range tables {
		if err := it.Use(t); err != nil {
			return nil, fmt.Errorf("interp: loading symbols: %w", err)
		}
	}

	st.packages = packageNames(it, tables)
	for _, src := range []string{`import __gopar "` + rtPath + `"`, prelude, engineDecls, rangeDecls} {
		if _, err := it.Eval(src); err != nil {
			return nil, fmt.Errorf("interp: loading runtime: %w", err)
		}
	}
	var err error
	if st.in, err = checkInternals(it); err != nil {
		return nil, fmt.Errorf("interp: this yaegi cannot be used by gopar (it was written for yaegi v0.16.1): %w", err)
	}
	st.in.dropRoots()
	return st, nil
}

// newCell records a source evaluated as (part of) cell count.
func (st *state) newCell(src string, count int) *cellRec {
	st.mu.Lock()
	defer st.mu.Unlock()
	cr := &cellRec{src: src, count: count, base: st.nextBase, lines: strings.Count(src, "\n") + 1}
	st.nextBase += cr.lines + 1
	st.cells = append(st.cells, cr)
	return cr
}

// cellAt finds the cell holding global line l (st.mu held).
func (st *state) cellAt(l int) *cellRec {
	i := sort.Search(len(st.cells), func(i int) bool { return st.cells[i].base+st.cells[i].lines >= l })
	if i < len(st.cells) && l > st.cells[i].base {
		return st.cells[i]
	}
	return nil
}
