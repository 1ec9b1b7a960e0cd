package native

import (
	"errors"
	"strings"
	"testing"
)

func TestPrepareCellKeepsLinesAndImportsForTheCell(t *testing.T) {
	src := "\n// Hypot is math.Hypot.\nfunc Hypot(a, b float64) float64 { return math.Sqrt(a*a + b*b) }\n\ntype point struct{ X, Y float64 }\n\nfunc (p point) norm() float64 { return Hypot(p.X, p.Y) }\n\nconst (\n\tA = iota\n\tB\n)\n\nvar hits, misses int\n\nfunc Sum[T int | float64](xs ...T) (s T) { return }\n\nfunc init() {}\n"
	c, err := prepareCell(src, Scope{Packages: map[string]string{"math": "math", "fmt": "fmt"}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := strings.Count(c.file, "\n"), strings.Count(src, "\n"); got != want {
		t.Errorf("cell.go has %d lines; the cell has %d", got, want)
	}
	line1, _, _ := strings.Cut(c.file, "\n")
	if line1 != `package cell; import (math "math"; ); ` {
		t.Errorf("line 1 of cell.go = %q; want the package clause and the import of math only", line1)
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
	ex := c.gen["gopar_exports.go"]
	for _, want := range []string{"var Gopar_Hypot = Hypot\n", "type Gopar_point = point\n", "const Gopar_A = A\n",
		"var Gopar_hits = &hits\n", `"point": reflect.ValueOf((*point)(nil)),`, `"hits": reflect.ValueOf(&hits).Elem(),`} {
		if !strings.Contains(ex, want) {
			t.Errorf("gopar_exports.go lacks %q:\n%s", want, ex)
		}
	}
	if strings.Contains(ex, "Sum") || strings.Contains(ex, "norm") || strings.Contains(ex, "init") {
		t.Errorf("gopar_exports.go exports a generic function, a method or init:\n%s", ex)
	}
	shim := c.shim("gopar-native/c1", "__n")
	for _, want := range []string{"import __n \"gopar-native/c1\"\n", "func Hypot(a float64, b float64) float64 { return __n.Hypot(a, b) }\n",
		"type point = __n.point\n", "const (\n\tA = iota\n\tB\n)\n"} {
		if !strings.Contains(shim, want) {
			t.Errorf("shim lacks %q:\n%s", want, shim)
		}
	}
	if strings.Contains(shim, "Sum") || strings.Contains(shim, "hits") {
		t.Errorf("the shim declares a generic function or a variable:\n%s", shim)
	}
}

func TestShimOfFunctionsCallsWithTheSameArguments(t *testing.T) {
	src := "import st \"strings\"\nfunc a(int, string) {}\nfunc b(xs ...float64) (n int, err error) { return }\nfunc c(_ int, s st.Builder) []string { return nil }\n"
	c, err := prepareCell(src, Scope{})
	if err != nil {
		t.Fatal(err)
	}
	shim := c.shim("gopar-native/c1", "__n")
	for _, want := range []string{
		"import st \"strings\"\n",
		"func a(gopar_a0 int, gopar_a1 string) { __n.a(gopar_a0, gopar_a1) }\n",
		"func b(xs ...float64) (n int, err error) { return __n.b(xs...) }\n",
		"func c(gopar_a0 int, s st.Builder) []string { return __n.c(gopar_a0, s) }\n",
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
	if len(c.decls) != 1 || c.decls[0].Name != "F" || !strings.HasPrefix(c.file, cellPrefix+"           \n") {
		t.Errorf("decls %v, file %q", c.decls, c.file)
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
	uses := c.gen["gopar_uses.go"]
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
	if strings.Contains(c.gen["gopar_uses.go"], "Body") {
		t.Errorf("gopar_uses.go declares a name the cell declares:\n%s", c.gen["gopar_uses.go"])
	}
}
