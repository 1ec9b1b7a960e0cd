// Package memguard sets process-wide memory and stack limits for gopar's
// engine process, so that a cell that allocates without bound or recurses
// without end ends that process with one clear line on stderr, instead of
// dragging the machine into swap or waiting for the system's out-of-memory
// killer (which may pick another process).
//
// The engine process (see package engine/proc) calls, at start-up:
//
//	memguard.SetMaxStack()
//	memguard.Start(limit) // limit from the kernel, or DefaultLimit()
//
// and a magic command may later change the limit with SetLimit.
//
// The watchdog polls the process's resident set size (RSS: the physical
// memory it uses, which is what the system runs out of) every Interval;
// when the RSS exceeds the limit it writes
//
//	gopar: out of memory: the engine used 12.3 GB, over its limit of 12.0 GB (change it with %memlimit)
//
// to the process's standard error and exits with status ExitStatus.
package memguard

import (
	"fmt"
	"math"
	"os"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
)

// ExitStatus is the exit status of a process the watchdog ended. It is
// distinctive (neither Go's 2 for a fatal error nor 128+n for a signal) so
// that a supervisor can tell this death from others.
const ExitStatus = 86

// MessagePrefix starts the line the watchdog writes before it ends the
// process.
const MessagePrefix = "gopar: out of memory: "

// Interval is how often the watchdog reads the RSS. A cell that allocates
// fast can exceed the limit by what it allocates in this time (a few hundred
// MB at most); reading /proc/self/statm costs a few microseconds, so the
// polling itself is negligible.
const Interval = 50 * time.Millisecond

// MaxStack is the maximum size of one goroutine's stack that SetMaxStack
// sets: 256 MB instead of Go's default of 1 GB on 64-bit systems.
//
// Runaway recursion fills the stack until the limit; since a stack grows by
// copying into one twice as large, reaching 1 GB touches up to 1.5 GB and
// takes seconds, and on a machine with a memory limit the watchdog would
// end the process first with a misleading "out of memory". With 256 MB
// runaway recursion ends in a fraction of a second as "goroutine stack
// exceeds 268435456-byte limit", while legitimate deep recursion still fits:
// about a million frames of a typical compiled function, or tens of
// thousands of levels of interpreted calls (each uses a few KB of Go stack).
const MaxStack = 256 << 20

// DefaultShare is the share of the machine's memory (or of the cgroup's
// limit, when lower) that DefaultLimit gives the engine: the rest is left
// for the kernel process, Jupyter, the system and other programs.
const DefaultShare = 0.75

// softShare is the share of the limit passed to debug.SetMemoryLimit: the
// garbage collector starts to work harder before the RSS (which also counts
// memory not managed by Go, and freed pages not yet returned to the system)
// reaches the limit.
const softShare = 0.9

var (
	limit     atomic.Int64
	startOnce sync.Once
	// stderr is the process's standard error as it was when the program
	// started, before an engine swaps os.Stderr for a pipe to capture a
	// cell's output.
	stderr = os.Stderr
)

// SetMaxStack sets the maximum goroutine stack size to MaxStack and returns
// the previous setting.
func SetMaxStack() (previous int) {
	return debug.SetMaxStack(MaxStack)
}

// SetLimit sets the memory limit in bytes; zero or less means no limit. It
// also sets the Go runtime's soft memory limit (debug.SetMemoryLimit) to 90%
// of it, so that the garbage collector works harder near the limit. The
// watchdog, once started, enforces the new limit at its next reading.
func SetLimit(bytes int64) {
	if bytes <= 0 {
		limit.Store(0)
		debug.SetMemoryLimit(math.MaxInt64)
		return
	}
	limit.Store(bytes)
	debug.SetMemoryLimit(int64(float64(bytes) * softShare))
}

// Limit returns the memory limit in bytes; zero means none.
func Limit() int64 { return limit.Load() }

// Start sets the limit (as SetLimit) and starts the watchdog, once per
// process; later calls only set the limit.
func Start(bytes int64) {
	SetLimit(bytes)
	startOnce.Do(func() { go watch() })
}

// DefaultLimit returns DefaultShare of the memory available to the process:
// the machine's RAM, or the cgroup's memory limit when one is set and lower.
// It returns 0 (no limit) when neither can be read (on systems other than
// Linux).
func DefaultLimit() int64 {
	total := availableMemory()
	if total <= 0 {
		return 0
	}
	return int64(float64(total) * DefaultShare)
}

// watch polls the RSS and ends the process when it exceeds the limit.
func watch() {
	r := newRSSReader()
	t := time.NewTicker(Interval)
	defer t.Stop()
	for range t.C {
		lim := limit.Load()
		if lim <= 0 {
			continue
		}
		rss, err := r.read()
		if err != nil || rss <= lim {
			continue
		}
		// Read the limit again: a %memlimit may have raised it meanwhile.
		if lim = limit.Load(); lim > 0 && rss > lim {
			stderr.WriteString(Message(rss, lim) + "\n")
			os.Exit(ExitStatus)
		}
	}
}

// Message is the line the watchdog writes when the engine used rss bytes,
// over its limit of lim bytes.
func Message(rss, lim int64) string {
	return fmt.Sprintf("%sthe engine used %s, over its limit of %s (change it with %%memlimit)",
		MessagePrefix, FormatBytes(rss), FormatBytes(lim))
}

// FormatBytes writes n bytes with one decimal in the largest unit that
// keeps it at 1 or more: "12.3 GB", "512.0 MB", "16.0 KB", "12 bytes". The
// units are binary (1 GB = 2³⁰ bytes).
func FormatBytes(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// RSS returns the process's resident set size in bytes. On Linux it is read
// from /proc/self/statm; elsewhere it is the memory the Go runtime holds
// from the system, less what it returned (an approximation that misses
// memory allocated outside Go).
func RSS() (int64, error) {
	return newRSSReader().read()
}
