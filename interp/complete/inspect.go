package complete

import (
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/gopar/gopar/engine"
	"github.com/gopar/gopar/interp/cellsyntax"
	"github.com/gopar/gopar/interp/docs"
)

// target finds the selector chain to inspect at byte offset pos: the name
// under or just before the cursor with the names before it ("strings.Split"
// → [strings Split]); failing that, the function whose call's parentheses
// hold the cursor.
func target(code string, pos int) []string {
	start, end := identBefore(code, pos), identAfter(code, pos)
	if start == end && pos > 0 && code[pos-1] == '.' && inCodeAt(code, pos-1) {
		// Just after "pkg.": the package (or variable) itself.
		return chainBefore(code, pos-1)
	}
	if start == end {
		// Not on a name: the callee of the innermost open parenthesis.
		var l cellsyntax.Lexer
		l.Feed(code[:pos], 0)
		if l.State != cellsyntax.InCode {
			return nil
		}
		for i := len(l.Open) - 1; i >= 0; i-- {
			if l.Open[i].Ch == '(' {
				p := l.Open[i].Pos
				for p > 0 && (code[p-1] == ' ' || code[p-1] == '\t') {
					p--
				}
				start, end = identBefore(code, p), p
				break
			}
		}
		if start == end {
			return nil
		}
	} else if !inCodeAt(code, start) {
		return nil
	}
	name := code[start:end]
	if start > 0 && code[start-1] == '.' {
		chain := chainBefore(code, start-1)
		if chain == nil {
			return nil
		}
		return append(chain, name)
	}
	return []string{name}
}

// Inspect describes the name at cursor (a position in code points): a
// package, a package member, a method of a package type, a variable's field
// or method, or a name of an earlier cell. Packages are documented from the
// embedded docs, cell names from their Global. With detail 1 it adds more:
// a package's or a type's full list of members.
func Inspect(code string, cursor, detail int, s Scope) engine.Inspection {
	pos := runeOffset(code, cursor)
	chain := target(code, pos)
	if chain == nil {
		return engine.Inspection{Found: false, Data: engine.Bundle{}}
	}
	d, ok := describe(chain, detail, s)
	if !ok {
		return engine.Inspection{Found: false, Data: engine.Bundle{}}
	}
	return engine.Inspection{Found: true, Data: d.bundle()}
}

// description is what Inspect shows.
type description struct {
	title     string   // the name inspected, e.g. "strings.Split"
	signature string   // Go code
	doc       string   // prose
	extra     []string // further lines (Go code): members, value
	value     string
}

func (d description) bundle() engine.Bundle {
	var plain, md strings.Builder
	if d.signature != "" {
		plain.WriteString(d.signature + "\n")
		md.WriteString("```go\n" + d.signature + "\n```\n")
	}
	if d.value != "" {
		plain.WriteString("\nValue: " + d.value + "\n")
		md.WriteString("\nValue: `" + strings.ReplaceAll(d.value, "`", "'") + "`\n")
	}
	if d.doc != "" {
		plain.WriteString("\n" + d.doc + "\n")
		md.WriteString("\n" + d.doc + "\n")
	}
	if len(d.extra) > 0 {
		plain.WriteString("\n" + strings.Join(d.extra, "\n") + "\n")
		md.WriteString("\n```go\n" + strings.Join(d.extra, "\n") + "\n```\n")
	}
	return engine.Bundle{"text/plain": strings.TrimRight(plain.String(), "\n"), "text/markdown": md.String()}
}

// describe resolves chain in scope s.
func describe(chain []string, detail int, s Scope) (description, bool) {
	globals := s.Globals()
	first := chain[0]
	if g, ok := globals[first]; ok {
		if len(chain) == 1 {
			return describeGlobal(first, g, detail, globals), true
		}
		if len(chain) == 2 && g.Kind == "type" {
			if m, ok := globals[first+"."+chain[1]]; ok {
				return description{title: first + "." + chain[1], signature: m.Signature, doc: m.Doc}, true
			}
		}
		if g.Kind == "var" && g.Type != nil {
			return describeMember(first, g.Type, chain[1:], detail, globals)
		}
		return description{}, false
	}
	if path, ok := s.Packages()[first]; ok {
		return describePackage(path, chain[1:], detail, s, globals)
	}
	if len(chain) == 1 {
		if e, ok := docs.Lookup("builtin", first); ok {
			return description{title: first, signature: e.Signature, doc: e.Doc}, true
		}
	}
	return description{}, false
}

func describeGlobal(name string, g Global, detail int, globals map[string]Global) description {
	d := description{title: name, signature: globalSig(name, g), doc: g.Doc, value: g.Value}
	switch g.Kind {
	case "var", "const":
		if g.Type != nil {
			d.signature = g.Kind + " " + name + " " + typeName(g.Type, globals)
			d.doc = joinDoc(d.doc, typeDoc(g.Type))
			if detail > 0 {
				d.extra = memberLines(g.Type, globals)
			}
		}
	case "type":
		if detail > 0 && g.Type != nil {
			d.extra = memberLines(g.Type, globals)
		} else {
			for m, mg := range globals {
				if strings.HasPrefix(m, name+".") {
					d.extra = append(d.extra, mg.Signature)
				}
			}
			sort.Strings(d.extra)
		}
	}
	return d
}

func joinDoc(a, b string) string {
	if a == "" || b == "" {
		return a + b
	}
	return a + "\n\n" + b
}

// typeDoc is the doc comment of a compiled named type, if any.
func typeDoc(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t.PkgPath() == "" || t.Name() == "" {
		return ""
	}
	if e, ok := docs.Lookup(t.PkgPath(), t.Name()); ok {
		return fmt.Sprintf("%s.%s: %s", t.PkgPath(), t.Name(), firstParagraph(e.Doc))
	}
	return ""
}

func firstParagraph(s string) string {
	if i := strings.Index(s, "\n\n"); i >= 0 {
		return s[:i]
	}
	return s
}

// memberLines lists the fields and methods of t as Go lines.
func memberLines(t reflect.Type, globals map[string]Global) []string {
	cands := typeMembers(t, globals)
	sort.Slice(cands, func(i, j int) bool {
		if (cands[i].typ == "property") != (cands[j].typ == "property") {
			return cands[i].typ == "property"
		}
		return cands[i].text < cands[j].text
	})
	var lines []string
	for _, c := range cands {
		lines = append(lines, firstLine(c.sig))
	}
	return lines
}

// describeMember resolves v.a.b… from a variable of type t.
func describeMember(root string, t reflect.Type, rest []string, detail int, globals map[string]Global) (description, bool) {
	title := root
	for i, name := range rest {
		title += "." + name
		base := t
		for base.Kind() == reflect.Pointer {
			base = base.Elem()
		}
		if base.Kind() == reflect.Struct {
			if f, ok := fieldByName(base, name); ok {
				t = f.Type
				if i == len(rest)-1 {
					d := description{title: title, signature: name + " " + typeString(t), doc: typeDoc(t)}
					if detail > 0 {
						d.extra = memberLines(t, globals)
					}
					return d, true
				}
				continue
			}
		}
		if i != len(rest)-1 {
			return description{}, false
		}
		// A method.
		if base.PkgPath() != "" {
			if e, ok := docs.Lookup(base.PkgPath(), base.Name()+"."+name); ok {
				return description{title: title, signature: e.Signature, doc: e.Doc}, true
			}
		}
		if tn := cellTypeName(base, globals); tn != "" {
			if g, ok := globals[tn+"."+name]; ok {
				return description{title: title, signature: g.Signature, doc: g.Doc}, true
			}
		}
		mt := base
		if base.Kind() != reflect.Interface {
			mt = reflect.PointerTo(base)
		}
		if m, ok := mt.MethodByName(name); ok {
			return description{title: title, signature: methodSig(mt, m)}, true
		}
	}
	return description{}, false
}

// describePackage resolves pkg, pkg.Name or pkg.Type.Method.
func describePackage(path string, rest []string, detail int, s Scope, globals map[string]Global) (description, bool) {
	if len(rest) == 0 {
		e, _ := docs.Lookup(path, "")
		d := description{title: path, signature: fmt.Sprintf("import %q", path), doc: e.Doc}
		if detail == 0 {
			d.doc = firstParagraph(e.Doc)
		}
		if syn, entries, ok := docs.Package(path); ok {
			if d.doc == "" {
				d.doc = syn
			}
			for _, en := range entries {
				if en.Kind == "method" && detail == 0 {
					continue
				}
				d.extra = append(d.extra, strings.TrimSuffix(firstLine(en.Signature), " {"))
			}
		} else {
			var names []string
			for n := range s.Symbols(path) {
				names = append(names, n)
			}
			sort.Strings(names)
			d.extra = names
		}
		return d, true
	}
	name := rest[0]
	if len(rest) == 2 {
		name += "." + rest[1]
	}
	if len(rest) <= 2 {
		if e, ok := docs.Lookup(path, name); ok {
			d := description{title: path + "." + name, signature: e.Signature, doc: e.Doc}
			if e.Kind == "type" {
				for _, m := range docs.Methods(path, name) {
					d.extra = append(d.extra, m.Signature)
				}
			}
			return d, true
		}
	}
	v, ok := s.Symbols(path)[rest[0]]
	if !ok {
		return description{}, false
	}
	switch symbolKind(v) {
	case "var":
		return describeMember(rest[0], v.Type().Elem(), rest[1:], detail, globals)
	case "func":
		if len(rest) == 1 {
			return description{title: name, signature: "func " + name + strings.TrimPrefix(v.Type().String(), "func")}, true
		}
	case "type":
		t := v.Type().Elem()
		if len(rest) == 1 {
			return description{title: name, signature: "type " + name + " " + t.Kind().String(), extra: memberLines(t, globals)}, true
		}
	case "const":
		if len(rest) == 1 && v.IsValid() {
			return description{title: name, signature: fmt.Sprintf("const %s = %v", name, v.Interface())}, true
		}
	}
	return description{}, false
}
