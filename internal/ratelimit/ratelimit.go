// Package ratelimit holds the one rate limiter of progress updates, shared
// by parlib (progress of Bench and Scaling), display (progress bars) and the
// %timeit magic.
package ratelimit

import "time"

// Limiter lets events through at most once per interval: the first event
// always, a forced one (a final state, say) always, and any other only when
// the interval has passed since the last one let through. The zero value
// lets every event through. A Limiter is not safe for concurrent use; its
// users hold their own locks.
type Limiter struct {
	interval time.Duration
	now      func() time.Time
	last     time.Time
	passed   bool
}

// New returns a limiter of one event per interval, reading the time from
// now (time.Now when nil).
func New(interval time.Duration, now func() time.Time) *Limiter {
	if now == nil {
		now = time.Now
	}
	return &Limiter{interval: interval, now: now}
}

// Allow tells whether an event may go now, and if so counts it as the last
// one let through. force lets it go whatever the time.
func (l *Limiter) Allow(force bool) bool {
	if l.now == nil {
		l.now = time.Now
	}
	now := l.now()
	if l.passed && !force && now.Sub(l.last) < l.interval {
		return false
	}
	l.last, l.passed = now, true
	return true
}
