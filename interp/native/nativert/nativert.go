// Package nativert is the part of gopar that compiled native cells and the
// engine share at run time: native cells' functions, called from
// interpreted code, tell it when they run (Enter), so that the engine can
// tell compiled code that ignores an interrupt (Watch). Plugins import it,
// so it holds only what they need.
package nativert

import (
	"sync"
	"time"

	"github.com/gopar/gopar/parlib"
)

var (
	mu     sync.Mutex
	seq    uint64              // the number of the last call that entered
	active = map[uint64]bool{} // calls in progress
	wake   = make(chan struct{}, 1)
)

// Enter marks the start of a call of a native cell's function from
// interpreted code; calling the function it returns marks its end:
//
//	defer nativert.Enter()()
func Enter() (exit func()) {
	mu.Lock()
	seq++
	id := seq
	active[id] = true
	first := len(active) == 1
	mu.Unlock()
	if first {
		select {
		case wake <- struct{}{}:
		default:
		}
	}
	return func() {
		mu.Lock()
		delete(active, id)
		mu.Unlock()
	}
}

// Running is the number of native calls in progress.
func Running() int {
	mu.Lock()
	defer mu.Unlock()
	return len(active)
}

// oldest is the number of the oldest call in progress, and whether there
// is one.
func oldest() (uint64, bool) {
	mu.Lock()
	defer mu.Unlock()
	var o uint64
	for id := range active {
		if o == 0 || id < o {
			o = id
		}
	}
	return o, o != 0
}

// last is the number of the last call that entered.
func last() uint64 {
	mu.Lock()
	defer mu.Unlock()
	return seq
}

var watchOnce sync.Once

// Watch starts a watchdog, once per process: when parlib's context is
// cancelled (an interrupt) while a native call runs, and a call that had
// entered by then still runs grace later, it calls stuck with how long the
// call ignored the interrupt. Compiled code cannot be stopped from outside:
// stuck is for a process that a supervisor restarts (it ends the process).
func Watch(grace time.Duration, stuck func(ignored time.Duration)) {
	watchOnce.Do(func() { go watch(grace, stuck) })
}

// poll is how often the watchdog reads parlib's context again (a cell may
// set another) while a native call runs.
const poll = 200 * time.Millisecond

func watch(grace time.Duration, stuck func(time.Duration)) {
	t := time.NewTimer(poll)
	for {
		if _, busy := oldest(); !busy {
			<-wake
			continue
		}
		t.Reset(poll)
		select {
		case <-parlib.Context().Done():
		case <-t.C:
			continue
		}
		at, snapshot := time.Now(), last()
		for {
			o, busy := oldest()
			if !busy || o > snapshot {
				break // the calls running at the interrupt ended
			}
			if d := time.Since(at); d >= grace {
				stuck(d)
				return
			}
			t.Reset(poll)
			<-t.C
		}
		// Wait for a context that is not cancelled before watching again.
		for parlib.Context().Err() != nil {
			if _, busy := oldest(); !busy {
				break
			}
			t.Reset(poll)
			<-t.C
		}
	}
}
