package magic

import (
	"context"
	"strings"
	"testing"

	"github.com/gopar/gopar/engine"
)

// nativeHost is a fakeHost that compiles natively: it records what it was
// asked.
type nativeHost struct {
	fakeHost
	native []string // bodies of %%native cells
	gos    []string // %go arguments
}

func (h *nativeHost) RunNative(_ context.Context, m Magic, body string) engine.ExecuteResult {
	h.native = append(h.native, body)
	return engine.ExecuteResult{Restore: "%%" + m.Name + body}
}

func (h *nativeHost) GoCommand(_ context.Context, args string) engine.ExecuteResult {
	h.gos = append(h.gos, args)
	return engine.ExecuteResult{}
}

func TestNativeCellGoesToTheNativeHost(t *testing.T) {
	c, err := Parse("%%native\nfunc f() int { return 1 }")
	if err != nil || c.CellMagic == nil || c.CellMagic.Name != "native" {
		t.Fatalf("Parse: %+v, %v; want the %%%%native cell magic", c.CellMagic, err)
	}
	h := &nativeHost{}
	ExecCell(context.Background(), *c.CellMagic, c.Source, h)
	if len(h.native) != 1 || h.native[0] != "\nfunc f() int { return 1 }" || len(h.runs()) != 0 {
		t.Errorf("native %q, interpreted %q; want the body compiled natively", h.native, h.runs())
	}
}

func TestNativeCellTakesNoArguments(t *testing.T) {
	h := &nativeHost{}
	res := ExecCell(context.Background(), Magic{Name: "native", Cell: true, Line: 1, Args: "-O3"}, "\nfunc f() {}", h)
	if res.Err == nil || res.Err.Kind != engine.UsageError || !strings.Contains(res.Err.Value, "%%native takes no arguments") || len(h.native) != 0 {
		t.Errorf("%%%%native -O3: %+v; want a usage error", res.Err)
	}
}

func TestNativeCellRunsInterpretedWithoutNativeHost(t *testing.T) {
	h := &fakeHost{}
	ExecCell(context.Background(), Magic{Name: "native", Cell: true, Line: 1}, "\nfunc f() int { return 1 }", h)
	if runs := h.runs(); len(runs) != 1 || runs[0] != "\nfunc f() int { return 1 }" {
		t.Errorf("runs %q; want the body run interpreted", runs)
	}
}

func TestGoMagic(t *testing.T) {
	h := &nativeHost{}
	if res := Exec(context.Background(), Magic{Name: "go", Args: "get github.com/montanaflynn/stats@v0.14.0"}, h); res.Err != nil || len(h.gos) != 1 || h.gos[0] != "get github.com/montanaflynn/stats@v0.14.0" {
		t.Errorf("%%go get: %v, host got %q", res.Err, h.gos)
	}
	for _, args := range []string{"", "get", "build ./...", "list -m all"} {
		if res := Exec(context.Background(), Magic{Name: "go", Args: args}, h); res.Err == nil || res.Err.Kind != engine.UsageError || !strings.Contains(res.Err.Value, "%go get MODULE") {
			t.Errorf("%%go %s: %v; want the usage", args, res.Err)
		}
	}
	if res := Exec(context.Background(), Magic{Name: "go", Args: "get x"}, &fakeHost{}); res.Err == nil || res.Err.Kind != engine.UsageError {
		t.Errorf("%%go get without a native host: %v; want a usage error", res.Err)
	}
}
