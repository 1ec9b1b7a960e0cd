package kernel

import (
	"bytes"
	"fmt"
	"log"
	"strings"
	"testing"
	"time"
)

// fakeTimers is a clock and a list of pending AfterFunc calls for a
// complainer.
type fakeTimers struct {
	now     time.Time
	pending []func()
}

func (f *fakeTimers) install(c *complainer) {
	c.now = func() time.Time { return f.now }
	c.afterFunc = func(_ time.Duration, fn func()) { f.pending = append(f.pending, fn) }
}

// fire runs the pending AfterFunc calls.
func (f *fakeTimers) fire() {
	p := f.pending
	f.pending = nil
	for _, fn := range p {
		fn()
	}
}

func TestComplainerLimitsEachKind(t *testing.T) {
	var buf bytes.Buffer
	c := newComplainer(log.New(&buf, "", 0))
	clock := &fakeTimers{now: time.Unix(1000, 0)}
	clock.install(c)
	every := complainEvery.get()
	lines := func() []string { return strings.Split(strings.TrimSpace(buf.String()), "\n") }

	// A burst gets through, then lines are counted, not written.
	for i := range 3 * complainBurst {
		c.printf("a", "a %d", i)
	}
	c.printf("b", "b 0") // another kind has its own bucket
	if got := lines(); len(got) != complainBurst+1 || got[complainBurst-1] != fmt.Sprintf("a %d", complainBurst-1) || got[complainBurst] != "b 0" {
		t.Fatalf("after a burst: %q", got)
	}
	if len(clock.pending) != 1 {
		t.Fatalf("%d summaries scheduled, want 1", len(clock.pending))
	}
	// The summary says how many lines were dropped, and when.
	clock.now = clock.now.Add(every)
	clock.fire()
	want := fmt.Sprintf("suppressed %d more \"a\" log lines in the last %v", 2*complainBurst, every)
	if got := lines(); got[len(got)-1] != want {
		t.Fatalf("summary %q, want %q", got[len(got)-1], want)
	}
	// One more line per interval; a line that gets through after some were
	// dropped comes after their summary.
	buf.Reset()
	c.printf("a", "a next")
	c.printf("a", "a dropped")
	clock.now = clock.now.Add(every)
	c.printf("a", "a later")
	want2 := []string{"a next", "suppressed 1 more \"a\" log lines in the last " + every.String(), "a later"}
	if got := lines(); strings.Join(got, "|") != strings.Join(want2, "|") {
		t.Errorf("got %q, want %q", got, want2)
	}
	// The scheduled summary has nothing left to say.
	buf.Reset()
	clock.fire()
	if buf.Len() != 0 {
		t.Errorf("empty summary logged: %q", buf.String())
	}
	// After a quiet while, the bucket is full again.
	clock.now = clock.now.Add(complainBurst * every)
	for i := range complainBurst {
		c.printf("a", "a %d", i)
	}
	if got := lines(); len(got) != complainBurst {
		t.Errorf("after a quiet while, %d lines of a burst of %d got through", len(got), complainBurst)
	}
}

func TestComplainWriterWritesLines(t *testing.T) {
	var buf bytes.Buffer
	c := newComplainer(log.New(&buf, "k: ", 0))
	l := log.New(complainWriter{c, complainZMQ}, "zmq4: ", 0)
	l.Printf("could not open %q", "x")
	if got, want := buf.String(), "k: zmq4: could not open \"x\"\n"; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
