package interp

import (
	"context"
	"testing"

	"github.com/gopar/gopar/engine"
)

// TestDisplay checks that display functions called by a cell reach the
// cell's Output as display_data, and rich results come with MIME types.
func TestDisplay(t *testing.T) {
	e := newEngine(t)
	r0, out := exec(t, e, `display.HTML("<b>hi</b>")
display.Markdown("# T")
display.Clear(true)`)
	if len(out.displays) != 2 || out.displays[0].Data["text/html"] != "<b>hi</b>" || out.clears != 1 {
		t.Fatalf("displays %+v clears %d err %v", out.displays, out.clears, r0.Err)
	}
	res, _ := exec(t, e, "p := plot.New()\np.Add(plotter.NewGrid())\np")
	if res.Err != nil || res.Result == nil || res.Result.Data["image/png"] == nil {
		t.Fatalf("plot result: %+v %v", res.Result, res.Err)
	}
}

// TestRichResult checks that a cell-defined type with display methods is
// rendered with its MIME types, and a Stringer with its String method.
func TestRichResult(t *testing.T) {
	e := newEngine(t)
	res, _ := exec(t, e, "type Badge struct{ S string }\nfunc (b Badge) HTML() string { return \"<i>\" + b.S + \"</i>\" }\nfunc (b Badge) String() string { return \"badge \" + b.S }\nBadge{\"x\"}")
	if res.Err != nil || res.Result == nil {
		t.Fatalf("%+v", res.Err)
	}
	if res.Result.Data["text/html"] != "<i>x</i>" || res.Result.Data["text/plain"] != "badge x" {
		t.Fatalf("bundle %+v", res.Result.Data)
	}
}

// TestSilentAndUserExpressions checks the request flags.
func TestSilentAndUserExpressions(t *testing.T) {
	e := newEngine(t)
	out := &testOutput{}
	res := e.Execute(context.Background(), engine.ExecuteRequest{Code: "z := 3\nz * 2", Silent: true,
		UserExpressions: map[string]string{"double": "z*2", "bad": "nope"}}, out)
	if res.Err != nil || res.Result != nil {
		t.Fatalf("silent cell: %+v %v", res.Result, res.Err)
	}
	ok, _ := res.UserExpressions["double"].(map[string]any)
	if ok["status"] != "ok" || ok["data"].(engine.Bundle)["text/plain"] != "6" {
		t.Fatalf("user expression: %+v", res.UserExpressions["double"])
	}
	if bad, _ := res.UserExpressions["bad"].(map[string]any); bad["status"] != "error" {
		t.Fatalf("bad user expression: %+v", res.UserExpressions["bad"])
	}
}
