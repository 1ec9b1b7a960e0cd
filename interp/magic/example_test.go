package magic_test

import (
	"fmt"

	"github.com/gopar/gopar/interp/magic"
)

func ExampleParse() {
	c, err := magic.Parse("n := 30\n%time fib(n)\n!echo done")
	if err != nil {
		panic(err)
	}
	fmt.Printf("%q\n", c.Source)
	for _, m := range c.Magics {
		fmt.Printf("line %d: %s %q\n", m.Line, m.Name, m.Args)
	}
	// Output:
	// "n := 30\n\n"
	// line 2: time "fib(n)"
	// line 3: ! "echo done"
}
