package ratelimit

import (
	"testing"
	"time"
)

// clock is a time the test moves by hand.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }

func TestLimiter(t *testing.T) {
	c := &clock{t: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	l := New(100*time.Millisecond, c.now)
	steps := []struct {
		advance time.Duration
		force   bool
		want    bool
	}{
		{0, false, true},                      // the first always
		{0, false, false},                     // at once: no
		{99 * time.Millisecond, false, false}, // within the interval
		{0, true, true},                       // forced
		{60 * time.Millisecond, false, false}, // the forced one restarted the interval
		{40 * time.Millisecond, false, true},  // a whole interval since the last
		{250 * time.Millisecond, false, true}, // long after
		{time.Millisecond, false, false},
	}
	for i, s := range steps {
		c.advance(s.advance)
		if got := l.Allow(s.force); got != s.want {
			t.Errorf("step %d (+%v, force %v): Allow = %v; want %v", i, s.advance, s.force, got, s.want)
		}
	}
}

// TestLimiterRate lets a steady stream of events through a limiter: one
// event in every interval gets through.
func TestLimiterRate(t *testing.T) {
	c := &clock{t: time.Unix(0, 0)}
	l := New(200*time.Millisecond, c.now)
	n := 0
	for range 100 { // 5 s of events every 50 ms
		if l.Allow(false) {
			n++
		}
		c.advance(50 * time.Millisecond)
	}
	if n != 25 {
		t.Errorf("%d events in 5 s let through; want 25 (one per 200 ms)", n)
	}
}

func TestLimiterZero(t *testing.T) {
	var l Limiter
	for i := range 3 {
		if !l.Allow(false) {
			t.Errorf("zero Limiter refused event %d", i)
		}
	}
	if New(time.Hour, nil).now == nil {
		t.Error("New(…, nil) has no clock")
	}
}
