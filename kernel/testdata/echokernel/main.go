// Command echokernel is a Jupyter kernel around kerneltest.Engine, the toy
// engine of package kernel's tests: package kernel with an engine that does
// next to nothing. ../clientcheck.py and ../conformance.py check package
// kernel with it against real Jupyter clients, and the latency bench
// (bench/kernel_latency.py --floor) times it as the floor that no engine can
// go below. Its cells are lines of commands such as "out:TEXT" or
// "result:TEXT"; package kerneltest documents them all.
//
// Usage:
//
//	echokernel CONNECTION_FILE
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/gopar/gopar/kernel"
	"github.com/gopar/gopar/kernel/kerneltest"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: echokernel CONNECTION_FILE")
		os.Exit(2)
	}
	cfg := kernel.Config{ConnectionFile: os.Args[1], Engine: &kerneltest.Engine{}, Log: os.Stderr,
		ParentPID: kernel.ParentPIDFromEnv()}
	if err := kernel.Serve(context.Background(), cfg); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
