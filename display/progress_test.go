package display

import (
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gopar/gopar/parlib"
)

// fakeClock is a clock the test moves by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func newClock() *fakeClock { return &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

func TestProgressUpdatesInPlace(t *testing.T) {
	f := withSink(t)
	clk := newClock()
	p := newProgress(100, "work", clk.Now, 0)
	for range 100 {
		clk.Advance(50 * time.Millisecond) // 20 steps a second
		p.Add(1)
	}
	p.Done()
	p.Done()
	p.Add(5) // after Done: nothing

	got := f.displays()
	// 100 steps over 5 s at most 5 updates a second: the first display,
	// one update every 200 ms (every 4th step) and the final state.
	if len(got) < 20 || len(got) > 27 {
		t.Fatalf("%d displays for 5 s of progress, want about 26", len(got))
	}
	for i, d := range got {
		if d.ID == "" || d.ID != p.ID() {
			t.Fatalf("display %d has id %q, want %q", i, d.ID, p.ID())
		}
		if d.Update != (i > 0) {
			t.Errorf("display %d: Update = %v", i, d.Update)
		}
		if _, ok := d.Data["text/html"]; !ok {
			t.Errorf("display %d lacks HTML", i)
		}
	}
	first := got[0].Data["text/plain"].(string)
	if !strings.HasPrefix(first, "work   0%|") || !strings.Contains(first, "0/100") {
		t.Errorf("first text %q", first)
	}
	last := got[len(got)-1].Data["text/plain"].(string)
	want := "work 100%|" + strings.Repeat("█", barWidth) + "| 100/100 [00:05, 20.00 it/s]"
	if last != want {
		t.Errorf("final text\n%q\nwant\n%q", last, want)
	}
	mid := got[len(got)/2].Data["text/plain"].(string)
	if !strings.Contains(mid, "<00:0") || !strings.Contains(mid, "20.00 it/s") {
		t.Errorf("middle text lacks ETA or rate: %q", mid)
	}
	if h := got[len(got)-1].Data["text/html"].(string); !strings.Contains(h, "width:100.0%") || !strings.Contains(h, "#5cb85c") {
		t.Errorf("final HTML %s", h)
	}
}

func TestProgressFinalAlwaysSent(t *testing.T) {
	f := withSink(t)
	clk := newClock()
	p := newProgress(10, "", clk.Now, 0)
	p.Set(3) // within 200 ms of the first display: rate-limited
	if n := len(f.displays()); n != 1 {
		t.Fatalf("%d displays after a quick Set, want 1", n)
	}
	p.Set(10) // complete: sent at once
	got := f.displays()
	if len(got) != 2 || !strings.Contains(got[1].Data["text/plain"].(string), "10/10") {
		t.Fatalf("completion not sent: %v", got)
	}
	p.Done() // same final state: not sent twice
	if n := len(f.displays()); n != 2 {
		t.Errorf("Done after completion sent again (%d displays)", n)
	}
}

func TestProgressUnknownTotal(t *testing.T) {
	f := withSink(t)
	clk := newClock()
	p := newProgress(0, "items", clk.Now, 0)
	clk.Advance(2 * time.Second)
	p.Add(1)
	p.Done()
	got := f.displays()
	last := got[len(got)-1].Data["text/plain"].(string)
	if last != "items 1 [00:02, 2.00 s/it]" {
		t.Errorf("unknown-total text %q", last)
	}
}

func TestParlibProgress(t *testing.T) {
	f := withSink(t)
	clk := newClock()
	fn := parlibProgress(clk.Now, 500*time.Millisecond)

	// A quick run leaves no bar.
	fn("quick", 0, 4)
	for i := 1; i <= 4; i++ {
		clk.Advance(10 * time.Millisecond)
		fn("quick", i, 4)
	}
	if n := len(f.displays()); n != 0 {
		t.Fatalf("quick run showed %d displays", n)
	}

	// A slow run shows one bar, updated in place, ending complete.
	fn("scaling", 0, 3)
	for i := 1; i <= 3; i++ {
		clk.Advance(time.Second)
		fn("scaling", i, 3)
	}
	got := f.displays()
	if len(got) != 3 {
		t.Fatalf("slow run: %d displays, want 3", len(got))
	}
	id := got[0].ID
	for i, d := range got {
		if d.ID != id || d.Update != (i > 0) {
			t.Errorf("display %d: id %q update %v", i, d.ID, d.Update)
		}
	}
	if !strings.Contains(got[2].Data["text/plain"].(string), "3/3") {
		t.Errorf("last %q", got[2].Data["text/plain"])
	}

	// The same label again is a new run that takes the bar over at once
	// (a loop of benchmarks shows one bar), starting from 0.
	fn("scaling", 0, 3)
	clk.Advance(time.Second)
	fn("scaling", 1, 3)
	got = f.displays()
	if len(got) != 5 {
		t.Fatalf("second run: %d displays in all, want 5", len(got))
	}
	for i, d := range got[3:] {
		if d.ID != id || !d.Update {
			t.Errorf("second run, display %d: id %q update %v; want an update of %q", i, d.ID, d.Update, id)
		}
	}
	if s := got[3].Data["text/plain"].(string); !strings.Contains(s, "0/3") {
		t.Errorf("second run starts at %q, want 0/3", s)
	}

	// Another label has a bar of its own.
	fn("other", 0, 2)
	clk.Advance(time.Second)
	fn("other", 2, 2)
	got = f.displays()
	if len(got) != 6 || got[5].ID == id || got[5].Update {
		t.Errorf("another label: %+v, want a new display", got[len(got)-1])
	}
}

// TestSetSinkShowsParlibProgress checks that SetSink is all it takes for a
// long parlib run to show a progress bar in the cell: one display, updated
// in place, ending complete; and that each SetSink (each cell) starts with
// bars of its own.
func TestSetSinkShowsParlibProgress(t *testing.T) {
	// Six runs of 100 ms: over parlibDelay, so the bar shows.
	slow := func(int) { time.Sleep(100 * time.Millisecond) }
	for cell := range 2 {
		f := withSink(t)
		parlib.ScalingNamed("probe", slow, 1, 2)
		got := f.displays()
		if len(got) < 2 {
			t.Fatalf("cell %d: %d displays, want the bar and its updates", cell, len(got))
		}
		id := got[0].ID
		for i, d := range got {
			if d.ID == "" || d.ID != id || d.Update != (i > 0) {
				t.Errorf("cell %d, display %d: id %q update %v; want one display (%q) updated in place", cell, i, d.ID, d.Update, id)
			}
		}
		last := got[len(got)-1].Data["text/plain"].(string)
		if !strings.HasPrefix(last, "probe 100%") || !strings.Contains(last, "6/6") {
			t.Errorf("cell %d: the bar ends at %q, want probe 100%% … 6/6", cell, last)
		}
	}
}

func TestProgressConcurrentAdds(t *testing.T) {
	f := withSink(t)
	p := NewProgress(1000, "c")
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 125 {
				p.Add(1)
			}
		}()
	}
	wg.Wait()
	got := f.displays()
	if !strings.Contains(got[len(got)-1].Data["text/plain"].(string), "1000/1000") {
		t.Errorf("final state not shown: %q", got[len(got)-1].Data["text/plain"])
	}
}

func TestClock(t *testing.T) {
	for d, want := range map[time.Duration]string{0: "00:00", 65 * time.Second: "01:05", 3723 * time.Second: "1:02:03"} {
		if got := clock(d); got != want {
			t.Errorf("clock(%v) = %q, want %q", d, got, want)
		}
	}
}
