//go:build !race

package dist_test

// raceEnabled tells whether the race detector is on.
const raceEnabled = false
