package complete

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/traefik/yaegi/stdlib"
)

// fakeScope serves yaegi's real standard-library symbol tables and a fixed
// set of globals.
type fakeScope struct {
	globals map[string]Global
}

func (fakeScope) Packages() map[string]string {
	m := map[string]string{}
	for key := range stdlib.Symbols {
		i := strings.LastIndex(key, "/")
		if i < 0 || strings.Contains(key, ".") {
			continue
		}
		m[key[i+1:]] = key[:i]
	}
	m["rand"] = "math/rand"
	return m
}

func (fakeScope) Symbols(path string) map[string]reflect.Value {
	return stdlib.Symbols[path+"/"+path[strings.LastIndex(path, "/")+1:]]
}

func (f fakeScope) Globals() map[string]Global { return f.globals }

// point stands for a struct type defined in a cell: yaegi renames its
// unexported fields x, y to Xx, Xy.
type point = struct {
	Xx, Xy int
	Name   string
}

func newScope() fakeScope {
	return fakeScope{globals: map[string]Global{
		"wg":      {Kind: "var", Type: reflect.TypeOf(sync.WaitGroup{}), Value: "{}"},
		"sb":      {Kind: "var", Type: reflect.TypeOf(&strings.Builder{})},
		"counter": {Kind: "var", Type: reflect.TypeOf(0), Value: "42"},
		"fib":     {Kind: "func", Signature: "func fib(n int) int", Doc: "fib returns the n-th Fibonacci number."},
		"point":   {Kind: "type", Type: reflect.TypeOf(point{}), Signature: "type point struct{ x, y int; Name string }"},
		"point.Norm": {Kind: "func", Signature: "func (p point) Norm() float64",
			Doc: "Norm is the Euclidean norm."},
		"pt": {Kind: "var", Type: reflect.TypeOf(point{})},
	}}
}

func TestComplete(t *testing.T) {
	s := newScope()
	tests := []struct {
		name, code string
		cursor     int // -1: end of code
		want       []string
		absent     []string
		start, end int // -1: cursor
	}{
		{"package member", "strings.Spl", -1, []string{"Split", "SplitAfter", "SplitAfterN", "SplitN"}, []string{"Join"}, 8, -1},
		{"package member mid-cell", "x := 1\ny := strings.Spl\nz := 3", 22, []string{"Split"}, nil, 20, -1},
		{"all members", "sync.", -1, []string{"WaitGroup", "Mutex", "Once"}, nil, 5, -1},
		{"var methods", "wg.", -1, []string{"Add", "Done", "Wait"}, []string{"state", "noCopy"}, 3, -1},
		{"pointer var methods", "sb.Wr", -1, []string{"WriteString", "WriteByte", "WriteRune"}, []string{"Len"}, 3, -1},
		{"cell struct fields and methods", "pt.", -1, []string{"x", "y", "Name", "Norm"}, []string{"Xx"}, 3, -1},
		{"globals", "fi", -1, []string{"fib"}, nil, 0, -1},
		{"keywords and builtins", "fo", -1, []string{"for"}, nil, 0, -1},
		{"builtins", "le", -1, []string{"len"}, nil, 0, -1},
		{"package names", "strc", -1, []string{"strconv"}, nil, 0, -1},
		{"cell locals", "total := 0\ntot", -1, []string{"total"}, []string{"tot"}, 11, -1},
		{"cell locals after a magic", "%time f()\ntotal := 0\ntot", -1, []string{"total"}, []string{"tot"}, 21, -1},
		{"case-insensitive fallback", "strings.split", -1, []string{"Split", "SplitN"}, nil, 8, -1},
		{"unicode before cursor", "s := \"héllo 🎉\"\nstrings.Spl", -1, []string{"Split"}, nil, 23, -1},
		{"nothing in strings", `s := "strings.Spl`, -1, nil, []string{"Split"}, 6, -1},
		{"nothing in comments", "// strings.Spl", -1, nil, []string{"Split"}, 11, -1},
		{"magic line", "%time strings.Spl", -1, []string{"Split"}, nil, 14, -1},
		{"unknown var", "nosuch.", -1, nil, []string{"Split"}, 7, -1},
		{"rand package", "rand.In", -1, []string{"Intn", "Int63"}, nil, 5, -1},
		{"import path", `import "str`, -1, []string{"strings", "strconv"}, []string{"fmt"}, 8, -1},
		{"import path with slash", `import "math/`, -1, []string{"math/rand", "math/big"}, []string{"math"}, 8, -1},
		{"import block", "import (\n\t\"fmt\"\n\t\"syn", -1, []string{"sync", "sync/atomic"}, nil, 18, -1},
		{"not an import", `x := "str`, -1, nil, []string{"strings"}, 6, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cursor := tt.cursor
			if cursor < 0 {
				cursor = len([]rune(tt.code))
			}
			c := Complete(tt.code, cursor, s)
			for _, w := range tt.want {
				if !slices.Contains(c.Matches, w) {
					t.Errorf("Complete(%q) = %v; want %q among them", tt.code, c.Matches, w)
				}
			}
			for _, a := range tt.absent {
				if slices.Contains(c.Matches, a) {
					t.Errorf("Complete(%q) = %v; %q should not be there", tt.code, c.Matches, a)
				}
			}
			if tt.want == nil && len(c.Matches) != 0 {
				t.Errorf("Complete(%q) = %v; want none", tt.code, c.Matches)
			}
			end := tt.end
			if end < 0 {
				end = cursor
			}
			if c.CursorStart != tt.start || c.CursorEnd != end {
				t.Errorf("Complete(%q): cursor [%d,%d); want [%d,%d)", tt.code, c.CursorStart, c.CursorEnd, tt.start, end)
			}
			if !slices.IsSorted(c.Matches) {
				t.Errorf("matches not sorted: %v", c.Matches)
			}
			types, _ := c.Metadata["_jupyter_types_experimental"].([]map[string]any)
			if len(types) != len(c.Matches) {
				t.Fatalf("%d types for %d matches", len(types), len(c.Matches))
			}
		})
	}
}

func TestCompleteTypes(t *testing.T) {
	c := Complete("strings.Spl", 11, newScope())
	types := c.Metadata["_jupyter_types_experimental"].([]map[string]any)
	var split map[string]any
	for _, ty := range types {
		if ty["text"] == "Split" {
			split = ty
		}
	}
	if split == nil || split["type"] != "function" || split["signature"] != "func Split(s, sep string) []string" ||
		split["start"] != 8 || split["end"] != 11 {
		t.Errorf("type info of Split = %v", split)
	}
	c = Complete("wg.Wa", 5, newScope())
	types = c.Metadata["_jupyter_types_experimental"].([]map[string]any)
	if len(types) != 1 || types[0]["type"] != "method" || types[0]["signature"] != "func (wg *WaitGroup) Wait()" {
		t.Errorf("type info of wg.Wait = %v", types)
	}
}

func TestCompleteUnicodeCursor(t *testing.T) {
	// The cursor is in code points: "é" is 2 bytes and "🎉" 4 bytes (and 2
	// UTF-16 units), but each counts 1.
	code := "x := \"é🎉\"; fmt.Prin"
	c := Complete(code, len([]rune(code)), newScope())
	if !slices.Contains(c.Matches, "Println") {
		t.Fatalf("matches %v lack Println", c.Matches)
	}
	if want := len([]rune("x := \"é🎉\"; fmt.")); c.CursorStart != want {
		t.Errorf("CursorStart = %d; want %d", c.CursorStart, want)
	}
	// With a cursor in the middle, text after it is ignored.
	code = "héllo := 1; héll + 2"
	c = Complete(code, len([]rune("héllo := 1; héll")), newScope())
	if !slices.Equal(c.Matches, []string{"héllo"}) || c.CursorStart != 12 || c.CursorEnd != 16 {
		t.Errorf("Complete(%q) = %v [%d,%d)", code, c.Matches, c.CursorStart, c.CursorEnd)
	}
}

func TestInspect(t *testing.T) {
	s := newScope()
	tests := []struct {
		name, code string
		cursor     int // -1: end
		detail     int
		want       []string
	}{
		{"package func", "strings.Split", -1, 0, []string{"func Split(s, sep string) []string", "Split slices s into all substrings"}},
		{"cursor inside name", "x := strings.Split(a, b)", 15, 0, []string{"func Split(s, sep string) []string"}},
		{"inside call parens", "x := strings.Split(a, ", -1, 0, []string{"func Split(s, sep string) []string"}},
		{"package", "strings", -1, 0, []string{`import "strings"`, "Package strings implements", "func Split(s, sep string) []string"}},
		{"package type", "sync.WaitGroup", -1, 0, []string{"type WaitGroup struct", "func (wg *WaitGroup) Wait()"}},
		{"package type method", "sync.WaitGroup.Add", -1, 0, []string{"func (wg *WaitGroup) Add(delta int)"}},
		{"var method", "wg.Wait", -1, 0, []string{"func (wg *WaitGroup) Wait()", "blocks"}},
		{"cell type var", "pt", -1, 0, []string{"var pt point"}},
		{"var", "wg", -1, 0, []string{"var wg sync.WaitGroup", "Value: {}", "A WaitGroup"}},
		{"var detail", "wg", -1, 1, []string{"func (wg *WaitGroup) Done()"}},
		{"int var", "counter", -1, 0, []string{"var counter int", "Value: 42"}},
		{"user func", "fib(3)", 2, 0, []string{"func fib(n int) int", "fib returns the n-th Fibonacci number."}},
		{"user type", "point", -1, 0, []string{"type point struct", "func (p point) Norm() float64"}},
		{"cell type method on var", "pt.Norm", -1, 0, []string{"func (p point) Norm() float64", "Euclidean"}},
		{"cell struct field", "pt.x", -1, 0, []string{"x int"}},
		{"builtin", "len", -1, 0, []string{"func len(v Type) int"}},
		{"after a dot", "x := strings.", -1, 0, []string{"Package strings implements"}},
		{"unicode before", "s := \"🎉\"; strings.Split", -1, 0, []string{"func Split(s, sep string) []string"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cursor := tt.cursor
			if cursor < 0 {
				cursor = len([]rune(tt.code))
			}
			in := Inspect(tt.code, cursor, tt.detail, s)
			if !in.Found {
				t.Fatalf("Inspect(%q, %d) found nothing", tt.code, cursor)
			}
			plain, _ := in.Data["text/plain"].(string)
			md, _ := in.Data["text/markdown"].(string)
			for _, w := range tt.want {
				if !strings.Contains(plain, w) {
					t.Errorf("Inspect(%q) text/plain = %q; want it to contain %q", tt.code, plain, w)
				}
			}
			if !strings.Contains(md, "```go") {
				t.Errorf("text/markdown = %q", md)
			}
		})
	}
	for _, code := range []string{"", "nosuch", "// strings.Split", `"strings.Split"`, "1 + 2"} {
		if in := Inspect(code, len([]rune(code)), 0, s); in.Found {
			t.Errorf("Inspect(%q) = %v; want not found", code, in.Data)
		}
	}
}

func TestIsComplete(t *testing.T) {
	tests := []struct {
		code, status, indent string
	}{
		{"", "complete", ""},
		{"x := 1", "complete", ""},
		{"fmt.Println(\"hi\")", "complete", ""},
		{"for i := 0; i < 3; i++ {", "incomplete", "    "},
		{"func f() {\n\tif true {", "incomplete", "        "},
		{"x := []int{1,\n2,", "incomplete", "    "},
		{"fmt.Println(", "incomplete", "    "},
		{"s := `raw\nstring", "incomplete", ""},
		{"/* comment", "incomplete", ""},
		{"x := 1 +", "incomplete", "    "},
		{"y := a &&", "incomplete", "    "},
		{"a, b :=", "incomplete", "    "},
		{"x := 1,", "incomplete", "    "},
		{"s := \"{ ( [\"", "complete", ""},
		{"// {", "complete", ""},
		{"r := '{'", "complete", ""},
		{"x := )", "invalid", ""},
		{"func f() { ]", "invalid", ""},
		{"x := \"unterminated\ny := 2", "invalid", ""},
		{"fmt.Println(\"unterminated", "invalid", ""},
		{"f(\"a\nb\")", "invalid", ""},
		{"x := 1 1", "invalid", ""},
		{"if x { } else y", "invalid", ""},
		{"%time fib(30)", "complete", ""},
		{"!ls -l (", "complete", ""},
		{"!ls \\", "incomplete", ""},
		{"!ls \\\n  -l", "complete", ""},
		{"%%timeit\nfor {", "complete", ""},
		{"strings.Split?", "complete", ""},
		{"?strings.Split", "complete", ""},
		{"import \"fmt\"\nvar wg sync.WaitGroup\nfunc f() int { return 1 }\nx := f()\nfmt.Println(x)\nx", "complete", ""},
		{"type T struct{ a int }\nfunc (t T) M() int { return t.a }\nT{}.M()", "complete", ""},
		{"go func() {\n\tfmt.Println(1)\n}()", "complete", ""},
		{"func f() {\n\tx := 1 %\n\t2\n}", "complete", ""},
		{"package main\n\nimport \"fmt\"\n\nfunc main() {\n\tfmt.Println(1)\n}", "complete", ""},
		{"func f() int { return 1 }\nimport \"fmt\"\nfmt.Println(f())", "complete", ""},
		{"func f() int {\n\treturn 1\n}\n\n// comment\nx := f()", "complete", ""},
		{"func f() int {\n\treturn 1 1\n}", "invalid", ""},
		// As Execute splits the cell: declarations and statements may
		// share a line, a header without its block is invalid (it once
		// panicked), and a struct's brace may follow on the next line.
		{"func f() int { return 1 }; x := f()", "complete", ""},
		{"import \"fmt\"; fmt.Println(1)", "complete", ""},
		{"if x", "invalid", ""},
		{"for i := 0; i < 3", "invalid", ""},
		{"type T struct", "incomplete", ""},
		{"? %time", "complete", ""},
	}
	for _, tt := range tests {
		status, indent := IsComplete(tt.code)
		if status != tt.status || indent != tt.indent {
			t.Errorf("IsComplete(%q) = %q, %q; want %q, %q", tt.code, status, indent, tt.status, tt.indent)
		}
	}
}

func TestCompletePaths(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "data.csv"), nil, 0o644)
	os.WriteFile(filepath.Join(dir, ".hidden"), nil, 0o644)
	os.Mkdir(filepath.Join(dir, "dat"), 0o755)
	s := newScope()
	for _, tt := range []struct {
		code string
		want []string
	}{
		{"!ls " + dir + "/da", []string{dir + "/dat/", dir + "/data.csv"}},
		{"%cd " + dir + "/d", []string{dir + "/dat/", dir + "/data.csv"}},
		{"b, _ := os.ReadFile(\"" + dir + "/", []string{dir + "/dat/", dir + "/data.csv"}},
		{"b, _ := os.ReadFile(\"" + dir + "/.h", []string{dir + "/.hidden"}},
		{"b, _ := os.ReadFile(\"" + dir + "/x", []string{}},
	} {
		c := Complete(tt.code, len([]rune(tt.code)), s)
		if !slices.Equal(c.Matches, tt.want) {
			t.Errorf("Complete(%q) = %v; want %v", tt.code, c.Matches, tt.want)
		}
		if len(tt.want) > 0 {
			if c.CursorStart != strings.Index(tt.code, dir) {
				t.Errorf("Complete(%q): CursorStart %d; want %d", tt.code, c.CursorStart, strings.Index(tt.code, dir))
			}
		}
	}
}
