package native

import (
	"context"
	"testing"
	"time"

	"github.com/gopar/gopar/interp/native/nativert"
	"github.com/gopar/gopar/parlib"
)

// TestWatchStuck checks that the watchdog leaves alone a native call that
// ends after an interrupt, and reports one that ignores it. (It runs once
// per process: one test.)
func TestWatchStuck(t *testing.T) {
	const grace = 300 * time.Millisecond
	stuck := make(chan time.Duration, 1)
	watchStuck(grace, func(d time.Duration) { stuck <- d })
	defer parlib.SetContext(nil)

	// A call that stops when interrupted.
	ctx, cancel := context.WithCancel(context.Background())
	parlib.SetContext(ctx)
	exit := nativert.Enter()
	cancel()
	exit()
	select {
	case d := <-stuck:
		t.Fatalf("a call that ended at the interrupt was reported stuck (%v)", d)
	case <-time.After(3 * grace):
	}

	// A call that goes on.
	ctx, cancel = context.WithCancel(context.Background())
	parlib.SetContext(ctx)
	exit = nativert.Enter()
	defer exit()
	start := time.Now()
	cancel()
	select {
	case d := <-stuck:
		if d < grace || time.Since(start) < grace {
			t.Errorf("reported stuck after %v; the grace is %v", d, grace)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("a call that ignores the interrupt was not reported")
	}
}
