// Command parlibseries times parlib.SlowSeries in a compiled Go program:
// the reference side of bench/parlib_overhead.py, which times the same call
// inside a gopar cell.
//
//	parlibseries N THREADS
//
// It prints the seconds one call of parlib.SlowSeries(N, THREADS) took,
// timed around the call as a cell times it, and its result.
package main

import (
	"fmt"
	"os"
	"strconv"
	"time"

	"github.com/gopar/gopar/parlib"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: parlibseries N THREADS")
		os.Exit(2)
	}
	n, err1 := strconv.ParseFloat(os.Args[1], 64)
	threads, err2 := strconv.Atoi(os.Args[2])
	if err1 != nil || err2 != nil {
		fmt.Fprintln(os.Stderr, "parlibseries: N and THREADS must be numbers")
		os.Exit(2)
	}
	t0 := time.Now()
	s := parlib.SlowSeries(int(n), threads)
	fmt.Println(time.Since(t0).Seconds(), s)
}
