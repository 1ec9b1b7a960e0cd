package display_test

import (
	"fmt"

	"github.com/gopar/gopar/display"
	"github.com/gopar/gopar/engine"
)

// printSink prints what display sends, as a frontend would receive it.
type printSink struct{}

func (printSink) Display(d engine.Display) {
	kind := "display_data"
	if d.Update {
		kind = "update_display_data"
	}
	fmt.Printf("%s %q\n", kind, d.Data["text/plain"])
}

func (printSink) Clear(wait bool) { fmt.Println("clear_output wait:", wait) }

func ExampleDisplay() {
	display.SetSink(printSink{})
	defer display.SetSink(nil)

	h := display.Display(display.HTMLText("<b>step 1</b>"))
	h.Update(display.HTMLText("<b>step 2</b>"))
	display.Clear(true)
	// Output:
	// display_data "step 1"
	// update_display_data "step 2"
	// clear_output wait: true
}

func ExampleRender() {
	for _, v := range []any{"hi", 42, struct{ X, Y int }{1, 2}, []string{"a", "b"}} {
		b, _ := display.Render(v)
		fmt.Println(b["text/plain"])
	}
	// Output:
	// "hi"
	// 42
	// {X:1 Y:2}
	// ["a" "b"]
}
