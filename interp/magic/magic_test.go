package magic

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gopar/gopar/engine"
	"github.com/gopar/gopar/internal/memguard"
	"github.com/gopar/gopar/interp/complete"
	"github.com/gopar/gopar/parlib"
	"github.com/traefik/yaegi/stdlib"
)

// fakeOutput records what magics show.
type fakeOutput struct {
	mu       sync.Mutex
	streams  map[string]string
	displays []engine.Display
	onStream func(name, text string)
}

func (o *fakeOutput) Stream(name, text string) {
	o.mu.Lock()
	if o.streams == nil {
		o.streams = map[string]string{}
	}
	o.streams[name] += text
	f := o.onStream
	o.mu.Unlock()
	if f != nil {
		f(name, text)
	}
}

func (o *fakeOutput) Display(d engine.Display) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.displays = append(o.displays, d)
}

func (o *fakeOutput) Clear(bool) {}

func (o *fakeOutput) Input(context.Context, string, bool) (string, error) {
	return "", engine.ErrNoStdin
}

func (o *fakeOutput) stream(name string) string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.streams[name]
}

// fakeHost records the sources it runs. A source that is a %timeit loop of
// k iterations "works" for k × perLoop.
type fakeHost struct {
	out     fakeOutput
	perLoop time.Duration
	result  *engine.Display
	err     *engine.Error
	vars    []Var
	resets  int
	onRun   func(n int) // called after the n-th run (1-based)

	mu      sync.Mutex
	sources []string
}

var loopCount = regexp.MustCompile(`__gopar_timeit_i < (\d+);`)

func (h *fakeHost) RunSource(ctx context.Context, src string) engine.ExecuteResult {
	h.mu.Lock()
	h.sources = append(h.sources, src)
	n := len(h.sources)
	h.mu.Unlock()
	if h.perLoop > 0 {
		k := 1
		if m := loopCount.FindStringSubmatch(src); m != nil {
			k, _ = strconv.Atoi(m[1])
		}
		time.Sleep(time.Duration(k) * h.perLoop)
	}
	if h.onRun != nil {
		h.onRun(n)
	}
	return engine.ExecuteResult{Result: h.result, Err: h.err}
}

func (h *fakeHost) Vars() []Var           { return h.vars }
func (h *fakeHost) Reset() error          { h.resets++; return nil }
func (h *fakeHost) Output() engine.Output { return &h.out }
func (h *fakeHost) Scope() complete.Scope { return stdScope{} }

func (h *fakeHost) runs() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return slices.Clone(h.sources)
}

// stdScope serves yaegi's standard library.
type stdScope struct{}

func (stdScope) Packages() map[string]string {
	return map[string]string{"strings": "strings", "sync": "sync", "fmt": "fmt"}
}

func (stdScope) Symbols(path string) map[string]reflect.Value {
	return stdlib.Symbols[path+"/"+path[strings.LastIndex(path, "/")+1:]]
}

func (stdScope) Globals() map[string]complete.Global {
	return map[string]complete.Global{"fib": {Kind: "func", Signature: "func fib(n int) int", Doc: "fib is slow."}}
}

func TestParse(t *testing.T) {
	tests := []struct {
		name, code string
		source     string
		magics     []Magic
		cell       *Magic
		err        string
	}{
		{
			name:   "line magics keep line numbers",
			code:   "x := 1\n%time f(x)\ny := 2\n  !ls -l\n%threads 2",
			source: "x := 1\n\ny := 2\n\n",
			magics: []Magic{{Line: 2, EndLine: 2, Name: "time", Args: "f(x)"}, {Line: 4, EndLine: 4, Name: "!", Args: "ls -l"}, {Line: 5, EndLine: 5, Name: "threads", Args: "2"}},
		},
		{
			name:   "cell magic",
			code:   "%%timeit -n 3\nfor i := 0; i < 10; i++ {\n}",
			source: "\nfor i := 0; i < 10; i++ {\n}",
			cell:   &Magic{Line: 1, EndLine: 1, Name: "timeit", Args: "-n 3", Cell: true},
		},
		{
			name:   "help lines",
			code:   "strings.Split?\n?fib\nfib??\n?? sync.WaitGroup",
			source: "\n\n\n",
			magics: []Magic{{1, 1, "?", "strings.Split", false}, {2, 2, "?", "fib", false}, {3, 3, "??", "fib", false}, {4, 4, "??", "sync.WaitGroup", false}},
		},
		{
			name:   "help on magics",
			code:   "%timeit?\n?%%time",
			source: "\n",
			magics: []Magic{{1, 1, "?", "%timeit", false}, {2, 2, "?", "%%time", false}},
		},
		{
			name:   "a shell line continued with a backslash",
			code:   "!echo one \\\ntwo\nx := 1",
			source: "\n\nx := 1",
			magics: []Magic{{Line: 1, EndLine: 2, Name: "!", Args: "echo one \\\ntwo"}},
		},
		{
			name:   "not magics inside code",
			code:   "s := `\n%time x\n`\nf(a,\n!b)\ny := a % b",
			source: "s := `\n%time x\n`\nf(a,\n!b)\ny := a % b",
		},
		{name: "no magic", code: "fmt.Println(1)", source: "fmt.Println(1)"},
		{name: "unknown magic", code: "x := 1\n%frobnicate 3", err: "line 2: unknown magic %frobnicate (known: %cd, %env, %go, %help, %lsmagic, %memlimit, %pwd, %reset, %threads, %time, %timeit, %who, %whos; cell magics: %%everywhere, %%native, %%time, %%timeit)"},
		{name: "unknown cell magic", code: "%%bash\nls", err: "unknown cell magic %%bash (known: %%everywhere, %%native, %%time, %%timeit)"},
		{name: "cell magic not first", code: "x := 1\n%%time\ny := 2", err: "line 2: cell magic %%time must be on the first line"},
		{name: "cell magic with line magic", code: "%%time\nx := 1\n!ls", err: "line 3: a %%time cell cannot hold other magics"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse(tt.code)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("Parse error = %v; want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.Source != tt.source {
				t.Errorf("Source = %q; want %q", c.Source, tt.source)
			}
			if strings.Count(c.Source, "\n") != strings.Count(tt.code, "\n") {
				t.Errorf("line count changed")
			}
			if !reflect.DeepEqual(c.Magics, tt.magics) {
				t.Errorf("Magics = %+v; want %+v", c.Magics, tt.magics)
			}
			if !reflect.DeepEqual(c.CellMagic, tt.cell) {
				t.Errorf("CellMagic = %+v; want %+v", c.CellMagic, tt.cell)
			}
		})
	}
}

func TestTime(t *testing.T) {
	result := &engine.Display{Data: engine.Bundle{"text/plain": "832040"}}
	h := &fakeHost{result: result, perLoop: 5 * time.Millisecond}
	res := Exec(context.Background(), Magic{Line: 3, Name: "time", Args: "fib(30)"}, h)
	if res.Err != nil || res.Result != result {
		t.Fatalf("result = %+v; want the expression's value", res)
	}
	if runs := h.runs(); len(runs) != 1 || runs[0] != "\n\nfib(30)" {
		t.Errorf("ran %q; want the code once, on line 3", runs)
	}
	if len(h.out.displays) != 1 {
		t.Fatalf("displays = %v", h.out.displays)
	}
	d := h.out.displays[0].Data
	plain, html := d["text/plain"].(string), d["text/html"].(string)
	if !regexp.MustCompile(`^  [0-9.]+ ms \(wall\), .* CPU \(\d+%\), .* allocations?: `).MatchString(plain) {
		t.Errorf("text/plain = %q", plain)
	}
	if !strings.Contains(html, "<table") || !strings.Contains(html, "wall") {
		t.Errorf("text/html = %q", html)
	}

	// A failing statement: its error, no timing.
	h = &fakeHost{err: engine.NewError(engine.Panic, "boom")}
	res = Exec(context.Background(), Magic{Line: 1, Name: "time", Args: "panic(\"boom\")"}, h)
	if res.Err == nil || res.Err.Value != "boom" || len(h.out.displays) != 0 {
		t.Errorf("failing %%time: %+v, displays %v", res, h.out.displays)
	}

	// %%time runs the body as given.
	h = &fakeHost{}
	body := "\nx := 1\nfmt.Println(x)"
	ExecCell(context.Background(), Magic{Line: 1, Name: "time", Cell: true}, body, h)
	if runs := h.runs(); len(runs) != 1 || runs[0] != body || len(h.out.displays) != 1 {
		t.Errorf("%%%%time ran %q, displays %d", runs, len(h.out.displays))
	}
}

func TestTimeitOptions(t *testing.T) {
	h := &fakeHost{}
	res := Exec(context.Background(), Magic{Line: 1, Name: "timeit", Args: "-n 10 -r 3 x + 1"}, h)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	runs := h.runs()
	if len(runs) != 3 {
		t.Fatalf("%d runs; want 3", len(runs))
	}
	want := "for __gopar_timeit_i := 0; __gopar_timeit_i < 10; __gopar_timeit_i++ { _ = x + 1\n}"
	if runs[0] != want {
		t.Errorf("source %q; want %q", runs[0], want)
	}
	d := h.out.displays[len(h.out.displays)-1].Data
	if plain := d["text/plain"].(string); !strings.Contains(plain, "per loop (mean ± std. dev. of 3 runs, 10 loops each)") ||
		!strings.Contains(plain, "min ") || !strings.Contains(plain, "median ") {
		t.Errorf("text/plain = %q", plain)
	}
	if html := d["text/html"].(string); !strings.Contains(html, "<table") || !strings.Contains(html, "median") {
		t.Errorf("text/html = %q", html)
	}

	for _, tt := range []struct{ args, want string }{
		{"-n 0 f()", "-n wants a positive number"},
		{"-x 3 f()", "unknown option -x"},
		{"", "needs Go code"},
	} {
		res := Exec(context.Background(), Magic{Line: 1, Name: "timeit", Args: tt.args}, &fakeHost{})
		if res.Err == nil || !strings.Contains(res.Err.Value, tt.want) {
			t.Errorf("%%timeit %s: %v; want %q", tt.args, res.Err, tt.want)
		}
	}
}

func TestTimeitSources(t *testing.T) {
	tests := []struct {
		code, want string
	}{
		{"f(1)", "{ f(1)\n}"},
		{"<-ch", "{ <-ch\n}"},
		{"x", "{ _ = x\n}"},
		{"s := make([]int, 100)", "{ s := make([]int, 100)\n}"},
	}
	for _, tt := range tests {
		h := &fakeHost{}
		Exec(context.Background(), Magic{Line: 2, Name: "timeit", Args: "-n 5 -r 1 " + tt.code}, h)
		runs := h.runs()
		if len(runs) != 1 || !strings.HasSuffix(runs[0], tt.want) || !strings.HasPrefix(runs[0], "\nfor ") {
			t.Errorf("%%timeit %s ran %q; want a loop on line 2 ending %q", tt.code, runs, tt.want)
		}
	}
	// A body with declarations cannot go in a loop: it runs k times.
	h := &fakeHost{}
	body := "\nfunc g() int { return 1 }\ng()"
	ExecCell(context.Background(), Magic{Line: 1, Name: "timeit", Args: "-n 4 -r 2", Cell: true}, body, h)
	if runs := h.runs(); len(runs) != 8 || runs[0] != body {
		t.Errorf("%%%%timeit with a func declaration ran %d times (%q); want 8 runs of the body", len(runs), runs)
	}
}

func TestTimeitCalibration(t *testing.T) {
	defer func(d time.Duration) { timeitTarget = d }(timeitTarget)
	timeitTarget = 20 * time.Millisecond
	h := &fakeHost{perLoop: 50 * time.Microsecond}
	res := Exec(context.Background(), Magic{Line: 1, Name: "timeit", Args: "work()"}, h)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	runs := h.runs()
	var counts []int
	for _, r := range runs {
		k, _ := strconv.Atoi(loopCount.FindStringSubmatch(r)[1])
		counts = append(counts, k)
	}
	last := counts[len(counts)-1]
	// Calibration grows the loop count, then 7 runs use the same count.
	if len(counts) < 8 || counts[0] != 1 || !slices.IsSorted(counts) || counts[len(counts)-7] != last {
		t.Errorf("loop counts %v; want growing from 1, then 7 equal", counts)
	}
	if time.Duration(last)*h.perLoop < timeitTarget {
		t.Errorf("final loop count %d: a run lasts less than the target", last)
	}
	plain := h.out.displays[len(h.out.displays)-1].Data["text/plain"].(string)
	if !strings.Contains(plain, fmt.Sprintf("of 7 runs, %d loops each", last)) {
		t.Errorf("text/plain = %q", plain)
	}
}

func TestAutoRepeat(t *testing.T) {
	for _, tt := range []struct {
		wall time.Duration
		want int
	}{{0, 7}, {200 * time.Millisecond, 7}, {2 * time.Second, 5}, {time.Minute, 3}} {
		if got := autoRepeat(tt.wall); got != tt.want {
			t.Errorf("autoRepeat(%v) = %d; want %d", tt.wall, got, tt.want)
		}
	}
}

func TestNextLoops(t *testing.T) {
	for _, tt := range []struct {
		k    int
		wall time.Duration
		want int
	}{
		{1, 0, 100},
		{1, time.Second, 2},
		{1, 100 * time.Millisecond, 5},
		{10, time.Millisecond, 1000},
		{100, 10 * time.Millisecond, 5000},
	} {
		if got := nextLoops(tt.k, tt.wall); got != tt.want {
			t.Errorf("nextLoops(%d, %v) = %d; want %d", tt.k, tt.wall, got, tt.want)
		}
	}
}

func TestTimeitProgress(t *testing.T) {
	defer func(a, e time.Duration) { progressAfter, progressEvery = a, e }(progressAfter, progressEvery)
	progressAfter, progressEvery = 0, 0
	h := &fakeHost{}
	Exec(context.Background(), Magic{Line: 1, Name: "timeit", Args: "-n 2 -r 3 f()"}, h)
	ds := h.out.displays
	if len(ds) != 3 {
		t.Fatalf("%d displays; want 2 progress lines (after runs 1 and 2) and the result", len(ds))
	}
	for i, d := range ds {
		if d.ID == "" || d.ID != ds[0].ID || d.Update != (i > 0) {
			t.Errorf("display %d: id %q update %v", i, d.ID, d.Update)
		}
	}
	if p := ds[1].Data["text/plain"].(string); !strings.Contains(p, "run 2 of 3") {
		t.Errorf("progress = %q", p)
	}
	if p := ds[2].Data["text/plain"].(string); !strings.Contains(p, "per loop") {
		t.Errorf("final update = %q", p)
	}

	// Rate limit: with a long interval, only the first progress line.
	progressEvery = time.Hour
	h = &fakeHost{}
	Exec(context.Background(), Magic{Line: 1, Name: "timeit", Args: "-n 2 -r 5 f()"}, h)
	if len(h.out.displays) != 2 {
		t.Errorf("%d displays; want 1 progress line and the result", len(h.out.displays))
	}
}

func TestTimeitInterrupt(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	h := &fakeHost{onRun: func(n int) {
		if n == 2 {
			cancel()
		}
	}}
	res := Exec(ctx, Magic{Line: 1, Name: "timeit", Args: "-n 1 -r 7 f()"}, h)
	if res.Err == nil || res.Err.Kind != engine.Interrupt {
		t.Errorf("result %+v; want Interrupt", res.Err)
	}
	if n := len(h.runs()); n != 2 {
		t.Errorf("%d runs after an interrupt at run 2", n)
	}
}

func TestThreads(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	defer parlib.SetDefaultThreads(parlib.DefaultThreads())
	h := &fakeHost{}
	if res := Exec(context.Background(), Magic{Name: "threads", Args: "1"}, h); res.Err != nil {
		t.Fatal(res.Err)
	}
	if runtime.GOMAXPROCS(0) != 1 || parlib.DefaultThreads() != 1 {
		t.Errorf("GOMAXPROCS %d, parlib %d; want 1, 1", runtime.GOMAXPROCS(0), parlib.DefaultThreads())
	}
	if s := h.out.stream("stdout"); !strings.Contains(s, "GOMAXPROCS = 1, parlib default threads = 1") {
		t.Errorf("output %q", s)
	}
	h = &fakeHost{}
	Exec(context.Background(), Magic{Name: "threads"}, h)
	if s := h.out.stream("stdout"); !strings.Contains(s, "GOMAXPROCS = 1") {
		t.Errorf("%%threads shows %q", s)
	}
	for _, bad := range []string{"0", "x", "100000"} {
		if res := Exec(context.Background(), Magic{Name: "threads", Args: bad}, &fakeHost{}); res.Err == nil {
			t.Errorf("%%threads %s: no error", bad)
		}
	}
}

// TestMemlimit checks that %memlimit sets and shows memguard's limit, and
// refuses sizes it cannot read.
func TestMemlimit(t *testing.T) {
	defer memguard.SetLimit(memguard.Limit())
	h := &fakeHost{}
	if res := Exec(context.Background(), Magic{Name: "memlimit", Args: "1.5G"}, h); res.Err != nil {
		t.Fatal(res.Err)
	}
	if memguard.Limit() != 3<<29 {
		t.Errorf("%%memlimit 1.5G set %d bytes", memguard.Limit())
	}
	if s := h.out.stream("stdout"); !strings.Contains(s, "memory limit: 1.5 GB") {
		t.Errorf("%%memlimit 1.5G shows %q", s)
	}
	for arg, want := range map[string]int64{"512M": 512 << 20, "2GiB": 2 << 30, "64kb": 64 << 10, "1000000000": 1000000000, "0": 0, "off": 0} {
		if res := Exec(context.Background(), Magic{Name: "memlimit", Args: arg}, &fakeHost{}); res.Err != nil || memguard.Limit() != want {
			t.Errorf("%%memlimit %s: limit %d (err %v), want %d", arg, memguard.Limit(), res.Err, want)
		}
	}
	h = &fakeHost{}
	Exec(context.Background(), Magic{Name: "memlimit", Args: "0"}, h)
	if s := h.out.stream("stdout"); !strings.Contains(s, "no memory limit") {
		t.Errorf("%%memlimit with no limit shows %q", s)
	}
	for _, bad := range []string{"lots", "-1G", "4Q", "1e30G"} {
		if res := Exec(context.Background(), Magic{Name: "memlimit", Args: bad}, &fakeHost{}); res.Err == nil || res.Err.Kind != engine.UsageError {
			t.Errorf("%%memlimit %s: %v, want a UsageError", bad, res.Err)
		}
	}
}

func TestEnv(t *testing.T) {
	t.Setenv("GOPAR_TEST_A", "1")
	for _, tt := range []struct{ args, env, out string }{
		{"GOPAR_TEST_A=hello world", "hello world", "env: GOPAR_TEST_A=hello world\n"},
		{"GOPAR_TEST_A two", "two", "env: GOPAR_TEST_A=two\n"},
		{"GOPAR_TEST_A", "two", "two\n"},
	} {
		h := &fakeHost{}
		if res := Exec(context.Background(), Magic{Name: "env", Args: tt.args}, h); res.Err != nil {
			t.Fatal(res.Err)
		}
		if os.Getenv("GOPAR_TEST_A") != tt.env || h.out.stream("stdout") != tt.out {
			t.Errorf("%%env %s: env %q, output %q", tt.args, os.Getenv("GOPAR_TEST_A"), h.out.stream("stdout"))
		}
	}
	h := &fakeHost{}
	Exec(context.Background(), Magic{Name: "env"}, h)
	if !strings.Contains(h.out.stream("stdout"), "GOPAR_TEST_A=two\n") {
		t.Errorf("%%env does not list GOPAR_TEST_A")
	}
	if res := Exec(context.Background(), Magic{Name: "env", Args: "GOPAR_TEST_UNSET_X"}, &fakeHost{}); res.Err == nil {
		t.Errorf("%%env of an unset variable: no error")
	}
}

func TestCd(t *testing.T) {
	wd, _ := os.Getwd()
	defer os.Chdir(wd)
	home := t.TempDir()
	t.Setenv("HOME", home)
	os.Mkdir(filepath.Join(home, "sub"), 0o755)
	h := &fakeHost{}
	if res := Exec(context.Background(), Magic{Name: "cd", Args: "~/sub"}, h); res.Err != nil {
		t.Fatal(res.Err)
	}
	now, _ := os.Getwd()
	want, _ := filepath.EvalSymlinks(filepath.Join(home, "sub"))
	if got, _ := filepath.EvalSymlinks(now); got != want || strings.TrimSpace(h.out.stream("stdout")) != now {
		t.Errorf("after %%cd ~/sub: wd %q, output %q; want %q", now, h.out.stream("stdout"), want)
	}
	h = &fakeHost{}
	Exec(context.Background(), Magic{Name: "pwd"}, h)
	if strings.TrimSpace(h.out.stream("stdout")) != now {
		t.Errorf("%%pwd = %q", h.out.stream("stdout"))
	}
	if res := Exec(context.Background(), Magic{Name: "cd", Args: "/no/such/dir"}, &fakeHost{}); res.Err == nil {
		t.Errorf("%%cd to a missing dir: no error")
	}
}

func TestWhoResetHelp(t *testing.T) {
	h := &fakeHost{vars: []Var{{"wg", "sync.WaitGroup", "{}"}, {"n", "int", "42"}}}
	Exec(context.Background(), Magic{Name: "who"}, h)
	if s := h.out.stream("stdout"); s != "n int\nwg sync.WaitGroup\n" {
		t.Errorf("%%who = %q", s)
	}
	Exec(context.Background(), Magic{Name: "whos"}, h)
	d := h.out.displays[0].Data
	if !strings.Contains(d["text/plain"].(string), "n         int             42") || !strings.Contains(d["text/html"].(string), "<td><code>sync.WaitGroup</code></td>") {
		t.Errorf("%%whos = %v", d)
	}
	h = &fakeHost{}
	Exec(context.Background(), Magic{Name: "who"}, h)
	if !strings.Contains(h.out.stream("stdout"), "No variables") {
		t.Errorf("%%who with no variables: %q", h.out.stream("stdout"))
	}

	Exec(context.Background(), Magic{Name: "reset"}, h)
	if h.resets != 1 || !strings.Contains(h.out.stream("stdout"), "reset") {
		t.Errorf("%%reset: %d resets, output %q", h.resets, h.out.stream("stdout"))
	}

	h = &fakeHost{}
	Exec(context.Background(), Magic{Name: "help"}, h)
	text := h.out.displays[0].Data["text/plain"].(string)
	for _, w := range []string{"%timeit [-n N] [-r R]", "%%time", "!cmd", "?name", "parlib.For(", "display.Display(v)",
		"stops the goroutines that earlier cells started", "%memlimit [SIZE]"} {
		if !strings.Contains(text, w) {
			t.Errorf("%%help lacks %q", w)
		}
	}
	if md := h.out.displays[0].Data["text/markdown"].(string); !strings.Contains(md, "```go") {
		t.Errorf("%%help has no markdown")
	}
}

func TestPageHelp(t *testing.T) {
	for _, tt := range []struct {
		m    Magic
		want string
	}{
		{Magic{Name: "?", Args: "strings.Split"}, "Split slices s into all substrings"},
		{Magic{Name: "?", Args: "fib"}, "fib is slow."},
		{Magic{Name: "??", Args: "sync.WaitGroup"}, "func (wg *WaitGroup) Done()"},
	} {
		res := Exec(context.Background(), tt.m, &fakeHost{})
		if len(res.Payloads) != 1 {
			t.Fatalf("%s%s: payloads %v", tt.m.Name, tt.m.Args, res.Payloads)
		}
		p := res.Payloads[0]
		data, _ := p["data"].(map[string]any)
		if p["source"] != "page" || p["start"] != 0 || !strings.Contains(fmt.Sprint(data["text/plain"]), tt.want) {
			t.Errorf("%s%s: payload %v; want text containing %q", tt.m.Name, tt.m.Args, p, tt.want)
		}
	}
	res := Exec(context.Background(), Magic{Name: "?", Args: "%timeit"}, &fakeHost{})
	if len(res.Payloads) != 1 || !strings.Contains(fmt.Sprint(res.Payloads[0]["data"]), "%timeit [-n N] [-r R]") {
		t.Errorf("%%timeit? = %v", res.Payloads)
	}
	h := &fakeHost{}
	res = Exec(context.Background(), Magic{Name: "?", Args: "nosuch"}, h)
	if len(res.Payloads) != 0 || !strings.Contains(h.out.stream("stderr"), "Object `nosuch` not found") {
		t.Errorf("?nosuch: %v, stderr %q", res, h.out.stream("stderr"))
	}
}

func TestShell(t *testing.T) {
	h := &fakeHost{}
	res := Exec(context.Background(), Magic{Name: "!", Args: "echo héllo; echo oops >&2; exit 3"}, h)
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	if h.out.stream("stdout") != "héllo\n" || h.out.stream("stderr") != "oops\n[exit status 3]\n" {
		t.Errorf("stdout %q, stderr %q", h.out.stream("stdout"), h.out.stream("stderr"))
	}
	h = &fakeHost{}
	Exec(context.Background(), Magic{Name: "!", Args: "true"}, h)
	if h.out.stream("stderr") != "" {
		t.Errorf("exit 0 shows %q", h.out.stream("stderr"))
	}
}

func TestShellStreamsAndInterrupts(t *testing.T) {
	// The first line arrives while the command still runs; the interrupt
	// then stops the command and its children (a background sleep in the
	// same process group) promptly.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	h := &fakeHost{}
	h.out.onStream = func(name, text string) {
		if strings.Contains(text, "first") {
			cancel()
		}
	}
	start := time.Now()
	res := Exec(ctx, Magic{Name: "!", Args: "echo first; sleep 30 & sleep 30; echo second"}, h)
	if res.Err == nil || res.Err.Kind != engine.Interrupt {
		t.Errorf("result %+v; want Interrupt", res.Err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("interrupt took %v", d)
	}
	if s := h.out.stream("stdout"); s != "first\n" {
		t.Errorf("stdout %q", s)
	}
}

func TestStreamWriterKeepsRunesWhole(t *testing.T) {
	var out fakeOutput
	var got []string
	out.onStream = func(_, text string) { got = append(got, text) }
	w := &streamWriter{out: &out, name: "stdout"}
	b := []byte("aé🎉b")
	for i := range b {
		w.Write(b[i : i+1])
	}
	w.flush()
	if strings.Join(got, "") != "aé🎉b" || !slices.Equal(got, []string{"a", "é", "🎉", "b"}) {
		t.Errorf("streamed %q", got)
	}
}

func TestTimeitLongRunsRepeatLess(t *testing.T) {
	defer func(a, b time.Duration) { timeitTarget, timeitBudget = a, b }(timeitTarget, timeitBudget)
	timeitTarget, timeitBudget = 20*time.Millisecond, 100*time.Millisecond
	h := &fakeHost{perLoop: 30 * time.Millisecond}
	Exec(context.Background(), Magic{Line: 1, Name: "timeit", Args: "slow()"}, h)
	if n := len(h.runs()); n != 3 {
		t.Errorf("%d runs; want 3 (the calibration run counts as the first)", n)
	}
	if p := h.out.displays[len(h.out.displays)-1].Data["text/plain"].(string); !strings.Contains(p, "of 3 runs, 1 loop each") {
		t.Errorf("text/plain = %q", p)
	}
}

// TestTable checks that parsing, %help, %lsmagic, ?%name and the errors
// about unknown magics all read the one table of magics.
func TestTable(t *testing.T) {
	h := &fakeHost{}
	Exec(context.Background(), Magic{Name: "help"}, h)
	helpText := h.out.displays[0].Data["text/plain"].(string)
	Exec(context.Background(), Magic{Name: "lsmagic"}, h)
	ls := h.out.stream("stdout")
	_, unknownLine := Parse("%nosuch")
	_, unknownCell := Parse("%%nosuch")
	unknownExec := Exec(context.Background(), Magic{Name: "nosuch"}, h).Err

	for _, s := range magics {
		for _, f := range []*form{s.line, s.cell} {
			if f != nil && !strings.Contains(helpText, "  "+f.describe()+"\n") {
				t.Errorf("%%help lacks %q", f.describe())
			}
		}
		if s.bare {
			continue
		}
		if s.line != nil {
			if _, err := Parse("%" + s.name + " x"); err != nil {
				t.Errorf("Parse(%%%s): %v", s.name, err)
			}
			for what, text := range map[string]string{"%lsmagic": ls, "Parse's error": unknownLine.Error(), "Exec's error": unknownExec.Value} {
				if !listed(text, "%"+s.name) {
					t.Errorf("%s does not list %%%s: %q", what, s.name, text)
				}
			}
			res := Exec(context.Background(), Magic{Name: "?", Args: "%" + s.name}, &fakeHost{})
			if len(res.Payloads) != 1 || !strings.Contains(fmt.Sprint(res.Payloads[0]["data"]), s.line.usage) {
				t.Errorf("?%%%s = %v", s.name, res.Payloads)
			}
		}
		if s.cell != nil {
			if _, err := Parse("%%" + s.name + "\nx"); err != nil {
				t.Errorf("Parse(%%%%%s): %v", s.name, err)
			}
			if !listed(ls, "%%"+s.name) || !listed(unknownCell.Error(), "%%"+s.name) {
				t.Errorf("%%lsmagic or the unknown cell magic error does not list %%%%%s: %q, %q", s.name, ls, unknownCell)
			}
			res := Exec(context.Background(), Magic{Name: "?", Args: "%%" + s.name}, &fakeHost{})
			if len(res.Payloads) != 1 || !strings.Contains(fmt.Sprint(res.Payloads[0]["data"]), s.cell.usage) {
				t.Errorf("?%%%%%s = %v", s.name, res.Payloads)
			}
		} else if _, err := Parse("%%" + s.name + "\nx"); err == nil {
			t.Errorf("Parse(%%%%%s) accepted a cell magic the table has not", s.name)
		}
	}
	if res := ExecCell(context.Background(), Magic{Name: "who", Cell: true}, "", h); res.Err == nil || !strings.Contains(res.Err.Value, "unknown cell magic %%who") {
		t.Errorf("ExecCell(%%%%who) = %+v; want unknown cell magic", res.Err)
	}
	if res := Exec(context.Background(), Magic{Name: "??", Args: "%time"}, &fakeHost{}); len(res.Payloads) != 1 {
		t.Errorf("??%%time = %v; want the help page", res.Payloads)
	}
}

// listed tells whether item stands in text as an item of a list.
func listed(text, item string) bool {
	return regexp.MustCompile(`(^|[\s(,:])` + regexp.QuoteMeta(item) + `([,;)\s]|$)`).MatchString(text)
}
