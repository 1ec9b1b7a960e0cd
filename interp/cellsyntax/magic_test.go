package cellsyntax

import (
	"slices"
	"strings"
	"testing"
)

func TestMagicLines(t *testing.T) {
	tests := []struct {
		name string
		code string
		want []bool
	}{
		{"mixed", "%time f()\nx := `\n%not magic\n`\nfunc g() {\n!notshell\n}\n!ls\n  %cd /tmp\nfib?\n?? strings.Split\ny := a % b",
			[]bool{true, false, false, false, false, false, false, true, true, true, true, false}},
		{"magic between Go lines", "x := 1\n%time f(x)\ny := 2", []bool{false, true, false}},
		{"inside brackets", "f(a,\n%b,\n!c)\n%who", []bool{false, false, false, true}},
		{"inside a block comment", "/* note\n%time x\n*/\n%time y", []bool{false, false, false, true}},
		{"after a line comment", "x := 1 // f(\n%who", []bool{false, true}},
		{"comment holding % and ;", "// 100%; done\n%who", []bool{false, true}},
		{"string holding % and ;", "s := \"%d;\"\n!ls", []bool{false, true}},
		{"operators, not magics", "x %= 2\n%= 3\n!= 4\n% 5\n!", []bool{false, false, false, true, false}},
		{"help forms", "?fib\n??fib\nfib?\nfib??\n  strings.Split ?\n?%time\n%%timeit?\n? %time", []bool{true, true, true, true, true, true, true, true}},
		{"not help", "a ? b\n?a?\nx := a?", []bool{false, false, false}},
		{"cell magic", "%%timeit -n 3\nfor {\n}", []bool{true, false, false}},
		{"continued shell line", "!echo one \\\n  two \\\nthree\nx := 1\n!a\\\\\nb := 2\n%time f() \\\ng()",
			[]bool{true, true, true, false, true, false, true, false}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := MagicLines(tt.code); !slices.Equal(got, tt.want) {
				t.Errorf("MagicLines(%q) = %v; want %v", tt.code, got, tt.want)
			}
		})
	}
}

func TestMagics(t *testing.T) {
	tests := []struct {
		line string
		want MagicLine // Line and Text are not compared
	}{
		{"%time f(x)", MagicLine{Kind: LineMagic, Name: "time", Args: "f(x)"}},
		{"  %timeit  -n 3  f() ", MagicLine{Kind: LineMagic, Name: "timeit", Args: "-n 3  f()"}},
		{"%who", MagicLine{Kind: LineMagic, Name: "who"}},
		{"%123", MagicLine{Kind: LineMagic, Args: "123"}},
		{"%time.x", MagicLine{Kind: LineMagic, Args: "time.x"}},
		{"%%timeit -n 3", MagicLine{Kind: CellMagic, Name: "timeit", Args: "-n 3"}},
		{"%%", MagicLine{Kind: CellMagic}},
		{"!ls -l (", MagicLine{Kind: Shell, Name: "!", Args: "ls -l ("}},
		{"?fib", MagicLine{Kind: Help, Name: "?", Args: "fib"}},
		{"?? sync.WaitGroup", MagicLine{Kind: Help, Name: "??", Args: "sync.WaitGroup"}},
		{"strings.Split?", MagicLine{Kind: Help, Name: "?", Args: "strings.Split"}},
		{"wg.Wait ??", MagicLine{Kind: Help, Name: "??", Args: "wg.Wait"}},
		{"%timeit?", MagicLine{Kind: Help, Name: "?", Args: "%timeit"}},
		{"?%%time", MagicLine{Kind: Help, Name: "?", Args: "%%time"}},
		{"? %time", MagicLine{Kind: Help, Name: "?", Args: "%time"}},
		{"%time ?", MagicLine{Kind: Help, Name: "?", Args: "%time"}},
		{"?héllo", MagicLine{Kind: Help, Name: "?", Args: "héllo"}},
	}
	for _, tt := range tests {
		code := "x := 1\n" + tt.line + "\ny := 2"
		ms := Magics(code)
		if len(ms) != 1 {
			t.Errorf("Magics(%q) = %+v; want one", code, ms)
			continue
		}
		m := ms[0]
		if m.Line != 2 || m.EndLine != 2 || m.Text != strings.TrimSpace(tt.line) {
			t.Errorf("Magics(%q): lines %d-%d text %q; want 2-2, %q", code, m.Line, m.EndLine, m.Text, strings.TrimSpace(tt.line))
		}
		m.Line, m.EndLine, m.Text = 0, 0, ""
		if m != tt.want {
			t.Errorf("Magics(%q) = %+v; want %+v", code, m, tt.want)
		}
	}
}

// TestContinuedShellLine checks that a shell line ending with a backslash
// goes on on the next line, as in a shell, and that the Go code after it
// keeps its line numbers.
func TestContinuedShellLine(t *testing.T) {
	code := "x := 1\n!echo one \\\n  two\ny := 2"
	ms := Magics(code)
	want := MagicLine{Line: 2, EndLine: 3, Kind: Shell, Name: "!", Args: "echo one \\\n  two", Text: "!echo one \\\n  two"}
	if len(ms) != 1 || ms[0] != want {
		t.Fatalf("Magics(%q) = %+v; want %+v", code, ms, want)
	}
	if got := BlankMagics(code); got != "x := 1\n           \n     \ny := 2" {
		t.Errorf("BlankMagics(%q) = %q", code, got)
	}
	if err := Check(BlankMagics(code)); err != nil {
		t.Errorf("the Go code around a continued shell line: %v", err)
	}
	for code, want := range map[string]bool{"!ls \\": true, "!ls \\\n-l \\": true, "!ls \\\n-l": false, "!ls \\\\": false,
		"x := 1\n!ls": false, "s := `\n!ls \\": false, "%time x \\": false} {
		if got := OpenShellLine(code); got != want {
			t.Errorf("OpenShellLine(%q) = %v; want %v", code, got, want)
		}
	}
}

func TestBlankMagics(t *testing.T) {
	code := "x := 1\n  %time f(x)\ns := `\n%raw\n`\n!ls"
	got := BlankMagics(code)
	want := "x := 1\n" + strings.Repeat(" ", len("  %time f(x)")) + "\ns := `\n%raw\n`\n   "
	if got != want {
		t.Errorf("BlankMagics(%q) = %q; want %q", code, got, want)
	}
}

func TestStartsWithCellMagic(t *testing.T) {
	for code, want := range map[string]bool{
		"%%timeit\nx":  true,
		"\n  \t%%time": true,
		"%time x":      false,
		"x\n%%time":    false,
		"":             false,
	} {
		if got := StartsWithCellMagic(code); got != want {
			t.Errorf("StartsWithCellMagic(%q) = %v; want %v", code, got, want)
		}
	}
}
