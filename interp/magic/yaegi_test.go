package magic

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/gopar/gopar/engine"
	"github.com/traefik/yaegi/interp"
	"github.com/traefik/yaegi/stdlib"
)

// yaegiHost runs sources in a real interpreter, to check that the code
// magics generate is Go that yaegi runs.
type yaegiHost struct {
	fakeHost
	i *interp.Interpreter
}

func (h *yaegiHost) RunSource(ctx context.Context, src string) engine.ExecuteResult {
	h.fakeHost.RunSource(ctx, src) // record
	v, err := h.i.EvalWithContext(ctx, src)
	if err != nil {
		return engine.ExecuteResult{Err: engine.NewError(engine.OtherError, err.Error())}
	}
	if v.IsValid() && !strings.HasPrefix(strings.TrimSpace(src), "for ") {
		return engine.ExecuteResult{Result: &engine.Display{Data: engine.Bundle{"text/plain": fmt.Sprint(v)}}}
	}
	return engine.ExecuteResult{}
}

func TestMagicsOnYaegi(t *testing.T) {
	i := interp.New(interp.Options{})
	if err := i.Use(stdlib.Symbols); err != nil {
		t.Fatal(err)
	}
	if _, err := i.Eval("import \"strings\"\nvar n = 0\nfunc fib(n int) int { if n < 2 { return n }; return fib(n-1) + fib(n-2) }"); err != nil {
		t.Fatal(err)
	}
	h := &yaegiHost{i: i}
	ctx := context.Background()

	res := Exec(ctx, Magic{Line: 2, Name: "time", Args: "fib(15)"}, h)
	if res.Err != nil || res.Result == nil || res.Result.Data["text/plain"] != "610" {
		t.Errorf("%%time fib(15) = %+v", res)
	}
	for _, code := range []string{`strings.Split("a,b", ",")`, "n++", "n + 1", "s := make([]int, 10)"} {
		res = Exec(ctx, Magic{Line: 1, Name: "timeit", Args: "-n 50 -r 2 " + code}, h)
		if res.Err != nil {
			t.Errorf("%%timeit %s: %v", code, res.Err)
		}
	}
	if v, _ := i.Eval("n"); v.Int() != 100 {
		t.Errorf("n = %v after %%timeit -n 50 -r 2 n++; want 100", v)
	}
	res = ExecCell(ctx, Magic{Line: 1, Name: "timeit", Args: "-n 3 -r 1", Cell: true}, "\nx := fib(5)\nn += x", h)
	if v, _ := i.Eval("n"); res.Err != nil || v.Int() != 115 {
		t.Errorf("%%%%timeit: %v, n = %v; want 115", res.Err, v)
	}
}
