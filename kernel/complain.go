package kernel

import (
	"fmt"
	"log"
	"sync"
	"time"
)

// Kinds of complaint: the log lines that peers can cause, each kind
// rate-limited on its own.
const (
	complainConn    = "connection" // a connection dropped by the guard
	complainZMQ     = "zmq4"       // zmq4's own log lines
	complainReceive = "receive"    // a socket read that failed
	complainMessage = "message"    // a message dropped by the wire
	complainUnknown = "unknown"    // a message type the kernel does not serve
	complainContent = "content"    // a message whose content is wrong
)

// Rate of each kind of complaint: complainBurst lines at once, then one
// more per complainEvery; what goes beyond is counted, and one summary
// line per complainEvery tells how many lines were suppressed.
const complainBurst = 20

// complainEvery is a variable for tests.
var complainEvery = durationVar(5 * time.Second)

// complainer writes log lines about misbehaving peers and careless input,
// with a token bucket per kind of complaint, so that a peer that sends a
// flood of bad messages cannot flood the log. It is safe for concurrent use.
type complainer struct {
	log *log.Logger

	// now and afterFunc are time.Now and time.AfterFunc, but for tests.
	now       func() time.Time
	afterFunc func(time.Duration, func())

	mu    sync.Mutex
	kinds map[string]*bucket
}

// bucket is the token bucket of one kind of complaint.
type bucket struct {
	tokens     float64
	last       time.Time // when tokens was last brought up to date
	suppressed int       // lines dropped since the last summary
	since      time.Time // when the first of them was dropped
	flushing   bool      // a summary is scheduled
}

func newComplainer(l *log.Logger) *complainer {
	return &complainer{
		log:       l,
		now:       time.Now,
		afterFunc: func(d time.Duration, f func()) { time.AfterFunc(d, f) },
		kinds:     map[string]*bucket{},
	}
}

// printf logs a complaint of the given kind, unless that kind has used up
// its lines for now.
func (c *complainer) printf(kind, format string, args ...any) {
	every := complainEvery.get()
	c.mu.Lock()
	now := c.now()
	b := c.kinds[kind]
	if b == nil {
		b = &bucket{tokens: complainBurst, last: now}
		c.kinds[kind] = b
	}
	if every > 0 {
		b.tokens = min(complainBurst, b.tokens+float64(now.Sub(b.last))/float64(every))
	}
	b.last = now
	if b.tokens < 1 {
		if b.suppressed == 0 {
			b.since = now
		}
		b.suppressed++
		if !b.flushing {
			b.flushing = true
			c.afterFunc(every, func() { c.flush(kind) })
		}
		c.mu.Unlock()
		return
	}
	b.tokens--
	summary := c.takeSummary(kind, b, now)
	c.mu.Unlock()
	if summary != "" {
		c.log.Print(summary)
	}
	c.log.Printf(format, args...)
}

// flush logs the summary of the lines of kind suppressed so far.
func (c *complainer) flush(kind string) {
	c.mu.Lock()
	b := c.kinds[kind]
	b.flushing = false
	summary := c.takeSummary(kind, b, c.now())
	c.mu.Unlock()
	if summary != "" {
		c.log.Print(summary)
	}
}

// takeSummary returns the line that tells how many lines of kind b
// suppressed, or "" if none, and starts counting anew. c.mu is held.
func (c *complainer) takeSummary(kind string, b *bucket, now time.Time) string {
	if b.suppressed == 0 {
		return ""
	}
	s := fmt.Sprintf("suppressed %d more %q log lines in the last %v", b.suppressed, kind, now.Sub(b.since).Round(time.Millisecond))
	b.suppressed = 0
	return s
}

// complainWriter is an io.Writer whose every Write is one complaint of a
// kind: zmq4's logger writes its lines through it.
type complainWriter struct {
	c    *complainer
	kind string
}

func (w complainWriter) Write(p []byte) (int, error) {
	w.c.printf(w.kind, "%s", trimNewline(p))
	return len(p), nil
}

func trimNewline(p []byte) []byte {
	if n := len(p); n > 0 && p[n-1] == '\n' {
		return p[:n-1]
	}
	return p
}
