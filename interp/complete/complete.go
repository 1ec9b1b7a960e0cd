// Package complete answers the questions a Jupyter frontend asks about a Go
// cell while the user types: completions at the cursor (Complete), the
// documentation of the name under the cursor (Inspect) and whether the cell
// is ready to run (IsComplete). It knows the interpreter's state only through
// a Scope, and the documentation of packages through package docs.
package complete

import (
	"go/scanner"
	"go/token"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/gopar/gopar/engine"
	"github.com/gopar/gopar/interp/cellsyntax"
	"github.com/gopar/gopar/interp/docs"
)

// Global describes one name defined by earlier cells.
type Global struct {
	// Kind is "func", "var", "const" or "type".
	Kind string
	// Type is, for a var, the type of its current value; for a type, the
	// type itself; for a func, its func type. Nil if unknown.
	Type reflect.Type
	// Signature is the declaration as written, without body, for example
	// "func fib(n int) int".
	Signature string
	// Doc is the doc comment written above the declaration.
	Doc string
	// Value is a short summary of a var's or const's current value (for
	// example its %v text, cut to a line); may be empty.
	Value string
}

// Scope is the interpreter state that completion and inspection look at.
//
// Methods of types defined in cells are not visible through reflection; a
// Scope may list them in Globals under "Type.Method" with Kind "func".
type Scope interface {
	// Packages maps each package name usable in cells to its import path.
	Packages() map[string]string
	// Symbols returns the exported symbols of the package with the given
	// import path, in the shape of yaegi's symbol tables (interp.Exports):
	// functions as func values, variables as non-nil pointers to them,
	// types as nil pointers (*T)(nil), constants as values.
	Symbols(path string) map[string]reflect.Value
	// Globals returns the names defined by earlier cells.
	Globals() map[string]Global
}

// keywords are Go's keywords.
var keywords = []string{
	"break", "case", "chan", "const", "continue", "default", "defer", "else",
	"fallthrough", "for", "func", "go", "goto", "if", "import", "interface",
	"map", "package", "range", "return", "select", "struct", "switch", "type", "var",
}

// candidate is one proposed completion.
type candidate struct {
	text, typ, sig string
}

// jupyterType maps our kinds to the type names JupyterLab shows.
func jupyterType(kind string) string {
	switch kind {
	case "func":
		return "function"
	case "method":
		return "method"
	case "type":
		return "class"
	case "var":
		return "instance"
	case "const":
		return "constant"
	case "field":
		return "property"
	case "package":
		return "module"
	case "keyword":
		return "keyword"
	}
	return kind
}

// runeOffset converts a code-point cursor into a byte offset of code,
// clamping it to the text.
func runeOffset(code string, cursor int) int {
	if cursor <= 0 {
		return 0
	}
	n := 0
	for i := range code {
		if n == cursor {
			return i
		}
		n++
	}
	return len(code)
}

// runeCount is the number of code points in s.
func runeCount(s string) int { return utf8.RuneCountInString(s) }

func isIdentRune(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

// identBefore returns the start byte offset of the identifier ending at
// byte offset end.
func identBefore(code string, end int) int {
	start := end
	for start > 0 {
		r, size := utf8.DecodeLastRuneInString(code[:start])
		if !isIdentRune(r) {
			break
		}
		start -= size
	}
	return start
}

// identAfter returns the end byte offset of the identifier starting at
// byte offset start.
func identAfter(code string, start int) int {
	end := start
	for end < len(code) {
		r, size := utf8.DecodeRuneInString(code[end:])
		if !isIdentRune(r) {
			break
		}
		end += size
	}
	return end
}

// chainBefore returns the selector chain ending just before a '.' at byte
// offset dot: for "a.b." with dot at the second '.', it returns [a b]. It
// returns nil when the operand is not a plain chain of names.
func chainBefore(code string, dot int) []string {
	var chain []string
	end := dot
	for {
		start := identBefore(code, end)
		if start == end {
			return nil
		}
		name := code[start:end]
		if r, _ := utf8.DecodeRuneInString(name); unicode.IsDigit(r) {
			return nil
		}
		chain = append([]string{name}, chain...)
		if start > 0 && code[start-1] == '.' {
			end = start - 1
			continue
		}
		return chain
	}
}

// inCodeAt tells whether byte offset pos of code is in plain code (not in a
// string or comment).
func inCodeAt(code string, pos int) bool {
	var l cellsyntax.Lexer
	l.Feed(cellsyntax.BlankMagics(code[:pos]), 0)
	return l.State == cellsyntax.InCode
}

// Complete proposes completions for the identifier or selector that ends at
// cursor (a position in code points): package members after "pkg.", fields
// and methods after "v." where v is a variable of an earlier cell, and at
// the top level, names of earlier cells and of this cell, packages,
// keywords and builtins.
func Complete(code string, cursor int, s Scope) engine.Completion {
	pos := runeOffset(code, cursor)
	start := identBefore(code, pos)
	if c, ok := importPath(code, pos, s); ok {
		return c
	}
	if word, ok := pathWord(code, pos); ok {
		return completion(code, pos-len(word), pos, filePaths(word))
	}
	if !inCodeAt(code, pos) {
		return completion(code, start, pos, nil)
	}
	prefix := code[start:pos]
	var cands []candidate
	if start > 0 && code[start-1] == '.' {
		chain := chainBefore(code, start-1)
		if chain == nil {
			return completion(code, start, pos, nil)
		}
		cands = members(chain, s)
	} else {
		cands = topLevel(code, start, s)
	}
	return completion(code, start, pos, filter(cands, prefix))
}

// completion builds the reply replacing code[start:pos] by each candidate.
func completion(code string, start, pos int, cands []candidate) engine.Completion {
	res := engine.Completion{
		Matches:     []string{},
		CursorStart: runeCount(code[:start]),
		CursorEnd:   runeCount(code[:pos]),
		Metadata:    map[string]any{},
	}
	types := make([]map[string]any, 0, len(cands))
	for _, c := range cands {
		res.Matches = append(res.Matches, c.text)
		types = append(types, map[string]any{
			"start": res.CursorStart, "end": res.CursorEnd,
			"text": c.text, "type": c.typ, "signature": c.sig,
		})
	}
	res.Metadata["_jupyter_types_experimental"] = types
	return res
}

var (
	importLine = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`(?:^|[;\s])import\s+(?:[\pL_][\pL\pN_]*\s+|\.\s+)?"([^"]*)$`)
	})
	importSpec = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^\s*(?:[\pL_][\pL\pN_]*\s+|\.\s+)?"([^"]*)$`)
	})
)

// importPath completes an import path being typed in an import
// declaration: `import "str` or a line of an `import (` block.
func importPath(code string, pos int, s Scope) (engine.Completion, bool) {
	lineStart := strings.LastIndexByte(code[:pos], '\n') + 1
	line := code[lineStart:pos]
	m := importLine().FindStringSubmatch(line)
	if m == nil {
		m = importSpec().FindStringSubmatch(line)
		if m == nil {
			return engine.Completion{}, false
		}
		// Inside `import (`: the innermost open bracket is that paren.
		var l cellsyntax.Lexer
		l.Feed(code[:lineStart], 0)
		n := len(l.Open)
		if l.State != cellsyntax.InCode || n == 0 || l.Open[n-1].Ch != '(' ||
			!strings.HasSuffix(strings.TrimRight(code[:l.Open[n-1].Pos], " \t"), "import") {
			return engine.Completion{}, false
		}
	}
	prefix := m[1]
	start := pos - len(prefix)
	if !inCodeAt(code, start-1) {
		return engine.Completion{}, false
	}
	var cands []candidate
	for _, path := range s.Packages() {
		cands = append(cands, candidate{path, "module", ""})
	}
	return completion(code, start, pos, filter(cands, prefix)), true
}

// filter keeps the candidates starting with prefix (case-sensitive; when
// none do, case-insensitive), without duplicates, sorted.
func filter(cands []candidate, prefix string) []candidate {
	pick := func(match func(string) bool) []candidate {
		seen := map[string]bool{}
		var out []candidate
		for _, c := range cands {
			if !seen[c.text] && match(c.text) && c.text != "" {
				seen[c.text] = true
				out = append(out, c)
			}
		}
		sort.SliceStable(out, func(i, j int) bool { return out[i].text < out[j].text })
		return out
	}
	out := pick(func(t string) bool { return strings.HasPrefix(t, prefix) })
	if len(out) == 0 && prefix != "" {
		lp := strings.ToLower(prefix)
		out = pick(func(t string) bool { return strings.HasPrefix(strings.ToLower(t), lp) })
	}
	return out
}

// topLevel lists the names usable at the start of an expression.
func topLevel(code string, start int, s Scope) []candidate {
	var cands []candidate
	globals := s.Globals()
	for name, g := range globals {
		if strings.Contains(name, ".") {
			continue
		}
		sig := g.Signature
		if sig == "" && g.Type != nil && (g.Kind == "var" || g.Kind == "const") {
			sig = g.Kind + " " + name + " " + typeName(g.Type, globals)
		}
		cands = append(cands, candidate{name, jupyterType(g.Kind), sig})
	}
	for name, path := range s.Packages() {
		cands = append(cands, candidate{name, "module", "package " + name + " // " + path})
	}
	for _, k := range keywords {
		cands = append(cands, candidate{k, "keyword", ""})
	}
	for name, kind := range cellsyntax.Predeclared() {
		sig := ""
		if e, ok := docs.Lookup("builtin", name); ok && kind == "func" {
			sig = e.Signature
		}
		cands = append(cands, candidate{name, jupyterType(kind), sig})
	}
	// Names of this cell, for locals not yet run: every identifier except
	// the one being typed and selectors.
	fset := token.NewFileSet()
	src := []byte(cellsyntax.BlankMagics(code))
	var sc scanner.Scanner
	sc.Init(fset.AddFile("", -1, len(src)), src, nil, 0)
	prev := token.ILLEGAL
	for {
		p, tok, lit := sc.Scan()
		if tok == token.EOF {
			break
		}
		if off := fset.Position(p).Offset; tok == token.IDENT && off != start && prev != token.PERIOD {
			cands = append(cands, candidate{lit, "instance", ""})
		}
		prev = tok
	}
	return cands
}

// globalSig is the signature shown for a name of an earlier cell.
func globalSig(name string, g Global) string {
	if g.Signature != "" {
		return g.Signature
	}
	if g.Type != nil && (g.Kind == "var" || g.Kind == "const") {
		return g.Kind + " " + name + " " + typeString(g.Type)
	}
	return ""
}

// members lists what may follow "chain.".
func members(chain []string, s Scope) []candidate {
	globals := s.Globals()
	if _, shadowed := globals[chain[0]]; !shadowed {
		if path, ok := s.Packages()[chain[0]]; ok {
			syms := s.Symbols(path)
			if len(chain) == 1 {
				return packageMembers(path, syms)
			}
			// pkg.Var.…: walk from the variable's type.
			v, ok := syms[chain[1]]
			if !ok || v.Kind() != reflect.Pointer || v.IsNil() {
				return nil
			}
			t := walk(v.Type().Elem(), chain[2:])
			if t == nil {
				return nil
			}
			return typeMembers(t, globals)
		}
	}
	g, ok := globals[chain[0]]
	if !ok || g.Type == nil || g.Kind != "var" {
		return nil
	}
	t := walk(g.Type, chain[1:])
	if t == nil {
		return nil
	}
	return typeMembers(t, globals)
}

// packageMembers lists a package's exported symbols.
func packageMembers(path string, syms map[string]reflect.Value) []candidate {
	var cands []candidate
	for name, v := range syms {
		kind := symbolKind(v)
		sig := ""
		if e, ok := docs.Lookup(path, name); ok {
			sig = firstLine(e.Signature)
		} else if v.IsValid() {
			switch kind {
			case "func":
				sig = "func " + name + strings.TrimPrefix(v.Type().String(), "func")
			case "var":
				sig = "var " + name + " " + v.Type().Elem().String()
			case "type":
				sig = "type " + name + " " + v.Type().Elem().Kind().String()
			}
		}
		cands = append(cands, candidate{name, jupyterType(kind), sig})
	}
	return cands
}

// symbolKind tells what a yaegi symbol-table value stands for.
func symbolKind(v reflect.Value) string {
	if !v.IsValid() {
		return "const"
	}
	switch v.Kind() {
	case reflect.Func:
		return "func"
	case reflect.Pointer:
		if v.IsNil() {
			return "type"
		}
		return "var"
	}
	return "const"
}

// firstLine cuts s at its first newline.
func firstLine(s string) string {
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i]
	}
	return s
}

// walk follows field names from t; nil when a name is not a field.
func walk(t reflect.Type, names []string) reflect.Type {
	for _, n := range names {
		for t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct {
			return nil
		}
		f, ok := fieldByName(t, n)
		if !ok {
			return nil
		}
		t = f.Type
	}
	return t
}

// fieldByName finds a field, knowing that yaegi renames the unexported
// field x of a cell's struct type to Xx.
func fieldByName(t reflect.Type, name string) (reflect.StructField, bool) {
	if f, ok := t.FieldByName(name); ok {
		return f, true
	}
	if t.PkgPath() == "" {
		return t.FieldByName("X" + name)
	}
	return reflect.StructField{}, false
}

// fieldName is how a user wrote a field of t: yaegi's Xx for an unexported
// x of a cell's struct, as is otherwise; "" when not accessible.
func fieldName(t reflect.Type, f reflect.StructField) string {
	if f.PkgPath != "" {
		return "" // unexported field of a compiled type
	}
	if t.Name() == "" && len(f.Name) > 1 && f.Name[0] == 'X' {
		if r, _ := utf8.DecodeRuneInString(f.Name[1:]); unicode.IsLower(r) || r == '_' {
			return f.Name[1:]
		}
	}
	return f.Name
}

// typeMembers lists the fields and methods of a value of type t (methods of
// both T and *T).
func typeMembers(t reflect.Type, globals map[string]Global) []candidate {
	var cands []candidate
	base := t
	for base.Kind() == reflect.Pointer {
		base = base.Elem()
	}
	if base.Kind() == reflect.Struct {
		for _, f := range reflect.VisibleFields(base) {
			name := fieldName(base, f)
			if name == "" || strings.Contains(name, ".") {
				continue
			}
			cands = append(cands, candidate{name, "property", name + " " + typeString(f.Type)})
		}
	}
	mt := base
	if base.Kind() != reflect.Interface {
		mt = reflect.PointerTo(base)
	}
	for i := 0; i < mt.NumMethod(); i++ {
		m := mt.Method(i)
		sig := ""
		if base.PkgPath() != "" {
			if e, ok := docs.Lookup(base.PkgPath(), base.Name()+"."+m.Name); ok {
				sig = e.Signature
			}
		}
		if sig == "" {
			sig = methodSig(mt, m)
		}
		cands = append(cands, candidate{m.Name, "method", sig})
	}
	// Methods of a type defined in a cell, listed by the scope as "T.M".
	if tn := cellTypeName(base, globals); tn != "" {
		for name, g := range globals {
			if m, ok := strings.CutPrefix(name, tn+"."); ok {
				cands = append(cands, candidate{m, "method", g.Signature})
			}
		}
	}
	return cands
}

// cellTypeName finds the name of a type defined in a cell whose reflect
// type is t.
func cellTypeName(t reflect.Type, globals map[string]Global) string {
	for name, g := range globals {
		if g.Kind == "type" && g.Type != nil && !strings.Contains(name, ".") {
			gt := g.Type
			for gt.Kind() == reflect.Pointer && t.Kind() != reflect.Pointer {
				gt = gt.Elem()
			}
			if gt == t {
				return name
			}
		}
	}
	return ""
}

// methodSig prints method m of t as a func signature.
func methodSig(t reflect.Type, m reflect.Method) string {
	ft := m.Type.String() // includes the receiver for a concrete type
	if t.Kind() != reflect.Interface {
		// "func(*T, int) error" → "func (*T) Name(int) error"
		in := make([]string, 0, m.Type.NumIn())
		for i := 1; i < m.Type.NumIn(); i++ {
			in = append(in, typeString(m.Type.In(i)))
		}
		var out []string
		for i := 0; i < m.Type.NumOut(); i++ {
			out = append(out, typeString(m.Type.Out(i)))
		}
		res := ""
		switch len(out) {
		case 0:
		case 1:
			res = " " + out[0]
		default:
			res = " (" + strings.Join(out, ", ") + ")"
		}
		return "func (" + typeString(m.Type.In(0)) + ") " + m.Name + "(" + strings.Join(in, ", ") + ")" + res
	}
	return "func " + m.Name + strings.TrimPrefix(ft, "func")
}

// typeString prints t, hiding yaegi's renaming of unexported fields.
func typeString(t reflect.Type) string {
	if t == nil {
		return "?"
	}
	return t.String()
}

// typeName prints t, naming a cell's type by its name (yaegi's reflect type
// of a cell's struct is unnamed), with pointers kept.
func typeName(t reflect.Type, globals map[string]Global) string {
	stars := ""
	for u := t; ; u = u.Elem() {
		if n := cellTypeName(u, globals); n != "" {
			return stars + n
		}
		if u.Kind() != reflect.Pointer {
			break
		}
		stars += "*"
	}
	return typeString(t)
}

// pathWord finds a file path being typed: the last word of a !shell or
// %cd line, or the text of a string literal up to the cursor.
func pathWord(code string, pos int) (string, bool) {
	lineStart := strings.LastIndexByte(code[:pos], '\n') + 1
	lineNo := strings.Count(code[:lineStart], "\n")
	if cellsyntax.MagicLines(code)[lineNo] {
		t := strings.TrimLeft(code[lineStart:pos], " \t")
		if strings.HasPrefix(t, "!") || strings.HasPrefix(t, "%cd ") {
			return t[strings.LastIndexAny(t, " \t=!")+1:], true
		}
		return "", false
	}
	var l cellsyntax.Lexer
	l.Feed(cellsyntax.BlankMagics(code[:pos]), 0)
	if (l.State == cellsyntax.InString || l.State == cellsyntax.InRawString) && !strings.ContainsAny(code[l.StrStart:pos], "\\\n") {
		return code[l.StrStart:pos], true
	}
	return "", false
}

// filePaths lists the files and directories whose path starts with word
// (directories with a trailing /; ~ stands for the home directory).
func filePaths(word string) []candidate {
	dir, base := filepath.Split(word)
	read := dir
	if strings.HasPrefix(dir, "~/") {
		if home, err := os.UserHomeDir(); err == nil {
			read = filepath.Join(home, dir[2:])
		}
	}
	if read == "" {
		read = "."
	}
	entries, err := os.ReadDir(read)
	if err != nil {
		return nil
	}
	var cands []candidate
	for _, e := range entries {
		name := e.Name()
		if !strings.HasPrefix(name, base) || strings.HasPrefix(name, ".") && !strings.HasPrefix(base, ".") {
			continue
		}
		typ := "file"
		if e.IsDir() {
			name += "/"
			typ = "path"
		}
		cands = append(cands, candidate{dir + name, typ, ""})
	}
	sort.Slice(cands, func(i, j int) bool { return cands[i].text < cands[j].text })
	return cands
}
