package native

import (
	"go/ast"
	"slices"
)

// typesPart decides which units go in the types' package: the type
// declarations and methods, what they use, and what cannot be used from
// another package: a unit that uses a variable or a generic declaration of
// the types' part, or that may reach an unexported field or method of its
// types, or build one of its structs with unexported fields.
func (c *cellSource) typesPart() []bool {
	in := make([]bool, len(c.units))
	byName := map[string]int{}
	for i, u := range c.units {
		in[i] = u.types
		for _, n := range u.names {
			byName[n] = i
		}
	}
	kind := map[string]Decl{}
	for _, d := range c.decls {
		kind[d.Name] = d
	}
	for changed := true; changed; {
		changed = false
		// The unexported fields and methods of the types' part, and its
		// structs that have some.
		hidden, hiddenStructs := map[string]bool{}, map[string]bool{}
		for i, u := range c.units {
			if !in[i] {
				continue
			}
			switch d := u.node.(type) {
			case *ast.FuncDecl:
				if d.Recv != nil && !ast.IsExported(d.Name.Name) {
					hidden[d.Name.Name] = true
				}
			case *ast.GenDecl:
				for _, s := range d.Specs {
					ts, ok := s.(*ast.TypeSpec)
					if !ok {
						continue
					}
					ast.Inspect(ts.Type, func(n ast.Node) bool {
						if st, ok := n.(*ast.StructType); ok {
							for _, f := range st.Fields.List {
								for _, name := range f.Names {
									if !ast.IsExported(name.Name) {
										hidden[name.Name] = true
										hiddenStructs[ts.Name.Name] = true
									}
								}
								if len(f.Names) == 0 {
									if n := recvTypeName(f.Type); !ast.IsExported(n) {
										hidden[n] = true
										hiddenStructs[ts.Name.Name] = true
									}
								}
							}
						}
						return true
					})
				}
			}
		}
		for i, u := range c.units {
			if in[i] {
				// What the types' part uses joins it.
				for r := range u.refs {
					if j, ok := byName[r]; ok && !in[j] {
						in[j], changed = true, true
					}
				}
				continue
			}
			for r := range u.refs {
				j, ok := byName[r]
				if !ok || !in[j] || slices.Contains(u.names, r) {
					continue
				}
				if d := kind[r]; d.Kind == Var || d.Generic || hiddenStructs[r] && u.members["{}"+r] {
					in[i], changed = true, true
				}
			}
			for m := range u.members {
				if hidden[m] {
					in[i], changed = true, true
				}
			}
		}
	}
	return in
}
