package nbrun

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/gopar/gopar/engine"
)

// fakeEngine runs a tiny command language, one command per line:
//
//	print T / eprint T   stdout / stderr text T plus newline
//	raw T                stdout text T with "\r" and "\n" escapes
//	html T / md T / png  display text/html, text/markdown, a 3x2 PNG
//	display ID T         display text/plain T with display_id ID
//	update ID T          update display ID to T
//	clear / clearwait    clear output now / when the next output comes
//	result T             execute_result text/plain T
//	fail NAME VALUE      error
//	page T               a "page" payload
//	block                wait for ctx, then fail with "interrupted"
//	hang                 ignore ctx until the test ends
type fakeEngine struct {
	reqs   []engine.ExecuteRequest
	hangCh chan struct{}
}

func (f *fakeEngine) Info() engine.Info {
	return engine.Info{Implementation: "fake", ImplementationVersion: "1.0",
		LanguageInfo: map[string]any{"name": "go", "version": "1.26", "mimetype": "text/x-go", "file_extension": ".go", "pygments_lexer": "go", "codemirror_mode": "go"}}
}

func tinyPNG() []byte {
	img := image.NewRGBA(image.Rect(0, 0, 3, 2))
	img.Set(1, 1, color.RGBA{255, 0, 0, 255})
	var b bytes.Buffer
	png.Encode(&b, img)
	return b.Bytes()
}

func (f *fakeEngine) Execute(ctx context.Context, req engine.ExecuteRequest, out engine.Output) engine.ExecuteResult {
	f.reqs = append(f.reqs, req)
	var res engine.ExecuteResult
	for _, line := range strings.Split(req.Code, "\n") {
		cmd, arg, _ := strings.Cut(strings.TrimSpace(line), " ")
		id, rest, _ := strings.Cut(arg, " ")
		switch cmd {
		case "print":
			out.Stream("stdout", arg+"\n")
		case "eprint":
			out.Stream("stderr", arg+"\n")
		case "raw":
			out.Stream("stdout", strings.NewReplacer(`\r`, "\r", `\n`, "\n").Replace(arg))
		case "html":
			out.Display(engine.Display{Data: engine.Bundle{"text/html": arg, "text/plain": "html"}})
		case "md":
			out.Display(engine.Display{Data: engine.Bundle{"text/markdown": arg, "text/plain": arg}})
		case "png":
			out.Display(engine.Display{Data: engine.Bundle{"image/png": base64.StdEncoding.EncodeToString(tinyPNG()), "text/plain": "<image>"}})
		case "display":
			out.Display(engine.Display{Data: engine.Bundle{"text/plain": rest}, ID: id})
		case "update":
			out.Display(engine.Display{Data: engine.Bundle{"text/plain": rest}, ID: id, Update: true})
		case "clear":
			out.Clear(false)
		case "clearwait":
			out.Clear(true)
		case "result":
			res.Result = &engine.Display{Data: engine.Bundle{"text/plain": arg}}
		case "fail":
			res.Err = engine.NewError(engine.Kind(id), rest, "\x1b[31m"+id+"\x1b[0m: "+rest)
			return res
		case "page":
			res.Payloads = append(res.Payloads, map[string]any{"source": "page", "data": map[string]any{"text/plain": arg}, "start": 0})
		case "block":
			<-ctx.Done()
			res.Err = engine.NewError(engine.Interrupt, ctx.Err().Error())
			return res
		case "hang":
			<-f.hangCh
		}
	}
	return res
}

func (f *fakeEngine) Complete(code string, cursor int) engine.Completion { return engine.Completion{} }
func (f *fakeEngine) Inspect(code string, cursor, detail int) engine.Inspection {
	return engine.Inspection{}
}
func (f *fakeEngine) IsComplete(code string) (string, string) { return engine.Complete, "" }
func (f *fakeEngine) Close() error                            { return nil }

// writeNB writes a notebook made of cells; a cell starting with "# " is
// markdown, others are code. It writes nbformat 4.4 without ids, with
// sources as plain strings, and with stale outputs, to check they go.
func writeNB(t *testing.T, cells ...string) string {
	t.Helper()
	var cs []map[string]any
	for _, c := range cells {
		if strings.HasPrefix(c, "# ") {
			cs = append(cs, map[string]any{"cell_type": "markdown", "metadata": map[string]any{}, "source": c})
			continue
		}
		meta := map[string]any{}
		if strings.HasPrefix(c, "!raises\n") {
			c = strings.TrimPrefix(c, "!raises\n")
			meta["tags"] = []string{"raises-exception"}
		}
		cs = append(cs, map[string]any{"cell_type": "code", "metadata": meta, "source": c, "execution_count": 99,
			"outputs": []any{map[string]any{"output_type": "stream", "name": "stdout", "text": []string{"stale\n"}}}})
	}
	nb := map[string]any{"cells": cs, "metadata": map[string]any{"custom": "kept"}, "nbformat": 4, "nbformat_minor": 4}
	b, _ := json.Marshal(nb)
	p := filepath.Join(t.TempDir(), "test.ipynb")
	if err := os.WriteFile(p, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// validate checks a notebook file with the nbformat Python package.
func validate(t *testing.T, path string) {
	t.Helper()
	py := "/usr/bin/python3"
	if out, err := exec.Command(py, "-c", "import nbformat").CombinedOutput(); err != nil {
		t.Fatalf("%s cannot import nbformat (%v: %s): install the Debian package python3-nbformat (it comes with jupyter-nbconvert)", py, err, out)
	}
	script := "import sys, nbformat\nnb = nbformat.read(sys.argv[1], as_version=nbformat.NO_CONVERT)\nnbformat.validate(nb)\nprint(nb.nbformat, nb.nbformat_minor)"
	out, err := exec.Command(py, "-c", script, path).CombinedOutput()
	if err != nil {
		t.Fatalf("nbformat rejects %s: %v\n%s", path, err, out)
	}
	if got := strings.TrimSpace(string(out)); got != "4 5" {
		t.Errorf("nbformat version %q, want 4 5", got)
	}
}

func run(t *testing.T, eng engine.Engine, opts Options) (*Notebook, error) {
	t.Helper()
	if opts.Output == "" {
		opts.Output = filepath.Join(t.TempDir(), "out.ipynb")
	}
	if opts.Kernel == (KernelSpec{}) {
		opts.Kernel = KernelSpec{Name: "gopar", DisplayName: "Go (gopar)"} // as gopar run passes it
	}
	err := Run(context.Background(), eng, opts)
	nb, rerr := ReadNotebook(opts.Output)
	if rerr != nil {
		t.Fatalf("reading the executed notebook: %v", rerr)
	}
	validate(t, opts.Output)
	return nb, err
}

func outputsOf(c *Cell) string {
	var parts []string
	for _, o := range c.Outputs {
		switch o.OutputType {
		case "stream":
			parts = append(parts, o.Name+":"+o.Text)
		case "error":
			parts = append(parts, "error:"+o.EName+":"+o.EValue)
		default:
			parts = append(parts, o.OutputType+":"+o.Data["text/plain"].(string))
		}
	}
	return strings.Join(parts, "|")
}

func TestRunOutputs(t *testing.T) {
	in := writeNB(t,
		"# Title\n\n| a | b |\n|---|---|\n| 1 | 2 |\n",
		"print hello\nprint world\neprint oops\nprint again",
		"",
		"html <b>bold</b>\npng\nresult 42",
		"display d1 first\nprint between",
		"update d1 second\nupdate nosuch x",
		"print a\nclearwait\nprint b",
		"print gone\nclear",
		"raw 10%\\r50%\\r100%\\ndone\\r\\n",
		"page doc of fmt.Println",
	)
	eng := &fakeEngine{}
	htmlOut := filepath.Join(t.TempDir(), "r.html")
	var log bytes.Buffer
	nb, err := run(t, eng, Options{Input: in, HTML: htmlOut, Log: &log})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	want := []string{
		"",
		"stdout:hello\nworld\n|stderr:oops\n|stdout:again\n",
		"",
		"display_data:html|display_data:<image>|execute_result:42",
		"display_data:second|stdout:between\n",
		"",
		"stdout:b\n",
		"",
		"stdout:100%\ndone\n",
		"display_data:doc of fmt.Println",
	}
	for i, c := range nb.Cells {
		if got := outputsOf(c); got != want[i] {
			t.Errorf("cell %d outputs = %q, want %q", i+1, got, want[i])
		}
	}
	// Execution counts: 1, 2, … for non-empty code cells; the empty one has none.
	counts := []int{0, 1, 0, 2, 3, 4, 5, 6, 7, 8}
	for i, c := range nb.Cells {
		got := 0
		if c.ExecutionCount != nil {
			got = *c.ExecutionCount
		}
		if got != counts[i] {
			t.Errorf("cell %d execution_count = %d, want %d", i+1, got, counts[i])
		}
	}
	if r := nb.Cells[3].Outputs[2]; r.ExecutionCount == nil || *r.ExecutionCount != 2 {
		t.Errorf("execute_result execution_count = %v, want 2", r.ExecutionCount)
	}
	if len(eng.reqs) != 8 || eng.reqs[1].ExecutionCount != 2 || !eng.reqs[0].StoreHistory {
		t.Errorf("requests = %+v", eng.reqs)
	}
	if ks, _ := nb.Metadata["kernelspec"].(map[string]any); ks["name"] != "gopar" || ks["language"] != "go" || ks["display_name"] != "Go (gopar)" {
		t.Errorf("kernelspec = %v", nb.Metadata["kernelspec"])
	}
	if li, _ := nb.Metadata["language_info"].(map[string]any); li["file_extension"] != ".go" {
		t.Errorf("language_info = %v", nb.Metadata["language_info"])
	}
	if nb.Metadata["custom"] != "kept" {
		t.Errorf("notebook metadata lost: %v", nb.Metadata)
	}
	if !strings.Contains(log.String(), "[9/9] cell 10 In [8]") {
		t.Errorf("log = %q", log.String())
	}

	page, err := os.ReadFile(htmlOut)
	if err != nil {
		t.Fatal(err)
	}
	s := string(page)
	for _, want := range []string{
		"<h1>Title</h1>", "<table>", "<td>1</td>",
		"<b>bold</b>",
		`<img alt="png image" src="data:image/png;base64,` + base64.StdEncoding.EncodeToString(tinyPNG()) + `"`,
		"Out[2]:", "In [1]:", "hello\nworld\n", "100%\ndone",
		`class="chroma"`, // highlighted code
	} {
		if !strings.Contains(s, want) {
			t.Errorf("HTML report lacks %q", want)
		}
	}
	for _, bad := range []string{"stale", "http://", "https://", "<script"} {
		if strings.Contains(s, bad) {
			t.Errorf("HTML report contains %q", bad)
		}
	}
}

// TestKernelspec checks which kernelspec an executed notebook records:
// its own when it names a Go kernel, else the one the options give, else
// whatever the notebook had.
func TestKernelspec(t *testing.T) {
	gopar := map[string]any{"name": "gopar", "display_name": "Go (gopar)", "language": "go"}
	dev := map[string]any{"name": "gopar-dev", "display_name": "Go dev", "language": "go"}
	devOpt := KernelSpec{Name: "gopar-dev", DisplayName: "Go dev"}
	goparOpt := KernelSpec{Name: "gopar", DisplayName: "Go (gopar)"}
	for _, tc := range []struct {
		name string
		meta string // the notebook's metadata
		opt  KernelSpec
		want map[string]any
	}{
		{"none", `{}`, KernelSpec{}, nil},
		{"none, default", `{}`, goparOpt, gopar},
		{"none, installed as", `{}`, devOpt, dev},
		{"name only", `{}`, KernelSpec{Name: "k"}, map[string]any{"name": "k", "display_name": "k", "language": "go"}},
		{"another Go kernel is kept", `{"kernelspec": {"name": "gonb", "display_name": "Go (gonb)", "language": "go", "env": {"A": "1"}}}`, devOpt,
			map[string]any{"name": "gonb", "display_name": "Go (gonb)", "language": "go", "env": map[string]any{"A": "1"}}},
		{"language Go", `{"kernelspec": {"name": "gopar", "display_name": "Go", "language": "Go"}}`, devOpt,
			map[string]any{"name": "gopar", "display_name": "Go", "language": "Go"}},
		{"Python is replaced", `{"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}}`, devOpt, dev},
		{"no language, language_info go", `{"kernelspec": {"name": "gophernotes", "display_name": "Go"}, "language_info": {"name": "go"}}`, KernelSpec{},
			map[string]any{"name": "gophernotes", "display_name": "Go"}},
		{"no language at all", `{"kernelspec": {"name": "x", "display_name": "X"}}`, goparOpt, gopar},
		{"no language at all, no option", `{"kernelspec": {"name": "x", "display_name": "X"}}`, KernelSpec{}, map[string]any{"name": "x", "display_name": "X"}},
		{"no name", `{"kernelspec": {"name": "", "display_name": "Go", "language": "go"}}`, devOpt, dev},
		{"not an object", `{"kernelspec": "gopar"}`, goparOpt, gopar},
	} {
		nb, err := ParseNotebook([]byte(`{"cells": [], "metadata": ` + tc.meta + `, "nbformat": 4, "nbformat_minor": 5}`))
		if err != nil {
			t.Fatal(err)
		}
		if err := Execute(context.Background(), &fakeEngine{}, nb, ExecOptions{Kernel: tc.opt}); err != nil {
			t.Fatal(err)
		}
		if got, _ := nb.Metadata["kernelspec"].(map[string]any); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: kernelspec = %v, want %v", tc.name, got, tc.want)
		}
	}
	// Run hands Options.Kernel to Execute.
	nb, err := run(t, &fakeEngine{}, Options{Input: writeNB(t, "print x"), Kernel: devOpt})
	if err != nil {
		t.Fatal(err)
	}
	if got := nb.Metadata["kernelspec"]; !reflect.DeepEqual(got, dev) {
		t.Errorf("Run: kernelspec = %v, want %v", got, dev)
	}
}

func TestRunError(t *testing.T) {
	in := writeNB(t,
		"print before",
		"!raises\nfail Expected this is fine",
		"\n  x := undefined()\nfail CompileError undefined: undefined",
		"print after",
	)
	out := filepath.Join(t.TempDir(), "o.ipynb")
	htmlOut := filepath.Join(t.TempDir(), "r.html")
	nb, err := run(t, &fakeEngine{}, Options{Input: in, Output: out, HTML: htmlOut})
	var ce *CellError
	if !errors.As(err, &ce) {
		t.Fatalf("Run error = %v, want a *CellError", err)
	}
	if ce.Index != 3 || ce.FirstLine != "x := undefined()" {
		t.Errorf("CellError = %+v", ce)
	}
	msg := err.Error()
	for _, w := range []string{"cell 3", "x := undefined()", "CompileError", "undefined: undefined"} {
		if !strings.Contains(msg, w) {
			t.Errorf("error %q lacks %q", msg, w)
		}
	}
	if got := outputsOf(nb.Cells[1]); got != "error:Expected:this is fine" {
		t.Errorf("raises-exception cell outputs = %q", got)
	}
	if got := outputsOf(nb.Cells[2]); got != "error:CompileError:undefined: undefined" {
		t.Errorf("failed cell outputs = %q", got)
	}
	if c := nb.Cells[3]; len(c.Outputs) != 0 || c.ExecutionCount != nil {
		t.Errorf("cell after the error was run or kept stale outputs: %+v", c)
	}
	page, _ := os.ReadFile(htmlOut)
	if !strings.Contains(string(page), "CompileError: undefined: undefined") || strings.Contains(string(page), "\x1b[") {
		t.Errorf("HTML report shows no clean error:\n%s", page)
	}

	// With AllowErrors the run goes on and succeeds.
	nb, err = run(t, &fakeEngine{}, Options{Input: in, AllowErrors: true})
	if err != nil {
		t.Fatalf("AllowErrors: %v", err)
	}
	if got := outputsOf(nb.Cells[3]); got != "stdout:after\n" {
		t.Errorf("AllowErrors: last cell outputs = %q", got)
	}
}

func TestRunTimeout(t *testing.T) {
	in := writeNB(t, "print start\nblock", "print after")
	start := time.Now()
	nb, err := run(t, &fakeEngine{}, Options{Input: in, Timeout: 50 * time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "timed out after 50ms") || !strings.Contains(err.Error(), "cell 1 (print start)") {
		t.Fatalf("Run error = %v, want a timeout naming cell 1", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("timeout took %v", d)
	}
	if got := outputsOf(nb.Cells[0]); !strings.HasPrefix(got, "stdout:start\n|error:Timeout:cell timed out after 50ms") {
		t.Errorf("outputs = %q", got)
	}
}

func TestEngineIgnoresCancel(t *testing.T) {
	eng := &fakeEngine{hangCh: make(chan struct{})}
	defer close(eng.hangCh)
	nb, err := ParseNotebook([]byte(`{"cells":[{"cell_type":"code","source":"hang","metadata":{},"outputs":[],"execution_count":null}],"metadata":{},"nbformat":4,"nbformat_minor":5}`))
	if err != nil {
		t.Fatal(err)
	}
	err = Execute(context.Background(), eng, nb, ExecOptions{Timeout: 20 * time.Millisecond, Grace: 20 * time.Millisecond})
	if err == nil || !strings.Contains(err.Error(), "did not stop") {
		t.Fatalf("err = %v", err)
	}
}

func TestCancelledContext(t *testing.T) {
	in := writeNB(t, "block", "print after")
	ctx, cancel := context.WithCancel(context.Background())
	eng := &fakeEngine{}
	done := make(chan error, 1)
	out := filepath.Join(t.TempDir(), "o.ipynb")
	go func() { done <- Run(ctx, eng, Options{Input: in, Output: out}) }()
	cancel()
	err := <-done
	// Cancelled before or during cell 1: either way the run fails.
	if err == nil || !(errors.Is(err, context.Canceled) || strings.Contains(err.Error(), "cell 1")) {
		t.Fatalf("err = %v", err)
	}
	if len(eng.reqs) > 1 {
		t.Errorf("ran %d cells after cancel", len(eng.reqs))
	}
}

func TestNotebookRoundTrip(t *testing.T) {
	src := `{
 "cells": [
  {"cell_type": "markdown", "id": "m1", "metadata": {}, "source": ["# A\n", "b"],
   "attachments": {"x.png": {"image/png": "iVBORw0KGgo="}}},
  {"cell_type": "code", "id": "c1", "metadata": {"tags": ["t"]}, "execution_count": 3, "source": "x",
   "outputs": [
    {"output_type": "execute_result", "execution_count": 3, "metadata": {},
     "data": {"text/plain": ["a\n", "b"], "application/json": {"k": [1, 2]}}},
    {"output_type": "error", "ename": "E", "evalue": "v", "traceback": ["t1", "t2"]}
   ]},
  {"cell_type": "raw", "metadata": {}, "source": ""}
 ],
 "metadata": {"kernelspec": {"name": "x", "display_name": "X"}},
 "nbformat": 4, "nbformat_minor": 5
}`
	nb, err := ParseNotebook([]byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if nb.Cells[0].Source != "# A\nb" || nb.Cells[1].Outputs[0].Data["text/plain"] != "a\nb" {
		t.Errorf("multi-line strings not joined: %q %q", nb.Cells[0].Source, nb.Cells[1].Outputs[0].Data["text/plain"])
	}
	nb.Upgrade()
	if nb.Cells[0].ID != "m1" || nb.Cells[2].ID == "" || !validID(nb.Cells[2].ID) {
		t.Errorf("ids: %q %q", nb.Cells[0].ID, nb.Cells[2].ID)
	}
	p := filepath.Join(t.TempDir(), "rt.ipynb")
	if err := nb.WriteFile(p); err != nil {
		t.Fatal(err)
	}
	validate(t, p)
	b, _ := os.ReadFile(p)
	for _, want := range []string{`"text/plain": [` + "\n" + `       "a\n",`, `"application/json": {`, `"attachments": {`, `"ename": "E"`} {
		if !strings.Contains(string(b), want) {
			t.Errorf("written notebook lacks %q:\n%s", want, b)
		}
	}
	nb2, err := ParseNotebook(b)
	if err != nil {
		t.Fatal(err)
	}
	b2, _ := nb2.Encode()
	if !bytes.Equal(b, b2) {
		t.Errorf("second round trip differs:\n%s\n---\n%s", b, b2)
	}

	for _, bad := range []string{`{"nbformat": 3, "cells": []}`, `{"nbformat": 4, "cells": [{"cell_type": "weird"}]}`, `[]`} {
		if _, err := ParseNotebook([]byte(bad)); err == nil {
			t.Errorf("ParseNotebook(%s) accepted", bad)
		}
	}
}

func TestDefaultOutput(t *testing.T) {
	if got := DefaultOutput("dir/a.b.ipynb"); got != "dir/a.b.out.ipynb" {
		t.Errorf("DefaultOutput = %q", got)
	}
}

func TestCollapseCR(t *testing.T) {
	for in, want := range map[string]string{
		"a\rb":          "b",
		"10%\r20%\r":    "20%",
		"x\r\ny\n":      "x\ny\n",
		"one\ntwo\rTWO": "one\nTWO",
		"plain":         "plain",
	} {
		if got := collapseCR(in); got != want {
			t.Errorf("collapseCR(%q) = %q, want %q", in, got, want)
		}
	}
}
