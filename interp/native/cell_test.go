package native

import (
	"errors"
	"strings"
	"testing"
)

func TestPrepareCellKeepsLinesAndImportsForTheCell(t *testing.T) {
	src := "\n// Hypot is math.Hypot.\nfunc Hypot(a, b float64) float64 { return math.Sqrt(a*a + b*b) }\n\ntype point struct{ X, Y float64 }\n\nfunc (p point) norm() float64 { return Hypot(p.X, p.Y) }\n\nconst (\n\tA = iota\n\tB\n)\n\nvar hits, misses int\n\nfunc Sum[T int | float64](xs ...T) (s T) { return }\n\nfunc init() { fmt.Println() }\n"
	c, err := prepareCell(src, Scope{Packages: map[string]string{"math": "math", "fmt": "fmt"}})
	if err != nil {
		t.Fatal(err)
	}
	var all strings.Builder
	for _, p := range c.parts {
		file := p.files["cell.go"]
		if got, want := strings.Count(file, "\n"), strings.Count(src, "\n"); got != want {
			t.Errorf("cell.go of %s has %d lines; the cell has %d", p.path, got, want)
		}
		for _, f := range p.files {
			all.WriteString(f)
		}
	}
	if len(c.parts) != 2 {
		t.Fatalf("%d packages; want two: the type, its method and Hypot, which the method uses; and the rest", len(c.parts))
	}
	line1 := func(i int) string { l, _, _ := strings.Cut(c.parts[i].files["cell.go"], "\n"); return l }
	if line1(0) != `package cell; import (math "math"; ); ` || line1(1) != `package cell; import (fmt "fmt"; ); ` {
		t.Errorf("lines 1 of cell.go: %q and %q; want the package clause and the import of math, then of fmt", line1(0), line1(1))
	}
	var got []string
	for _, d := range c.decls {
		s := string(d.Kind) + " " + d.Name
		if d.Generic {
			s += " generic"
		}
		got = append(got, s)
	}
	want := "func Hypot, type point, method point.norm, const A, const B, var hits, var misses, func Sum generic"
	if strings.Join(got, ", ") != want {
		t.Errorf("declarations: %s\nwant %s", strings.Join(got, ", "), want)
	}
	for _, want := range []string{"var Gopar_Hypot = Hypot\n", "type Gopar_point = point\n", "const Gopar_A = A\n",
		"var Gopar_hits = &hits\n", `"point": reflect.ValueOf((*point)(nil)),`, `"hits": reflect.ValueOf(&hits).Elem(),`} {
		if !strings.Contains(all.String(), want) {
			t.Errorf("the generated files lack %q:\n%s", want, all.String())
		}
	}
	for _, p := range c.parts {
		if ex := p.files["gopar_exports.go"]; strings.Contains(ex, "Sum") || strings.Contains(ex, "norm") || strings.Contains(ex, "init") {
			t.Errorf("gopar_exports.go exports a generic function, a method or init:\n%s", ex)
		}
	}
	shim := c.shim("__")
	n0, n1 := "__"+c.parts[0].path[len("gopar-native/"):], "__"+c.parts[1].path[len("gopar-native/"):]
	for _, want := range []string{"import " + n0 + " \"" + c.parts[0].path + "\"\n", "import " + n1 + " \"" + c.parts[1].path + "\"\n",
		"func Hypot(a float64, b float64) float64 { return " + n0 + ".Hypot(a, b) }\n",
		"type point = " + n0 + ".point\n", "const (\n\tA = iota\n\tB\n)\n"} {
		if !strings.Contains(shim, want) {
			t.Errorf("shim lacks %q:\n%s", want, shim)
		}
	}
	if strings.Contains(shim, "Sum") || strings.Contains(shim, "hits") {
		t.Errorf("the shim declares a generic function or a variable:\n%s", shim)
	}
}

// TestPrepareCellSplitsTypesOff checks which declarations go with the
// types, in a package of its own that stays when the rest changes.
func TestPrepareCellSplitsTypesOff(t *testing.T) {
	for _, tt := range []struct {
		name, src string
		types     []string // the declarations of the types' package; nil: one package
	}{
		{"functions on exported fields", "type Body struct{ X, V float64 }\n\nfunc (b *Body) Step(dt float64) { b.X += b.V * dt }\n\nfunc Energy(bs []Body) float64 { return bs[0].V }\n", []string{"Body", "Body.Step"}},
		{"only types", "type A int\n\nfunc (a A) Double() A { return 2 * a }\n", nil},
		{"only functions", "func f() int { return 1 }\n", nil},
		{"an unexported field", "type body struct{ x float64 }\n\nfunc get(b body) float64 { return b.x }\n\nfunc other() int { return 2 }\n", []string{"body", "get"}},
		{"a struct with unexported fields built", "type body struct{ x float64 }\n\nfunc mk() body { return body{1} }\n\nfunc other() int { return 2 }\n", []string{"body", "mk"}},
		{"an unexported method", "type T int\n\nfunc (T) m() int { return 1 }\n\nfunc use(t T) int { return t.m() }\n\nfunc other() int { return 2 }\n", []string{"T", "T.m", "use"}},
		{"a variable the methods use", "var scale = 2.0\n\ntype T float64\n\nfunc (t T) Scaled() float64 { return float64(t) * scale }\n\nfunc set(s float64) { scale = s }\n\nfunc other() int { return 2 }\n", []string{"scale", "T", "T.Scaled", "set"}},
		{"a generic type", "type List[T any] []T\n\nfunc Len(l List[int]) int { return len(l) }\n\nfunc other() int { return 2 }\n", []string{"List", "Len"}},
		{"a dot import", "import . \"math\"\n\ntype T float64\n\nfunc F(t T) float64 { return Sqrt(float64(t)) }\n", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := prepareCell(tt.src, Scope{})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			if len(c.parts) == 2 {
				for _, i := range c.parts[0].decls {
					got = append(got, c.decls[i].Name)
				}
			}
			if strings.Join(got, " ") != strings.Join(tt.types, " ") {
				t.Errorf("types' package: %q; want %q", got, tt.types)
			}
		})
	}
}

func TestShimOfFunctionsCallsWithTheSameArguments(t *testing.T) {
	src := "import st \"strings\"\nfunc a(int, string) {}\nfunc b(xs ...float64) (n int, err error) { return }\nfunc c(_ int, s st.Builder) []string { return nil }\n"
	c, err := prepareCell(src, Scope{})
	if err != nil {
		t.Fatal(err)
	}
	shim := c.shim("__")
	n := "__" + c.parts[0].path[len("gopar-native/"):]
	for _, want := range []string{
		"import st \"strings\"\n",
		"func a(gopar_a0 int, gopar_a1 string) { " + n + ".a(gopar_a0, gopar_a1) }\n",
		"func b(xs ...float64) (n int, err error) { return " + n + ".b(xs...) }\n",
		"func c(gopar_a0 int, s st.Builder) []string { return " + n + ".c(gopar_a0, s) }\n",
	} {
		if !strings.Contains(shim, want) {
			t.Errorf("shim lacks %q:\n%s", want, shim)
		}
	}
}

func TestPrepareCellErrorsAtCellPositions(t *testing.T) {
	for _, tt := range []struct {
		name, src string
		line, col int
		msg       string
	}{
		{"statement", "\nx := 1\n", 2, 1, "declarations only"},
		{"line 1", "func f( {}", 1, 9, "expected"},
		{"later line", "func f() {\n\treturn 1 +\n}\n", 3, 1, "expected operand"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := prepareCell(tt.src, Scope{})
			var ce *CompileError
			if !errors.As(err, &ce) || len(ce.Errors) == 0 {
				t.Fatalf("prepareCell: %v; want a CompileError", err)
			}
			p := ce.Errors[0]
			if p.Line != tt.line || p.Col != tt.col || !strings.Contains(p.Msg, tt.msg) {
				t.Errorf("error at %d:%d %q; want %d:%d %q", p.Line, p.Col, p.Msg, tt.line, tt.col, tt.msg)
			}
		})
	}
}

func TestPrepareCellDropsAPackageClause(t *testing.T) {
	c, err := prepareCell("package foo\n\nfunc F() int { return 1 }\n", Scope{})
	if err != nil {
		t.Fatal(err)
	}
	if file := c.parts[0].files["cell.go"]; len(c.decls) != 1 || c.decls[0].Name != "F" || !strings.HasPrefix(file, cellPrefix+"           \n") {
		t.Errorf("decls %v, file %q", c.decls, file)
	}
}

func TestPrepareCellUsesEarlierNativeNames(t *testing.T) {
	earlier, err := prepareCell("type Body struct{ M float64 }\nfunc mass(b Body) float64 { return b.M }\nconst G = 6.674e-11\nvar total float64\nfunc Max[T int | float64](a, b T) T { return a }\n", Scope{})
	if err != nil {
		t.Fatal(err)
	}
	pkg := &Package{Path: "gopar-native/c0123456789abcdef", Decls: earlier.decls}
	for i := range pkg.Decls {
		pkg.Decls[i].Pkg = pkg
	}
	var names Names
	names.Add(pkg)

	c, err := prepareCell("func weight(b Body) float64 { return G * mass(b) }\n", Scope{Natives: &names})
	if err != nil {
		t.Fatal(err)
	}
	uses := c.parts[len(c.parts)-1].files["gopar_uses.go"]
	for _, want := range []string{"gopar_c0123456789abcdef \"gopar-native/c0123456789abcdef\"", "type Body = gopar_c0123456789abcdef.Gopar_Body\n",
		"const G = gopar_c0123456789abcdef.Gopar_G\n", "var mass = gopar_c0123456789abcdef.Gopar_mass\n"} {
		if !strings.Contains(uses, want) {
			t.Errorf("gopar_uses.go lacks %q:\n%s", want, uses)
		}
	}

	for name, tt := range map[string]struct {
		src, msg  string
		line, col int
	}{
		"variable": {"func f() float64 {\n\treturn total\n}\n", "total is a variable of an earlier native cell", 2, 9},
		"generic":  {"func f() int { return Max(1, 2) }\n", "Max is a generic func of an earlier native cell", 1, 23},
	} {
		_, err := prepareCell(tt.src, Scope{Natives: &names})
		var ce *CompileError
		if !errors.As(err, &ce) || len(ce.Errors) != 1 || !strings.Contains(ce.Errors[0].Msg, tt.msg) ||
			ce.Errors[0].Line != tt.line || ce.Errors[0].Col != tt.col {
			t.Errorf("%s: %v; want %q at %d:%d", name, err, tt.msg, tt.line, tt.col)
		}
	}

	// A name the cell declares itself wins over an earlier cell's.
	c, err = prepareCell("type Body int\nfunc f(b Body) {}\n", Scope{Natives: &names})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range c.parts {
		if strings.Contains(p.files["gopar_uses.go"], pkg.Path) {
			t.Errorf("gopar_uses.go uses the earlier cell's Body:\n%s", p.files["gopar_uses.go"])
		}
	}
}
