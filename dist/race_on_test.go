//go:build race

package dist_test

// raceEnabled tells whether the race detector is on: the notebook test
// runs yaegi in the test process, and yaegi is not race-clean.
const raceEnabled = true
