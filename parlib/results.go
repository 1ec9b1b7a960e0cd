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

// TimeResult is what Time measures of one call, like Julia's @time.
type TimeResult struct {
	// Wall is the elapsed real time.
	Wall time.Duration
	// User and Sys are the CPU time of the whole process in user and
	// kernel mode during the call (all threads).
	User, Sys time.Duration
	// Allocs and Bytes are the heap allocations (count and bytes) made
	// during the call.
	Allocs, Bytes uint64
	// GCs is the number of garbage collections completed during the call,
	// and GCPause their total stop-the-world pause.
	GCs     uint32
	GCPause time.Duration
}

// BenchResult is what Bench measures over repeated calls, like
// BenchmarkTools' @btime or IPython's %timeit.
type BenchResult struct {
	// Label names the benchmark in tables; may be empty.
	Label string
	// Runs is the number of timed calls.
	Runs int
	// Min, Median, Mean and Std summarise the per-call wall times.
	Min, Median, Mean, Std time.Duration
	// Allocs and Bytes are heap allocations per call (mean).
	Allocs, Bytes uint64
}

// ProgressFunc receives progress of long runs (Scaling, Bench): done of total
// steps of the run named label. It must return quickly.
type ProgressFunc func(label string, done, total int)
