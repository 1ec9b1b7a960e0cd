package interp

import (
	"context"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gopar/gopar/engine"
)

// testOutput collects what a cell shows.
type testOutput struct {
	mu       sync.Mutex
	streams  []streamPart
	displays []engine.Display
	clears   int
	input    func(prompt string) (string, error)
	ready    chan struct{} // closed when marker is printed, if not nil
	marker   string        // what closes ready ("READY" if empty)
}

type streamPart struct{ name, text string }

func (o *testOutput) Stream(name, text string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	marker := o.marker
	if marker == "" {
		marker = "READY"
	}
	if o.ready != nil && strings.Contains(text, marker) {
		close(o.ready)
		o.ready = nil
	}
	if n := len(o.streams); n > 0 && o.streams[n-1].name == name {
		o.streams[n-1].text += text
		return
	}
	o.streams = append(o.streams, streamPart{name, text})
}

func (o *testOutput) Display(d engine.Display) {
	o.mu.Lock()
	o.displays = append(o.displays, d)
	o.mu.Unlock()
}

func (o *testOutput) Clear(bool) {
	o.mu.Lock()
	o.clears++
	o.mu.Unlock()
}

func (o *testOutput) Input(ctx context.Context, prompt string, password bool) (string, error) {
	if o.input == nil {
		return "", engine.ErrNoStdin
	}
	return o.input(prompt)
}

// text is everything written to stream name.
func (o *testOutput) text(name string) string {
	o.mu.Lock()
	defer o.mu.Unlock()
	var b strings.Builder
	for _, p := range o.streams {
		if p.name == name {
			b.WriteString(p.text)
		}
	}
	return b.String()
}

func newEngine(t *testing.T) *Engine {
	t.Helper()
	e, err := New(Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

// newEngineWith is newEngine with one more compiled package, native
// (import path gopar.test/native), holding the given symbols.
func newEngineWith(t *testing.T, native map[string]reflect.Value) *Engine {
	t.Helper()
	e, err := New(Options{Symbols: map[string]map[string]reflect.Value{"gopar.test/native/native": native}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.Close() })
	return e
}

var execCount int

// exec runs code and returns the result and output.
func exec(t *testing.T, e *Engine, code string) (engine.ExecuteResult, *testOutput) {
	t.Helper()
	out := &testOutput{}
	execCount++
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	res := e.Execute(ctx, engine.ExecuteRequest{Code: code, ExecutionCount: execCount}, out)
	return res, out
}

// resultText is the text/plain of a result ("" without one).
func resultText(r engine.ExecuteResult) string {
	if r.Result == nil {
		return ""
	}
	s, _ := r.Result.Data["text/plain"].(string)
	return s
}

// mustRun runs code, fails on error and returns the result text and stdout.
func mustRun(t *testing.T, e *Engine, code string) (string, string) {
	t.Helper()
	res, out := exec(t, e, code)
	if res.Err != nil {
		t.Fatalf("cell %q failed: %s\n%s\nstderr: %s", code, res.Err.Error(), res.Err.String(), out.text("stderr"))
	}
	return resultText(res), out.text("stdout")
}
