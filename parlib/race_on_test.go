//go:build race

package parlib

// raceEnabled is true when the tests run under the race detector, which
// makes the kernels ~10x slower: the big sizes are skipped then.
const raceEnabled = true
