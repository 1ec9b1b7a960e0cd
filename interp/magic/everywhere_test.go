package magic

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/gopar/gopar/engine"
)

func TestEverywhere(t *testing.T) {
	var sent []string
	fail := error(nil)
	defer func(f func(context.Context, string) error) { toWorkers = f }(toWorkers)
	toWorkers = func(_ context.Context, src string) error {
		sent = append(sent, src)
		return fail
	}
	run := func(h *fakeHost, code string) engine.ExecuteResult {
		c, err := Parse(code)
		if err != nil {
			t.Fatal(err)
		}
		if c.CellMagic == nil || c.CellMagic.Name != "everywhere" {
			t.Fatalf("Parse(%q): no %%%%everywhere cell magic: %+v", code, c)
		}
		return ExecCell(context.Background(), *c.CellMagic, c.Source, h)
	}

	// The cell runs here, then goes to the workers, line numbers kept.
	h := &fakeHost{}
	res := run(h, "%%everywhere\nfunc test(n int) int { return n }")
	if res.Err != nil {
		t.Fatal(res.Err)
	}
	want := "\nfunc test(n int) int { return n }"
	if runs := h.runs(); len(runs) != 1 || runs[0] != want {
		t.Errorf("ran here: %q, want %q", runs, want)
	}
	if len(sent) != 1 || sent[0] != want {
		t.Errorf("sent to workers: %q, want %q", sent, want)
	}

	// A cell that fails here is not sent.
	h = &fakeHost{err: engine.NewError(engine.CompileError, "undefined: x")}
	if res := run(h, "%%everywhere\nx"); res.Err == nil || len(sent) != 1 {
		t.Errorf("a failing cell: %v; sent %d cells", res.Err, len(sent))
	}

	// A failure on a worker fails the cell, with the worker's words.
	fail = errors.New("worker 3: undefined: y")
	res = run(&fakeHost{}, "%%everywhere\ny := 1")
	if res.Err == nil || !strings.Contains(res.Err.Value, "worker 3: undefined: y") {
		t.Errorf("a worker's failure: %v", res.Err)
	}
	if res := run(&fakeHost{}, "%%everywhere now\n1"); res.Err == nil || res.Err.Kind != engine.UsageError {
		t.Errorf("%%%%everywhere with arguments: %v", res.Err)
	}
}
