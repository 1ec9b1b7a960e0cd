package parlib

import "time"

// ScalingPoint is one thread count of a scaling study.
type ScalingPoint struct {
	// Threads is the number of threads the function ran with.
	Threads int
	// Time is the best wall time over the runs at this thread count.
	Time time.Duration
	// Speedup is the time at the first thread count divided by Time,
	// scaled to that first count (so that 1 thread has speed-up 1).
	Speedup float64
	// Efficiency is Speedup divided by Threads.
	Efficiency float64
}

// ScalingResult is what Scaling returns: one point per thread count, and the
// serial fraction of Amdahl's law fitted to the speed-ups.
type ScalingResult struct {
	// Label names the experiment in tables and plots; may be empty.
	Label string
	// Points are in the order the thread counts were given.
	Points []ScalingPoint
	// SerialFraction is Amdahl's s in speedup(p) = 1 / (s + (1-s)/p),
	// fitted by least squares; 0 is perfectly parallel, 1 fully serial.
	SerialFraction float64
}
