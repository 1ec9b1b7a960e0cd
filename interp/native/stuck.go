package native

import (
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gopar/gopar/interp/native/nativert"
	"github.com/gopar/gopar/parlib"
)

// stderr is the process's standard error as the program started: the
// engine later replaces os.Stderr to capture cells' output.
var stderr = os.Stderr

// StuckExitStatus is the exit status of a process that ExitWhenStuck
// ended: Go's for a fatal error, so that a supervisor reads the line before
// it as a crash report.
const StuckExitStatus = 2

// ExitWhenStuck is for an engine process that a supervisor restarts (the
// child of engine/proc): when compiled code of a native cell still runs
// grace after an interrupt, which it ignores (a loop that never calls
// parlib.CheckCanceled or parlib.Canceled), the process ends with a line on its standard error
// that says so, in the form of the Go runtime's fatal errors, which the
// supervisor reports. The supervisor then starts the engine again and
// restores the cells' definitions, loading their plugins from the cache.
//
// Without it, an interrupt leaves such code running: the interrupted cell
// ends, and the next one waits for the code to return.
func ExitWhenStuck(grace time.Duration) {
	exitGrace.Store(int64(grace))
	watchStuck(grace, func(ignored time.Duration) {
		fmt.Fprintln(stderr, StuckMessage(ignored))
		os.Exit(StuckExitStatus)
	})
}

// exitGrace is the grace of ExitWhenStuck, 0 before it is called.
var exitGrace atomic.Int64

// Entered is a mark of the native calls entered so far, for
// AwaitInterrupted.
func Entered() uint64 { return nativert.Last() }

// AwaitInterrupted is for the engine's interrupted cell: when ExitWhenStuck
// watches the process, it waits until the native calls that had entered by
// mark (Entered at the interrupt) have ended, so that the cell answers
// only then: as interrupted when they end, or not at all when the watchdog
// ends the process first, so that the supervisor reports the crash as the
// interrupted cell's, not as that of a later cell that happens to run when
// the grace runs out. Otherwise it returns at once. It gives up a second
// after the grace, as the watchdog has acted by then.
func AwaitInterrupted(mark uint64) {
	grace := time.Duration(exitGrace.Load())
	if grace == 0 {
		return
	}
	deadline := time.Now().Add(grace + time.Second)
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	for time.Now().Before(deadline) {
		if o, busy := nativert.Oldest(); !busy || o > mark {
			return
		}
		<-t.C
	}
}

// StuckMessage is the line ExitWhenStuck writes.
func StuckMessage(ignored time.Duration) string {
	return fmt.Sprintf("fatal error: compiled code of a %%%%native cell ignored the interrupt for %v (a loop that never calls parlib.CheckCanceled() cannot be stopped): the engine is restarted",
		ignored.Round(100*time.Millisecond))
}

var watchOnce sync.Once

// watchStuck starts a watchdog, once per process: when parlib's context
// is cancelled (an interrupt) while a native call runs (nativert), and a
// call that had entered by then still runs grace later, it calls stuck
// with how long the call ignored the interrupt, and stops.
func watchStuck(grace time.Duration, stuck func(ignored time.Duration)) {
	watchOnce.Do(func() { go watch(grace, stuck) })
}

// poll is how often the watchdog reads parlib's context again (each cell
// sets one) while a native call runs.
const poll = 200 * time.Millisecond

func watch(grace time.Duration, stuck func(time.Duration)) {
	t := time.NewTimer(poll)
	wait := func() {
		t.Reset(poll)
		<-t.C
	}
	for {
		if _, busy := nativert.Oldest(); !busy {
			<-nativert.Started()
			continue
		}
		t.Reset(poll)
		select {
		case <-parlib.Context().Done():
		case <-t.C:
			continue
		}
		at, snapshot := time.Now(), nativert.Last()
		for {
			o, busy := nativert.Oldest()
			if !busy || o > snapshot {
				break // the calls that ran at the interrupt ended
			}
			if d := time.Since(at); d >= grace {
				stuck(d)
				return
			}
			wait()
		}
		// Watch again once a cell set a context that is not cancelled.
		for parlib.Context().Err() != nil {
			if _, busy := nativert.Oldest(); !busy {
				break
			}
			wait()
		}
	}
}
