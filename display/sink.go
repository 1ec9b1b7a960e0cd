package display

import (
	"crypto/rand"
	"encoding/hex"
	"sync/atomic"

	"github.com/gopar/gopar/engine"
	"github.com/gopar/gopar/parlib"
)

// Sink receives what display shows. The engine points it at the running
// cell's output (engine.Output satisfies it). Both methods must be safe to
// call from any goroutine and should return quickly.
type Sink interface {
	// Display shows or updates a display.
	Display(d engine.Display)
	// Clear clears the cell's output; with wait, only when new output
	// arrives.
	Clear(wait bool)
}

// sinkBox lets an interface value of any dynamic type live in an
// atomic.Pointer.
type sinkBox struct{ s Sink }

var current atomic.Pointer[sinkBox]

// SetSink directs all later output to s, and installs a fresh
// ParlibProgress as parlib's progress receiver (parlib.SetProgress), so that
// long parlib runs show progress bars in the cell: an engine that calls
// SetSink for each cell needs to do nothing more. With s nil, output is
// discarded and parlib's receiver removed. A cell that wants its own
// receiver installs it with parlib.SetProgress after SetSink.
func SetSink(s Sink) {
	if s == nil {
		current.Store(nil)
		parlib.SetProgress(nil)
		return
	}
	current.Store(&sinkBox{s})
	parlib.SetProgress(ParlibProgress())
}

// emit hands d to the current sink, if any.
func emit(d engine.Display) {
	if b := current.Load(); b != nil {
		b.s.Display(d)
	}
}

// Clear clears the output of the running cell, like IPython's clear_output.
// With wait, the frontend clears it only when new output arrives, which
// avoids flicker when a cell redraws in a loop.
func Clear(wait bool) {
	if b := current.Load(); b != nil {
		b.s.Clear(wait)
	}
}

// newID returns a fresh display_id: 32 random hexadecimal digits.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on supported platforms
	return hex.EncodeToString(b[:])
}
