package cellsyntax

import (
	"errors"
	"go/ast"
	"go/scanner"
	"go/token"
	"slices"
	"strings"
	"testing"
)

var kindNames = map[Kind]string{Stmt: "stmt", Import: "import", Const: "const", Var: "var",
	Type: "type", Func: "func", Method: "method", Package: "package"}

// units shows units as "kind: text".
func units(src string, us []Unit) []string {
	var out []string
	for _, u := range us {
		out = append(out, kindNames[u.Kind]+": "+src[u.Start:u.End])
	}
	return out
}

func TestSplit(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{"mixed cell", "import \"fmt\"\nvar wg sync.WaitGroup\nconst k = 2\ntype P struct{ X int }\n" +
			"func (p P) Double() int { return p.X * k }\nfunc f() {}\ns := 0\nfmt.Println(s)\nP{s}.Double()",
			[]string{"import: import \"fmt\"", "var: var wg sync.WaitGroup", "const: const k = 2", "type: type P struct{ X int }",
				"method: func (p P) Double() int { return p.X * k }", "func: func f() {}", "stmt: s := 0",
				"stmt: fmt.Println(s)", "stmt: P{s}.Double()"}},
		{"semicolons", "x := 1; y := 2;z := 3", []string{"stmt: x := 1", "stmt: y := 2", "stmt: z := 3"}},
		{"declaration and statement on a line", "func f() int { return 1 }; x := f()",
			[]string{"func: func f() int { return 1 }", "stmt: x := f()"}},
		{"for header", "for i := 0; i < 3; i++ {\n\tx := i; _ = x\n}\ny := 1",
			[]string{"stmt: for i := 0; i < 3; i++ {\n\tx := i; _ = x\n}", "stmt: y := 1"}},
		{"if header and else", "if v, ok := m[k]; ok {\n} else if w := v; w {\n} else {\n}",
			[]string{"stmt: if v, ok := m[k]; ok {\n} else if w := v; w {\n} else {\n}"}},
		{"switch header", "switch x := f(); x {\ncase 1:\n\tg(); h()\n}\nz()",
			[]string{"stmt: switch x := f(); x {\ncase 1:\n\tg(); h()\n}", "stmt: z()"}},
		{"strings holding % and ;", "s := \"a;b%c\"\nr := ';'\nx := `raw;\n%d`",
			[]string{"stmt: s := \"a;b%c\"", "stmt: r := ';'", "stmt: x := `raw;\n%d`"}},
		{"comments holding % and ;", "x := 1 // c; %e\n/* a; %b */ y := 2",
			[]string{"stmt: x := 1", "stmt: y := 2"}},
		{"multi-line expression", "x := f(1,\n\t2)\ny := []int{\n\t1,\n}",
			[]string{"stmt: x := f(1,\n\t2)", "stmt: y := []int{\n\t1,\n}"}},
		{"unclosed brackets", "x := 1\nf(1,\n2", []string{"stmt: x := 1", "stmt: f(1,\n2"}},
		{"unclosed header at the end", "if x", []string{"stmt: if x"}},
		{"unclosed for header at the end", "for i := 0; i < 3", []string{"stmt: for i := 0; i < 3"}},
		{"func literals are statements", "func() {}()\ngo func(x int) {\n}(1)",
			[]string{"stmt: func() {}()", "stmt: go func(x int) {\n}(1)"}},
		{"generic method", "func (l *List[T]) Push(v T) {}", []string{"method: func (l *List[T]) Push(v T) {}"}},
		{"grouped declarations", "import (\n\t\"fmt\"\n\t\"os\"\n)\nvar (\n\ta = 1\n)",
			[]string{"import: import (\n\t\"fmt\"\n\t\"os\"\n)", "var: var (\n\ta = 1\n)"}},
		{"package clause", "package main\nfunc main() {}", []string{"package: package main", "func: func main() {}"}},
		{"labels", "L:\n\tfor {\n\t\tbreak L\n\t}", []string{"stmt: L:\n\tfor {\n\t\tbreak L\n\t}"}},
		{"nothing", "// only a comment\n\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := units(tt.src, Split(tt.src))
			if !slices.Equal(got, tt.want) {
				t.Errorf("Split(%q):\n got  %q\n want %q", tt.src, got, tt.want)
			}
		})
	}
}

func TestSplitDoc(t *testing.T) {
	src := "// Shape is a shape.\n// It has sides.\ntype Shape struct{}\n\n// lost\n\nfunc f() {}\n/* V is v. */\nvar V = 1\n// not for statements\nx := 1"
	var docs []string
	for _, u := range Split(src) {
		docs = append(docs, u.Doc)
	}
	want := []string{"Shape is a shape.\nIt has sides.", "", "V is v. */", ""}
	if !slices.Equal(docs, want) {
		t.Errorf("docs %q; want %q", docs, want)
	}
}

// TestSplitAfterMagics checks that units of a cell whose magic lines are
// blanked keep the cell's lines.
func TestSplitAfterMagics(t *testing.T) {
	code := "x := 1\n%time f(x)\ny := 2\n!ls\nfunc g() {}"
	src := BlankMagics(code)
	var lines []int
	for _, u := range Split(src) {
		lines = append(lines, 1+strings.Count(src[:u.Start], "\n"))
		if code[u.Start:u.End] != src[u.Start:u.End] {
			t.Errorf("unit %q of the blanked text is %q in the cell", src[u.Start:u.End], code[u.Start:u.End])
		}
	}
	if !slices.Equal(lines, []int{1, 3, 5}) {
		t.Errorf("units on lines %v; want [1 3 5]", lines)
	}
}

func TestParse(t *testing.T) {
	src := "import \"fmt\"\n\nfunc f() int { return 1 }\n  x := f() + 2\nfmt.Println(x)\npackage main"
	fset := token.NewFileSet()
	us := Split(src)
	kinds := []Kind{Import, Func, Stmt, Stmt, Package}
	for i := range us {
		u := &us[i]
		if u.Kind != kinds[i] {
			t.Fatalf("unit %d is a %s; want a %s", i, kindNames[u.Kind], kindNames[kinds[i]])
		}
		base, err := u.Parse(fset, src)
		if err != nil {
			t.Fatalf("unit %d: %v", i, err)
		}
		var n ast.Node
		switch {
		case u.Kind == Package:
			if u.Decl != nil || u.Stmt != nil {
				t.Errorf("package unit parsed: %v %v", u.Decl, u.Stmt)
			}
			continue
		case u.Kind == Stmt:
			n = u.Stmt
			if u.Decl != nil {
				t.Errorf("unit %d: statement with a Decl", i)
			}
		default:
			n = u.Decl
			if u.Stmt != nil {
				t.Errorf("unit %d: declaration with a Stmt", i)
			}
		}
		// AST offsets minus base are the cell's offsets.
		if start, end := int(n.Pos())-base, int(n.End())-base; start != u.Start || end != u.End {
			t.Errorf("unit %d %q: AST at [%d,%d); want [%d,%d)", i, src[u.Start:u.End], start, end, u.Start, u.End)
		}
	}
	if _, ok := us[2].Stmt.(*ast.AssignStmt); !ok {
		t.Errorf("x := f() + 2 parsed as %T", us[2].Stmt)
	}
	if d, ok := us[1].Decl.(*ast.FuncDecl); !ok || d.Name.Name != "f" {
		t.Errorf("func f parsed as %#v", us[1].Decl)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		src        string
		line, col  int // of the error, the prefix counted on line 1
		prefix     string
		msgContain string
	}{
		{"x := 1\ny := )", 2, 6, "", "expected operand"},
		{"x := )", 1, 6, StmtPrefix, "expected operand"},
		{"var x int int", 1, 11, DeclPrefix, "expected"},
	}
	for _, tt := range tests {
		fset := token.NewFileSet()
		var err error
		for _, u := range Split(tt.src) {
			if _, err = u.Parse(fset, tt.src); err != nil {
				break
			}
		}
		var el scanner.ErrorList
		if !errors.As(err, &el) || len(el) == 0 {
			t.Errorf("%q: error %v; want a scanner.ErrorList", tt.src, err)
			continue
		}
		p := el[0].Pos
		if p.Line != tt.line || p.Column-len(tt.prefix) != tt.col || !strings.Contains(el[0].Msg, tt.msgContain) {
			t.Errorf("%q: error at %d:%d %q; want %d:%d (+%d) containing %q", tt.src, p.Line, p.Column, el[0].Msg,
				tt.line, tt.col, len(tt.prefix), tt.msgContain)
		}
	}
}

func TestCheck(t *testing.T) {
	tests := []struct {
		src string
		ok  bool
	}{
		{"x := 1", true},
		{"import \"fmt\"\nvar wg sync.WaitGroup\nfunc f() int { return 1 }\nx := f()\nfmt.Println(x)\nx", true},
		{"func f() int { return 1 }\nimport \"fmt\"\nfmt.Println(f())", true},
		{"func f() int { return 1 }; x := f()", true},
		{"import \"fmt\"; fmt.Println(1)", true},
		{"type T struct\n{ x int }", true},
		{"package main\n\nimport \"fmt\"\n\nfunc main() {\n\tfmt.Println(1)\n}", true},
		{"x := 1 1", false},
		{"if x { } else y", false},
		{"func f() int {\n\treturn 1 1\n}", false},
		{"if x", false}, // once a panic: the semicolon Go adds at the end is past it
		{"for i := 0; i < 3", false},
		{"else {}", false},
	}
	for _, tt := range tests {
		if err := Check(tt.src); (err == nil) != tt.ok {
			t.Errorf("Check(%q) = %v; want ok %v", tt.src, err, tt.ok)
		}
	}
}
