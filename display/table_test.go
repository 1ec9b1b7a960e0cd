package display

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func TestTableTextAlignment(t *testing.T) {
	tb := NewTable([]string{"name", "n", "time"},
		[]any{"a", 1, 1500 * time.Millisecond},
		[]any{"longer name", 12345, 2 * time.Microsecond},
	)
	want := strings.Join([]string{
		"name             n      time",
		"-----------  -----  --------",
		"a                1   1.500 s",
		"longer name  12345  2.000 µs",
	}, "\n")
	if got := tb.Text(); got != want {
		t.Errorf("Text:\n%s\nwant:\n%s", got, want)
	}
	if tb.String() != want {
		t.Error("String differs from Text")
	}
}

func TestTableHTMLEscapes(t *testing.T) {
	tb := NewTable([]string{"<th>"}, []any{`<script>alert("x")</script> & co`})
	tb.Caption = "a<b"
	h := tb.HTML()
	if strings.Contains(h, "<script>") || strings.Contains(h, "<th><th>") {
		t.Errorf("unescaped HTML:\n%s", h)
	}
	for _, want := range []string{"&lt;script&gt;", "&amp; co", "&lt;th&gt;", "<caption>a&lt;b</caption>", "<table>", "</table>"} {
		if !strings.Contains(h, want) {
			t.Errorf("HTML lacks %q:\n%s", want, h)
		}
	}
	b, ok := Render(tb)
	if !ok || b["text/html"] != h || b["text/plain"] != tb.Text() {
		t.Errorf("Render(*Table) = %v", b)
	}
}

func TestTableNumbersRightAligned(t *testing.T) {
	h := NewTable([]string{"x", "s"}, []any{1.5, "abc"}, []any{"1.9×", "def"}).HTML()
	if !strings.Contains(h, `<th style="text-align:right">x</th><th style="text-align:left">s</th>`) {
		t.Errorf("header alignment:\n%s", h)
	}
	if !strings.Contains(h, `<td style="text-align:right">1.9×</td>`) {
		t.Errorf("number-like text not right-aligned:\n%s", h)
	}
}

type row struct {
	Name    string
	Threads int
	hidden  bool
	Speedup float64
}

func TestTableOfStructs(t *testing.T) {
	tb := TableOf([]row{{"a", 1, true, 1}, {"b", 2, false, 1.95}})
	if got := strings.Join(tb.Header, ","); got != "Name,Threads,Speedup" {
		t.Errorf("header %q", got)
	}
	if len(tb.Rows) != 2 || tb.Rows[1][2] != 1.95 {
		t.Errorf("rows %v", tb.Rows)
	}
	tp := TableOf([]*row{{Name: "p"}, nil})
	if len(tp.Rows) != 2 || tp.Rows[0][0] != "p" || tp.Rows[1][0] != nil {
		t.Errorf("pointer rows %v", tp.Rows)
	}
	ts := TableOf(row{Name: "one", Threads: 3})
	if strings.Join(ts.Header, ",") != "field,value" || len(ts.Rows) != 3 {
		t.Errorf("struct table %v %v", ts.Header, ts.Rows)
	}
}

func TestTableOfOthers(t *testing.T) {
	tm := TableOf(map[string]int{"b": 2, "a": 1})
	if tm.Text() != "key  value\n---  -----\na        1\nb        2" {
		t.Errorf("map table:\n%s", tm.Text())
	}
	tl := TableOf([]map[string]any{{"x": 1}, {"y": "z"}})
	if strings.Join(tl.Header, ",") != "x,y" || tl.Rows[1][1] != "z" || tl.Rows[1][0] != nil {
		t.Errorf("list of maps %v %v", tl.Header, tl.Rows)
	}
	tg := TableOf([][]int{{1, 2}, {3, 4}})
	if tg.Header != nil || tg.Text() != "1  2\n3  4" {
		t.Errorf("grid:\n%s", tg.Text())
	}
	tv := TableOf([]float64{0.5, 2})
	if tv.Header[0] != "value" || len(tv.Rows) != 2 {
		t.Errorf("values %v", tv.Rows)
	}
	if len(TableOf(nil).Rows) != 0 {
		t.Error("TableOf(nil) has rows")
	}
}

func TestLongTableElided(t *testing.T) {
	tb := NewTable([]string{"i"})
	for i := range 1000 {
		tb.AddRow(i)
	}
	text := tb.Text()
	lines := strings.Split(text, "\n")
	if len(lines) != 2+MaxTableRows+1 {
		t.Errorf("%d lines, want %d", len(lines), 2+MaxTableRows+1)
	}
	if !strings.Contains(text, "… 800 more rows …") || !strings.HasSuffix(text, "999") {
		t.Errorf("elision wrong: %q … %q", lines[190], lines[len(lines)-1])
	}
	if h := tb.HTML(); strings.Count(h, "<tr>") != MaxTableRows+2 || !strings.Contains(h, `colspan="1"`) {
		t.Errorf("HTML has %d rows", strings.Count(h, "<tr>"))
	}
}

func ExampleNewTable() {
	t := NewTable([]string{"variant", "threads", "time"})
	t.AddRow("serial", 1, 2*time.Second)
	t.AddRow("parallel", 2, 1050*time.Millisecond)
	fmt.Println(t.Text())
	// Output:
	// variant   threads     time
	// --------  -------  -------
	// serial          1  2.000 s
	// parallel        2  1.050 s
}

func ExampleTableOf() {
	type run struct {
		Method string
		N      int
		Time   time.Duration
	}
	fmt.Println(TableOf([]run{{"sieve", 1000, 3 * time.Microsecond}, {"sieve", 1000000, 4200 * time.Microsecond}}))
	// Output:
	// Method        N      Time
	// ------  -------  --------
	// sieve      1000  3.000 µs
	// sieve   1000000  4.200 ms
}
