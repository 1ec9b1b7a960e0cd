package complete_test

import (
	"fmt"

	"github.com/gopar/gopar/interp/complete"
)

func ExampleIsComplete() {
	for _, code := range []string{
		"x := 1",
		"for i := 0; i < 3; i++ {",
		"s := `raw",
		"x := )",
		"%time fib(30)",
	} {
		status, indent := complete.IsComplete(code)
		fmt.Printf("%-26q %s %q\n", code, status, indent)
	}
	// Output:
	// "x := 1"                   complete ""
	// "for i := 0; i < 3; i++ {" incomplete "    "
	// "s := `raw"                incomplete ""
	// "x := )"                   invalid ""
	// "%time fib(30)"            complete ""
}
