package interp

import (
	"errors"
	"fmt"
	"go/ast"
	"go/token"
	"maps"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/gopar/gopar/engine"
	"github.com/gopar/gopar/interp/cellsyntax"
)

// Functions and methods. A cell's function is a function declaration of
// yaegi's, called directly (as fast as yaegi gets, and unaffected by the
// run id of interrupts). yaegi binds a call to the function declared when
// the caller compiles, so redefining a function (or a variable, constant
// or function it uses) evaluates again every declaration that uses it,
// transitively, in one Eval with the new definition: mutually recursive
// functions then bind to each other's new versions. Function values taken
// earlier (stored in variables, handed to goroutines or parlib) keep the
// version they hold, as in Go.
//
// yaegi ignores a method's redefinition, so a method forwards to a
// variable (__gopar_m_T_M) that holds a function declaration with the
// method's body (__gopar_m_T_M_impl); redefining the method declares the
// function again and assigns it to the variable.
//
// A failed Eval of declarations leaves yaegi's symbols of all of them
// broken (calls return zero values or crash), so after one the engine
// evaluates again the previous versions of those that had one; the others
// are recorded as failed, and using them later says so (see failedUse).

// defSrc is a function's or method's declaration as the engine evaluates
// it: a piece of a cell's source, rewritten.
type defSrc struct {
	key     string // the function's name, or "T.M" for a method
	cell    *cellRec
	piece   piece
	method  *method // for a method with a late-bound body
	generic bool
	unit    int // index of the unit in the running cell, -1 for a definition of an earlier cell
	kind    unitKind
}

// varName is the name yaegi knows a cell's function by: a function named
// main would be called by yaegi after every evaluation.
func varName(fn string) string {
	if fn == "main" {
		return mainVar
	}
	return fn
}

const mainVar = "__gopar_main"

// funcSig returns the parameters and results of a func declaration.
func (x *execution) funcSig(i int, d *ast.FuncDecl) string {
	return collapse(x.src[x.off(i, d.Type.Params.Pos()):x.off(i, d.Type.End())])
}

// cellFuncSigs are the signatures of the cell's own functions, which
// rewrites of its units may need before the functions are evaluated.
func (x *execution) cellFuncSigs() map[string]string {
	out := map[string]string{}
	for i := range x.units {
		if x.units[i].kind != uFunc {
			continue
		}
		d := x.units[i].decl.(*ast.FuncDecl)
		if d.Type.TypeParams == nil {
			out[d.Name.Name] = "func " + d.Name.Name + x.funcSig(i, d)
		}
	}
	return out
}

// method is what the engine knows to late-bind a method: yaegi ignores a
// method's redefinition, so its body is a function that a variable holds
// and the method calls.
type method struct {
	key, hidden, impl string
	name              string
	recvName, recvT   string
	params            string // "a int, b ...string"
	args              string // "a, b..."
	results           string
	bareType          string // the func type without parameter names
	named             bool   // the parameters are named (or there are none)
	generic           bool
}

func (x *execution) methodOf(i int, d *ast.FuncDecl) method {
	text := func(n ast.Node) string { return x.src[x.off(i, n.Pos()):x.off(i, n.End())] }
	rf := d.Recv.List[0]
	m := method{recvName: "__gopar_r", recvT: text(rf.Type), name: d.Name.Name, named: true}
	if len(rf.Names) > 0 && rf.Names[0].Name != "_" {
		m.recvName = rf.Names[0].Name
	}
	t := rf.Type
	if s, ok := t.(*ast.StarExpr); ok {
		t = s.X
	}
	tname := ""
	switch tt := t.(type) {
	case *ast.Ident:
		tname = tt.Name
	default:
		m.generic = true
	}
	m.key = tname + "." + d.Name.Name
	m.hidden = "__gopar_m_" + tname + "_" + d.Name.Name
	m.impl = m.hidden + "_impl"
	k := 0
	var ps, as []string
	for _, f := range d.Type.Params.List {
		names := f.Names
		if len(names) == 0 {
			names = []*ast.Ident{{Name: "_"}}
			m.named = false
		}
		for _, n := range names {
			nm := n.Name
			if nm == "_" {
				nm = fmt.Sprintf("__gopar_p%d", k)
				m.named = false
			}
			k++
			ps = append(ps, nm+" "+text(f.Type))
			if _, ok := f.Type.(*ast.Ellipsis); ok {
				nm += "..."
			}
			as = append(as, nm)
		}
	}
	m.params, m.args = strings.Join(ps, ", "), strings.Join(as, ", ")
	m.bareType = "func(" + m.recvT
	if p := typesOnly(d.Type.Params, text); p != "" {
		m.bareType += ", " + p
	}
	m.bareType += ")"
	if d.Type.Results != nil {
		m.results = " " + text(d.Type.Results)
		m.bareType += " (" + typesOnly(d.Type.Results, text) + ")"
	}
	return m
}

// typesOnly lists the types of a field list, without names.
func typesOnly(fl *ast.FieldList, text func(ast.Node) string) string {
	if fl == nil {
		return ""
	}
	var out []string
	for _, f := range fl.List {
		n := max(len(f.Names), 1)
		for range n {
			out = append(out, text(f.Type))
		}
	}
	return strings.Join(out, ", ")
}

func (m method) funcType() string {
	p := m.recvName + " " + m.recvT
	if m.params != "" {
		p += ", " + m.params
	}
	return "func(" + p + ")" + m.results
}

// methodHeaders declares, before the cell's functions, the variable of
// each new method and the method forwarding to it, so that code may call
// methods defined anywhere in the cell.
func (x *execution) methodHeaders() error {
	for i := range x.units {
		if x.units[i].kind != uMethod {
			continue
		}
		if err := x.methodHeader(i, x.units[i].decl.(*ast.FuncDecl)); err != nil {
			return err
		}
	}
	return nil
}

// methodHeader declares the variable holding a method's body and the method
// forwarding to it.
func (x *execution) methodHeader(i int, d *ast.FuncDecl) error {
	u := &x.units[i]
	m := x.methodOf(i, d)
	if m.generic {
		return nil // defined as written
	}
	sig := m.funcType()
	if g := x.st.methods[m.key]; g != nil {
		if g.sig == sig {
			return nil
		}
		return x.errAt(u.start, engine.CompileError, fmt.Sprintf(
			"method %s is already defined with another signature, and the interpreter cannot change a method's signature: run %%reset", m.key))
	}
	start, hdrEnd := x.off(i, d.Type.Pos()), x.off(i, d.Type.End())
	decl := &chunk{pieces: []piece{{start, hdrEnd, []edit{{start, hdrEnd, "var " + m.hidden + " " + m.bareType}}}}}
	if _, err := x.eval(decl); err != nil {
		return err
	}
	call := m.hidden + "(" + m.recvName
	if m.args != "" {
		call += ", " + m.args
	}
	call += ")"
	if m.results != "" {
		call = "return " + call
	}
	wrapper := fmt.Sprintf("func (%s %s) %s(%s)%s { %s }", m.recvName, m.recvT, d.Name.Name, m.params, m.results, call)
	fw := &chunk{pieces: []piece{{start, u.end, []edit{{start, u.end, wrapper}}}}}
	if _, err := x.eval(fw); err != nil {
		return err
	}
	x.st.methods[m.key] = &global{name: m.key, kind: "method", sig: sig, doc: u.doc, cell: x.cell}
	return nil
}

// defOf rewrites unit i, a function or method declaration, into the
// declaration the engine evaluates.
func (x *execution) defOf(i int) *defSrc {
	u := &x.units[i]
	d := u.decl.(*ast.FuncDecl)
	r := x.rewriterFor(i)
	r.run(d)
	edits := r.edits
	ds := &defSrc{key: d.Name.Name, cell: x.cell, unit: i, generic: d.Type.TypeParams != nil, kind: u.kind}
	if u.kind == uFunc {
		if d.Name.Name == "main" {
			edits = append(edits, edit{x.off(i, d.Name.Pos()), x.off(i, d.Name.End()), mainVar})
		}
		ds.piece = piece{u.start, u.end, edits}
		return ds
	}
	m := x.methodOf(i, d)
	ds.key = m.key
	if m.generic {
		ds.generic = true
		ds.piece = piece{u.start, u.end, edits}
		return ds
	}
	ds.method = &m
	// func (r T) M(a int) int {…} becomes func __gopar_m_T_M_impl(r T, a
	// int) int {…}, on the same lines.
	start, end := x.off(i, d.Pos()), x.off(i, d.Type.Params.Closing)+1
	params := x.src[x.off(i, d.Type.Params.Opening)+1 : end-1]
	if !m.named {
		params = m.params
	}
	head := "func " + m.impl + "(" + m.recvName + " " + m.recvT
	if strings.TrimSpace(params) != "" {
		head += ", " + params
	}
	head += ")" + strings.Repeat("\n", strings.Count(x.src[start:end], "\n")-strings.Count(params, "\n"))
	ds.piece = piece{u.start, u.end, append(edits, edit{start, end, head})}
	return ds
}

// identOffsets are the offsets in its cell of the identifiers of a
// function or method declaration that may name another function:
// unresolved names, and the function's own (its name, recursive calls).
func identOffsets(d *defSrc) map[string][]int {
	u := cellsyntax.Unit{Kind: d.kind, Start: d.piece.start, End: d.piece.end}
	base, err := u.Parse(token.NewFileSet(), d.cell.src)
	fd, ok := u.Decl.(*ast.FuncDecl)
	if err != nil || !ok {
		return nil
	}
	out := map[string][]int{}
	add := func(id *ast.Ident) { out[id.Name] = append(out[id.Name], int(id.Pos())-base) }
	if fd.Recv == nil {
		add(fd.Name)
	}
	var walk func(ast.Node)
	walk = func(n ast.Node) {
		ast.Inspect(n, func(m ast.Node) bool {
			switch m := m.(type) {
			case *ast.SelectorExpr:
				walk(m.X)
				return false
			case *ast.Ident:
				if m.Obj == nil || m.Obj.Kind == ast.Fun && isFuncDecl(m.Obj.Decl) {
					add(m)
				}
			}
			return true
		})
	}
	if fd.Recv != nil {
		walk(fd.Recv)
	}
	walk(fd.Type)
	if fd.Body != nil {
		walk(fd.Body)
	}
	return out
}

func isFuncDecl(d any) bool {
	_, ok := d.(*ast.FuncDecl)
	return ok
}

// trialName is the name member k of a group has in its trial.
func trialName(k int) string { return "__gopar_try" + strconv.Itoa(k) }

// needTrial reports whether evaluating defs may break a definition that
// works: yaegi's symbols of all the declarations of a failed Eval are
// broken, and an earlier definition that no longer compiles cannot be
// evaluated again (see trial).
func (x *execution) needTrial(defs []*defSrc) bool {
	for _, d := range defs {
		if d.method != nil || d.unit >= 0 && x.units[d.unit].kind == uMethod {
			continue // nothing refers to a method's body by name
		}
		if g := x.st.globals[d.key]; d.unit < 0 || g != nil && g.def != nil {
			return true
		}
	}
	return false
}

// trial compiles (without running) defs with every function of the group
// renamed (__gopar_try0, …), so that a failure leaves the real ones
// untouched. It returns the chunks it compiled, to place an error.
func (x *execution) trial(defs []*defSrc) ([]*defSrc, error) {
	names := map[string]string{}
	for k, d := range defs {
		switch {
		case d.method != nil:
			names[d.method.impl] = trialName(k)
		case d.unit >= 0 && x.units[d.unit].kind == uMethod:
			// a method of a generic type, defined as written
		default:
			names[d.key] = trialName(k)
			if d.key == "main" {
				names[mainVar] = trialName(k)
			}
		}
	}
	tried := make([]*defSrc, len(defs))
	for k, d := range defs {
		t := *d
		var edits []edit
		for name, offs := range identOffsets(d) {
			if tn, ok := names[name]; ok {
				for _, off := range offs {
					edits = append(edits, edit{off, off + len(name), tn})
				}
			}
		}
		for _, e := range d.piece.edits {
			for from, to := range names {
				if strings.Contains(e.text, from) && strings.HasPrefix(from, "__gopar") {
					e.text = strings.ReplaceAll(e.text, from, to)
				}
			}
			edits = append(edits, e)
		}
		t.piece = piece{d.piece.start, d.piece.end, edits}
		tried[k] = &t
		if d.generic {
			x.st.in.forgetGenericInstances(trialName(k))
		}
	}
	var b strings.Builder
	for _, c := range groupChunks(tried) {
		b.WriteString(c.text)
	}
	if msg := x.st.compileProbe(b.String()); msg != "" {
		for from, to := range names {
			if !strings.HasPrefix(from, "__gopar_m_") {
				msg = strings.ReplaceAll(msg, to, from)
			}
		}
		return tried, errors.New(msg)
	}
	return tried, nil
}

// evalGroup evaluates the functions and methods of units together with the
// earlier declarations that use them (see evalDefs).
func (x *execution) evalGroup(units []int) error {
	var own []*defSrc
	for _, i := range units {
		own = append(own, x.defOf(i))
	}
	return x.evalDefs(own, nil)
}

// propagate evaluates again the declarations that use names (and those
// that use them, transitively), after names were redefined. A failure
// leaves them as they were, with a note (the cell goes on).
func (x *execution) propagate(names []string) {
	err := x.evalDefs(nil, names)
	var ce cellError
	if errors.As(err, &ce) && ce.err.Kind != engine.Interrupt {
		if out := x.e.cap.output(); out != nil {
			out.Stream("stderr", fmt.Sprintf("note: the functions that use %s, which was redefined, could not be compiled again; they keep their old definitions:\n%s\n",
				strings.Join(names, ", "), indent(ce.err.String())))
		}
	}
}

// evalDefs evaluates the declarations own of the running cell and, in the
// same Eval, every earlier declaration that uses one of them or one of
// changed, transitively. When that fails in an earlier declaration, it
// keeps its old definition (with a note) and the rest is evaluated again
// without it; when it fails in one of own, the cell fails.
func (x *execution) evalDefs(own []*defSrc, changed []string) error {
	names := append([]string(nil), changed...)
	skip := map[string]bool{}
	for _, d := range own {
		if d.method == nil {
			names = append(names, d.key)
		}
		skip[d.key] = true
	}
	for n := range x.pending {
		skip[n] = true
	}
	for {
		deps := x.dependents(names, skip)
		if len(own) == 0 && len(deps) == 0 {
			return nil
		}
		members := append(append([]*defSrc(nil), own...), deps...)
		if x.needTrial(members) {
			if x.ctx.Err() != nil {
				return cellError{interruptError()}
			}
			if tried, err := x.trial(members); err != nil {
				bad, ce := x.failing(tried, err)
				if bad == nil || bad.unit >= 0 {
					return cellError{ce}
				}
				x.noteStale(bad, names, ce)
				skip[bad.key] = true
				continue
			}
		}
		err := x.evalMembers(members)
		if err == nil {
			x.registerDefs(own)
			return nil
		}
		if errors.Is(err, errInterrupted) {
			return cellError{interruptError()}
		}
		bad, ce := x.failing(members, err)
		x.rollback(members)
		if bad == nil || bad.unit >= 0 {
			return cellError{ce}
		}
		x.noteStale(bad, names, ce)
		skip[bad.key] = true
	}
}

// noteStale says that an earlier declaration no longer compiles after
// names were redefined, and keeps its old definition.
func (x *execution) noteStale(bad *defSrc, names []string, ce *engine.Error) {
	if out := x.e.cap.output(); out != nil {
		out.Stream("stderr", fmt.Sprintf("note: %s uses %s, which was redefined, and no longer compiles; it keeps its old definition:\n%s\n",
			bad.key, strings.Join(names, ", "), indent(ce.String())))
	}
}

func indent(s string) string { return "    " + strings.ReplaceAll(s, "\n", "\n    ") }

// dependents are the earlier declarations that use one of names, or a
// function that does, transitively, except those in skip.
func (x *execution) dependents(names []string, skip map[string]bool) []*defSrc {
	seen := map[string]bool{}
	for n := range skip {
		seen[n] = true
	}
	for _, n := range names {
		seen[n] = true
	}
	var found []*global
	for queue := names; len(queue) > 0; {
		n := queue[0]
		queue = queue[1:]
		for key := range x.st.users[n] {
			if seen[key] {
				continue
			}
			g := x.st.globals[key]
			if strings.Contains(key, ".") {
				g = x.st.methods[key]
			}
			if g == nil || g.def == nil {
				continue // a stale entry
			}
			if _, uses := slices.BinarySearch(g.refs, n); !uses {
				continue
			}
			seen[key] = true
			found = append(found, g)
			if g.kind == "func" {
				queue = append(queue, key)
			}
		}
	}
	sort.Slice(found, func(i, j int) bool { return found[i].name < found[j].name })
	out := make([]*defSrc, len(found))
	for k, g := range found {
		d := *g.def
		d.unit = -1
		out[k] = &d
	}
	return out
}

// use records in the index of users which names the declaration g (a
// function or method) uses, replacing what old (its previous version)
// used.
func (st *state) use(g, old *global) {
	if old != nil {
		for _, n := range old.refs {
			delete(st.users[n], old.name)
		}
	}
	for _, n := range g.refs {
		if st.users[n] == nil {
			st.users[n] = map[string]bool{}
		}
		st.users[n][g.name] = true
	}
}

// groupChunks lays out declarations as one file-mode chunk per cell.
func groupChunks(defs []*defSrc) []*chunk {
	var chunks []*chunk
	byCell := map[*cellRec]*chunk{}
	for _, d := range defs {
		c := byCell[d.cell]
		if c == nil {
			c = &chunk{cell: d.cell}
			byCell[d.cell] = c
			chunks = append(chunks, c)
		}
		c.pieces = append(c.pieces, d.piece)
	}
	sort.Slice(chunks, func(i, j int) bool { return chunks[i].cell.base < chunks[j].cell.base })
	for _, c := range chunks {
		c.build(c.cell.src, c.cell)
	}
	return chunks
}

// evalMembers evaluates declarations in one Eval, forgetting first the
// instances of generic functions among them; then it assigns the methods'
// bodies to their variables.
func (x *execution) evalMembers(defs []*defSrc) error {
	if len(defs) == 0 {
		return nil
	}
	chunks := groupChunks(defs)
	var b strings.Builder
	for _, c := range chunks {
		b.WriteString(c.text)
	}
	for _, d := range defs {
		if d.generic && d.method == nil {
			x.st.in.forgetGenericInstances(varName(d.key))
		}
	}
	x.st.takePanicLines()
	text := b.String()
	if debugChunk != nil {
		debugChunk(text)
	}
	if _, err := x.e.evalText(x.ctx, x.st, text, evalInfo{cell: x.cell}); err != nil {
		return err
	}
	var assign []string
	for _, d := range defs {
		if d.method != nil {
			assign = append(assign, d.method.hidden+" = "+d.method.impl)
		}
	}
	if len(assign) > 0 {
		if _, err := x.e.evalText(x.ctx, x.st, ";"+strings.Join(assign, "; "), evalInfo{cell: x.cell}); err != nil {
			return err
		}
	}
	return nil
}

// failing finds which declaration an Eval error is about, and words the
// error in the user's terms.
func (x *execution) failing(defs []*defSrc, err error) (*defSrc, *engine.Error) {
	chunks := groupChunks(defs)
	var ownChunk *chunk
	for _, c := range chunks {
		if c.cell == x.cell {
			ownChunk = c
		}
	}
	describe := func(c *chunk) *engine.Error {
		if c == nil {
			c = chunks[0]
		}
		return x.e.describe(x.ctx, x.st, c, err)
	}
	m := errPosRE.FindStringSubmatch(firstLine(err.Error()))
	if m == nil {
		return nil, describe(ownChunk)
	}
	l, _ := strconv.Atoi(m[1])
	col, _ := strconv.Atoi(m[2])
	x.st.mu.Lock()
	cr := x.st.cellAt(l)
	x.st.mu.Unlock()
	for _, c := range chunks {
		if c.cell != cr {
			continue
		}
		off, ok := c.cellOffset(l, col)
		if !ok {
			break
		}
		for _, d := range defs {
			if d.cell == cr && off >= d.piece.start && off < d.piece.end {
				return d, describe(c)
			}
		}
	}
	return nil, describe(ownChunk)
}

func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// rollback evaluates again the previous definitions of functions after a
// failed Eval of defs broke yaegi's symbols of them all. A function that
// had none, or whose previous definition no longer compiles, is forgotten.
// (Methods need none: nothing refers to their bodies by name.)
func (x *execution) rollback(defs []*defSrc) {
	var prev []*defSrc
	for _, d := range defs {
		if d.method != nil || d.key == "_" {
			continue
		}
		g := x.st.globals[d.key]
		if g != nil && g.def != nil {
			p := *g.def
			p.unit = -1
			prev = append(prev, &p)
			continue
		}
		if g != nil && g.kind == "func" && g.def == nil {
			continue // a generic function defined before gopar tracked it
		}
		x.forget(d.key)
	}
	if len(prev) == 0 || x.evalQuietDefs(prev) == nil {
		return
	}
	for _, p := range prev {
		if x.evalQuietDefs([]*defSrc{p}) != nil {
			x.forget(p.key)
		}
	}
}

// evalQuietDefs evaluates declarations, even after an interrupt.
func (x *execution) evalQuietDefs(defs []*defSrc) error {
	var b strings.Builder
	for _, c := range groupChunks(defs) {
		b.WriteString(c.text)
	}
	_, err := x.st.evalDirect(b.String(), true)
	return err
}

// forget records that a function's definition is lost: yaegi's symbol of
// it is broken, so later uses are refused (see failedUse).
func (x *execution) forget(name string) {
	if name == "" || name == "_" {
		return
	}
	delete(x.st.globals, name)
	x.st.failed[name] = x.cell
}

// registerDefs records the functions and methods of the running cell after
// they were evaluated.
func (x *execution) registerDefs(own []*defSrc) {
	for _, d := range own {
		i := d.unit
		u := &x.units[i]
		delete(x.pending, d.key)
		x.done[i] = true
		x.addDef(u, d.key)
		fd := u.decl.(*ast.FuncDecl)
		// A sorted slice: a map of a few names would cost 200 bytes more
		// per function, kept for the session.
		refs := slices.Sorted(maps.Keys(x.info[i].uses))
		if u.kind == uMethod {
			x.st.noteIterMethod(fd.Name.Name, x.iterArity(i, fd))
		}
		if d.method != nil {
			g := x.st.methods[d.key]
			old := *g
			g.refs, g.def, g.doc, g.cell = refs, d, u.doc, x.cell
			x.st.use(g, &old)
			continue
		}
		if d.method == nil && u.kind == uMethod {
			continue // a method of a generic type, defined as written
		}
		if d.key == "_" {
			continue
		}
		sig := "func " + d.key + x.funcSig(i, fd)
		if d.generic {
			sig = collapse(x.src[x.off(i, fd.Type.Pos()):x.off(i, fd.Type.End())])
		}
		g := &global{name: d.key, kind: "func", sig: sig, doc: u.doc, generic: d.generic,
			refs: refs, def: d, cell: x.cell}
		x.st.use(g, x.st.globals[d.key])
		x.st.globals[d.key] = g
		delete(x.st.failed, d.key)
	}
}
