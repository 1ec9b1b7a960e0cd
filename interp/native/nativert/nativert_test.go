package nativert

import (
	"context"
	"testing"
	"time"

	"github.com/gopar/gopar/parlib"
)

// TestWatch checks that the watchdog leaves alone a call that ends after an
// interrupt, and reports one that ignores it. (Watch runs once per process:
// one test.)
func TestWatch(t *testing.T) {
	const grace = 300 * time.Millisecond
	stuck := make(chan time.Duration, 1)
	Watch(grace, func(d time.Duration) { stuck <- d })
	defer parlib.SetContext(nil)

	// A call that stops when interrupted.
	ctx, cancel := context.WithCancel(context.Background())
	parlib.SetContext(ctx)
	exit := Enter()
	if Running() != 1 {
		t.Fatalf("Running() = %d during a call", Running())
	}
	cancel()
	exit()
	if Running() != 0 {
		t.Fatalf("Running() = %d after the call", Running())
	}
	select {
	case d := <-stuck:
		t.Fatalf("a call that ended at the interrupt was reported stuck (%v)", d)
	case <-time.After(3 * grace):
	}

	// A call that goes on.
	ctx, cancel = context.WithCancel(context.Background())
	parlib.SetContext(ctx)
	exit = Enter()
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
