// Package nativert is the part of gopar that compiled native cells and the
// engine share at run time: native cells' functions, called from
// interpreted code, tell it when they run (Enter), so that the engine can
// tell compiled code that ignores an interrupt. Every plugin of a native
// cell links it: it imports nothing but sync.
package nativert

import "sync"

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

// Oldest is the number of the oldest call in progress (calls are numbered
// from 1 as they enter), and whether there is one.
func Oldest() (uint64, bool) {
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

// Last is the number of the last call that entered.
func Last() uint64 {
	mu.Lock()
	defer mu.Unlock()
	return seq
}

// Started returns a channel that receives when a call enters while none
// runs (at most one value waits in it).
func Started() <-chan struct{} { return wake }
