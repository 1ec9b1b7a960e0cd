//go:build !race

package parlib

const raceEnabled = false
