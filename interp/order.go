package interp

import (
	"go/ast"
	"go/token"
	"sort"
)

// The order of a cell's units. Package-level declarations behave as in a
// Go file: they may use each other in any order, and a variable is
// initialised after the declarations its initialiser uses. Statements keep
// their order, and run after the declarations they use. A declaration
// that uses a name a statement of the cell defines comes after that
// statement (the last one above it, or else the first one below).
//
// So each declaration gets a slot between two statements: functions and
// methods the earliest one their uses allow (they have no effect but to
// exist), variables their own place in the source unless a statement
// above needs them (then just before it) or they need a statement below
// (then just after it). Declarations in one slot go in dependency order;
// consecutive functions and methods are evaluated in one Eval, so that
// they may call each other (mutual recursion binds to the new versions).
// init functions keep their place, like statements.
//
// Types and constants are not ordered here: they are evaluated together
// before everything else (typesAndConsts).

// unitInfo is what the ordering knows of a unit.
type unitInfo struct {
	defs []string        // names it defines; ".M" for a method M
	uses map[string]bool // names it uses without declaring them; ".M" for a selector
}

// step is one evaluation of the cell's plan: a single unit, or functions
// and methods evaluated together.
type step struct {
	units []int
	group bool
}

// freeNames returns the identifiers node uses that it does not declare (the
// parser leaves them unresolved), plus ".Sel" for every selector x.Sel,
// which may call a method. Composite literal keys count, as they may be
// variables (map keys).
func freeNames(node ast.Node) map[string]bool {
	out := map[string]bool{}
	var walk func(ast.Node)
	walk = func(node ast.Node) {
		ast.Inspect(node, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.SelectorExpr:
				out["."+n.Sel.Name] = true
				walk(n.X)
				return false
			case *ast.FuncDecl: // not its name: a method's is unresolved
				if n.Recv != nil {
					walk(n.Recv)
				}
				walk(n.Type)
				if n.Body != nil {
					walk(n.Body)
				}
				return false
			case *ast.Ident:
				if n.Obj == nil && n.Name != "_" {
					out[n.Name] = true
				}
			}
			return true
		})
	}
	walk(node)
	return out
}

// unitDefs are the names unit i defines, for the ordering: variables and
// functions by name, methods as ".M", statements the names they declare
// with :=. init functions define nothing.
func (x *execution) unitDefs(i int) []string {
	u := &x.units[i]
	switch u.kind {
	case uMethod:
		return []string{"." + u.decl.(*ast.FuncDecl).Name.Name}
	case uFunc:
		if n := u.decl.(*ast.FuncDecl).Name.Name; n != "init" && n != "_" {
			return []string{n}
		}
		return nil
	case uVar, uStmt:
		return x.unitNames(i)
	}
	return nil
}

// ordered reports whether the plan orders unit i (types, constants and
// imports are evaluated before).
func ordered(k unitKind) bool {
	return k == uVar || k == uFunc || k == uMethod || k == uStmt
}

// fixed reports whether unit i keeps its place among statements: a
// statement or an init function.
func (x *execution) fixed(i int) bool {
	u := &x.units[i]
	if u.kind == uStmt {
		return true
	}
	if u.kind == uFunc {
		return u.decl.(*ast.FuncDecl).Name.Name == "init"
	}
	return false
}

// funcLike reports whether unit i is evaluated in a group of declarations.
func (x *execution) funcLike(i int) bool {
	u := &x.units[i]
	return (u.kind == uFunc || u.kind == uMethod) && !x.fixed(i)
}

// analyse fills x.info.
func (x *execution) analyse() {
	x.info = make([]unitInfo, len(x.units))
	for i := range x.units {
		u := &x.units[i]
		if u.kind == uImport || u.kind == uPackage || u.decl == nil && u.stmt == nil {
			continue
		}
		var root ast.Node = u.stmt
		if u.decl != nil {
			root = u.decl
		}
		uses := freeNames(root)
		var defs []string
		if ordered(u.kind) {
			defs = x.unitDefs(i)
		}
		for _, d := range x.unitNames(i) {
			delete(uses, d)
		}
		for _, d := range defs {
			delete(uses, d)
		}
		x.info[i] = unitInfo{defs: defs, uses: uses}
	}
}

// plan orders the cell's variables, functions, methods and statements into
// evaluation steps (see the comment at the top of this file).
func (x *execution) plan() []step {
	var fixedUnits, decls []int
	rank := map[int]int{}
	for i := range x.units {
		if !ordered(x.units[i].kind) {
			continue
		}
		if x.fixed(i) {
			rank[i] = len(fixedUnits)
			fixedUnits = append(fixedUnits, i)
		} else {
			decls = append(decls, i)
		}
	}
	m := len(fixedUnits)
	declDefiners := map[string][]int{}
	stmtDefiners := map[string][]int{} // in source order
	for i := range x.units {
		if !ordered(x.units[i].kind) {
			continue
		}
		for _, n := range x.info[i].defs {
			if x.fixed(i) {
				stmtDefiners[n] = append(stmtDefiners[n], i)
			} else {
				declDefiners[n] = append(declDefiners[n], i)
			}
		}
	}
	// Edges: decl → decl it uses; decl → statement it needs before it;
	// statement → decl it uses.
	declDeps := map[int][]int{}
	lower, upper := map[int]int{}, map[int]int{}
	for _, d := range decls {
		upper[d] = m
	}
	for i := range x.units {
		if !ordered(x.units[i].kind) {
			continue
		}
		for n := range x.info[i].uses {
			if js := declDefiners[n]; len(js) > 0 {
				for _, j := range js {
					if j == i {
						continue
					}
					if x.fixed(i) {
						upper[j] = min(upper[j], rank[i])
					} else {
						declDeps[i] = append(declDeps[i], j)
					}
				}
				continue
			}
			if x.fixed(i) {
				continue // statements keep their order
			}
			if s, ok := definerFor(stmtDefiners[n], x.units, x.units[i].start); ok {
				lower[i] = max(lower[i], rank[s]+1)
			}
		}
	}
	// A declaration comes after what the declarations it uses need, and
	// before what needs the declarations that use it.
	for changed := true; changed; {
		changed = false
		for _, d := range decls {
			for _, e := range declDeps[d] {
				if lower[e] > lower[d] {
					lower[d], changed = lower[e], true
				}
				if upper[d] < upper[e] {
					upper[e], changed = upper[d], true
				}
			}
		}
	}
	pos := map[int]int{}
	for _, d := range decls {
		p := lower[d]
		if !x.funcLike(d) {
			// A variable keeps its place in the source when it can.
			src := sort.Search(m, func(k int) bool { return x.units[fixedUnits[k]].start > x.units[d].start })
			p = max(src, lower[d])
		}
		pos[d] = min(p, upper[d])
	}
	for changed := true; changed; {
		changed = false
		for _, d := range decls {
			for _, e := range declDeps[d] {
				if pos[e] > pos[d] {
					pos[e], changed = pos[d], true
				}
			}
		}
	}
	scc := sccOrder(decls, declDeps)
	sort.SliceStable(decls, func(a, b int) bool {
		da, db := decls[a], decls[b]
		if pos[da] != pos[db] {
			return pos[da] < pos[db]
		}
		if scc[da] != scc[db] {
			return scc[da] < scc[db]
		}
		if fa, fb := x.funcLike(da), x.funcLike(db); fa != fb {
			return fa
		}
		return da < db
	})
	var steps []step
	add := func(i int) {
		if n := len(steps); n > 0 && x.funcLike(i) && steps[n-1].group {
			steps[n-1].units = append(steps[n-1].units, i)
			return
		}
		steps = append(steps, step{units: []int{i}, group: x.funcLike(i)})
	}
	k := 0
	for slot := 0; slot <= m; slot++ {
		for ; k < len(decls) && pos[decls[k]] == slot; k++ {
			add(decls[k])
		}
		if slot < m {
			add(fixedUnits[slot])
		}
	}
	return steps
}

// definerFor picks, among the statements that define a name (in source
// order), the one a declaration at offset off depends on: the last one
// above it, or else the first one below.
func definerFor(stmts []int, units []unit, off int) (int, bool) {
	if len(stmts) == 0 {
		return 0, false
	}
	best := stmts[0]
	for _, s := range stmts {
		if units[s].start < off {
			best = s
		}
	}
	return best, true
}

// sccOrder numbers the strongly connected components of the dependency
// graph among decls so that a component comes after those it depends on
// (Tarjan's algorithm emits them in that order).
func sccOrder(decls []int, deps map[int][]int) map[int]int {
	index, low := map[int]int{}, map[int]int{}
	onStack := map[int]bool{}
	var stack []int
	out := map[int]int{}
	next, comp := 0, 0
	var visit func(v int)
	visit = func(v int) {
		index[v], low[v] = next, next
		next++
		stack = append(stack, v)
		onStack[v] = true
		for _, w := range deps[v] {
			if _, seen := index[w]; !seen {
				visit(w)
				low[v] = min(low[v], low[w])
			} else if onStack[w] {
				low[v] = min(low[v], index[w])
			}
		}
		if low[v] == index[v] {
			for {
				w := stack[len(stack)-1]
				stack = stack[:len(stack)-1]
				onStack[w] = false
				out[w] = comp
				if w == v {
					break
				}
			}
			comp++
		}
	}
	for _, d := range decls {
		if _, seen := index[d]; !seen {
			visit(d)
		}
	}
	return out
}

// assignedNames are the global variables a top-level statement assigns to
// (x = …, x.f = …, x[i] = …, x++), by the name of the variable.
func assignedNames(n ast.Node) []string {
	var out []string
	root := func(e ast.Expr) {
		for {
			switch t := e.(type) {
			case *ast.Ident:
				if t.Obj == nil && t.Name != "_" {
					out = append(out, t.Name)
				}
				return
			case *ast.SelectorExpr:
				e = t.X
			case *ast.IndexExpr:
				e = t.X
			case *ast.StarExpr:
				e = t.X
			case *ast.ParenExpr:
				e = t.X
			default:
				return
			}
		}
	}
	ast.Inspect(n, func(m ast.Node) bool {
		switch s := m.(type) {
		case *ast.AssignStmt:
			if s.Tok != token.DEFINE {
				for _, l := range s.Lhs {
					root(l)
				}
			}
		case *ast.IncDecStmt:
			root(s.X)
		}
		return true
	})
	return out
}
