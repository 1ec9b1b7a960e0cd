package proc_test

import (
	"fmt"
	"os"

	"github.com/gopar/gopar/engine"
	"github.com/gopar/gopar/engine/proc"
)

// newGoEngine stands for interp.New: the Go engine, which calls locate
// before each top-level statement of a cell.
var newGoEngine func(locate func(where string)) (engine.Engine, error)

// goInfo stands for interp.Info: the engine's static description.
var goInfo engine.Info

// runKernel is "gopar kernel": the engine runs in a child process, which is
// this program run as "gopar engine".
func runKernel() int {
	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintln(os.Stderr, "gopar kernel:", err)
		return 1
	}
	eng := proc.Start(proc.Config{Command: []string{exe, "engine"}, Log: os.Stderr, Info: goInfo})
	defer eng.Close()
	// … kernel.Serve(ctx, kernel.Config{Engine: eng, …})
	return 0
}

// runEngine is "gopar engine", the child: it serves the kernel until the
// kernel closes it or dies.
func runEngine() int {
	ch, err := proc.NewChild()
	if err != nil {
		fmt.Fprintln(os.Stderr, "gopar engine:", err)
		return 1
	}
	eng, err := newGoEngine(ch.Locate)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gopar engine: starting the Go engine:", err)
		return 1
	}
	if err := ch.Serve(eng); err != nil {
		return 1
	}
	return 0
}

// The two ends of an engine process, as a program's main wires them.
func Example() {
	switch os.Args[1] {
	case "kernel":
		os.Exit(runKernel())
	case "engine":
		os.Exit(runEngine())
	}
}
