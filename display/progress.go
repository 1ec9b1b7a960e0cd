package display

import (
	"fmt"
	"math"
	"strings"
	"sync"
	"time"

	"github.com/gopar/gopar/engine"
	"github.com/gopar/gopar/internal/ratelimit"
	"github.com/gopar/gopar/parlib"
)

// ProgressInterval is the shortest time between two updates of a progress
// bar (at most five a second); the final state is always shown.
const ProgressInterval = 200 * time.Millisecond

// parlibDelay is how long a parlib run must last before its bar shows, so
// that quick runs leave no bar behind.
const parlibDelay = 500 * time.Millisecond

// Progress is a progress bar updated in place, like Python's tqdm: a line of
// text (label, percentage, bar, count, elapsed time, ETA, rate) and an HTML
// bar. It is safe for concurrent use.
type Progress struct {
	mu       sync.Mutex
	h        *Handle
	label    string
	total    int
	done     int
	now      func() time.Time
	start    time.Time
	delay    time.Duration      // nothing is shown before start+delay
	shown    bool               // the display exists
	lim      *ratelimit.Limiter // at most one update per ProgressInterval
	sentDone int                // done when last sent
	sentEnd  bool               // the final state was sent
	finished bool
}

func (*Progress) alreadyShown() {}

// NewProgress shows a progress bar for total steps (a total of 0 or less
// means unknown: the bar shows the count and rate only), named by label.
func NewProgress(total int, label string) *Progress {
	return newProgress(total, label, time.Now, 0)
}

func newProgress(total int, label string, now func() time.Time, delay time.Duration) *Progress {
	return startProgress(NewHandle(), false, total, label, now, delay)
}

// startProgress starts a bar on handle h; shown tells whether h's display
// exists already (the bar then updates it).
func startProgress(h *Handle, shown bool, total int, label string, now func() time.Time, delay time.Duration) *Progress {
	p := &Progress{h: h, shown: shown, label: label, total: total, now: now, delay: delay,
		lim: ratelimit.New(ProgressInterval, now)}
	p.start = now()
	p.mu.Lock()
	p.maybeSend(false)
	p.mu.Unlock()
	return p
}

// next ends p, which shows nothing more, and returns the bar of a new run
// that takes over p's display if p had shown it (at once, without delay);
// a nil p starts a new display.
func (p *Progress) next(total int, label string, now func() time.Time, delay time.Duration) *Progress {
	if p == nil {
		return newProgress(total, label, now, delay)
	}
	p.mu.Lock()
	p.finished = true
	h, shown := p.h, p.shown
	p.mu.Unlock()
	if shown {
		delay = 0
	}
	return startProgress(h, shown, total, label, now, delay)
}

// Add advances the bar by n steps.
func (p *Progress) Add(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done += n
	p.maybeSend(false)
}

// Set sets the number of steps done.
func (p *Progress) Set(done int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done = done
	p.maybeSend(false)
}

// Done marks the bar finished and shows its final state. Later calls to
// Add, Set and Done change nothing.
func (p *Progress) Done() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.finished {
		return
	}
	p.maybeSend(true)
	p.finished = true
}

// ID is the bar's display_id.
func (p *Progress) ID() string { return p.h.ID() }

// String is the bar as text.
func (p *Progress) String() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.text(p.now(), p.finished)
}

// maybeSend sends the bar if it is due: at the first call once the delay is
// over, at most every ProgressInterval after that, and always when the bar
// reaches its total or ends. p.mu is held.
func (p *Progress) maybeSend(end bool) {
	if p.finished {
		return
	}
	now := p.now()
	if now.Sub(p.start) < p.delay {
		return
	}
	complete := end || (p.total > 0 && p.done >= p.total)
	if complete && p.sentEnd && p.sentDone == p.done {
		return // this final state is already out
	}
	if !p.lim.Allow(complete) {
		return
	}
	d := engine.Display{
		Data: engine.Bundle{"text/plain": p.text(now, end), "text/html": p.html(now, end)},
		ID:   p.h.ID(), Update: p.shown,
	}
	emit(d)
	p.shown, p.sentDone, p.sentEnd = true, p.done, complete
}

// stats are the numbers shown: elapsed time, rate (steps per second) and
// the estimated time left (negative when unknown).
func (p *Progress) stats(now time.Time) (elapsed time.Duration, rate float64, eta time.Duration) {
	elapsed = now.Sub(p.start)
	eta = -1
	if elapsed > 0 && p.done > 0 {
		rate = float64(p.done) / elapsed.Seconds()
		if p.total > 0 && p.done <= p.total {
			eta = time.Duration(float64(p.total-p.done) / rate * float64(time.Second))
		}
	}
	return elapsed, rate, eta
}

func (p *Progress) fraction() float64 {
	if p.total <= 0 {
		return 0
	}
	return math.Min(1, math.Max(0, float64(p.done)/float64(p.total)))
}

// status is "45/100 [00:03<00:04, 12.30 it/s]".
func (p *Progress) status(now time.Time, end bool) string {
	elapsed, rate, eta := p.stats(now)
	count := fmt.Sprint(p.done)
	if p.total > 0 {
		count += "/" + fmt.Sprint(p.total)
	}
	times := clock(elapsed)
	if eta >= 0 && !end && p.done < p.total {
		times += "<" + clock(eta)
	}
	r := "? it/s"
	switch {
	case rate >= 1:
		r = fmt.Sprintf("%.2f it/s", rate)
	case rate > 0:
		r = fmt.Sprintf("%.2f s/it", 1/rate)
	}
	return fmt.Sprintf("%s [%s, %s]", count, times, r)
}

const barWidth = 25

var eighths = []rune(" ▏▎▍▌▋▊▉")

// text is "label  45%|███████████▎             | 45/100 [00:03<00:04, 12.30 it/s]".
func (p *Progress) text(now time.Time, end bool) string {
	var sb strings.Builder
	if p.label != "" {
		sb.WriteString(p.label + " ")
	}
	if p.total > 0 {
		f := p.fraction()
		cells := int(f * barWidth * 8)
		full, part := cells/8, cells%8
		bar := strings.Repeat("█", full)
		if full < barWidth {
			bar += string(eighths[part]) + strings.Repeat(" ", barWidth-full-1)
		}
		fmt.Fprintf(&sb, "%3.0f%%|%s| ", math.Floor(100*f), bar)
	}
	sb.WriteString(p.status(now, end))
	return sb.String()
}

// html is the bar as a <div>: label, a coloured bar (green once complete),
// percentage and status.
func (p *Progress) html(now time.Time, end bool) string {
	color := "#2f7ed8"
	if p.total > 0 && p.done >= p.total {
		color = "#5cb85c"
	}
	var sb strings.Builder
	sb.WriteString(`<div style="display:flex;align-items:center;gap:0.6em;font-family:monospace">`)
	if p.label != "" {
		sb.WriteString("<span>" + htmlEscape(p.label) + "</span>")
	}
	if p.total > 0 {
		f := p.fraction()
		fmt.Fprintf(&sb, `<div style="width:20em;height:1em;background:#e6e6e6;border-radius:3px;overflow:hidden">`+
			`<div style="width:%.1f%%;height:100%%;background:%s"></div></div><span>%.0f%%</span>`, 100*f, color, math.Floor(100*f))
	}
	sb.WriteString("<span>" + htmlEscape(p.status(now, end)) + "</span></div>")
	return sb.String()
}

// clock formats d as mm:ss, or h:mm:ss from an hour up.
func clock(d time.Duration) string {
	s := int(d.Round(time.Second) / time.Second)
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%02d:%02d", s/60, s%60)
}

// ParlibProgress returns a parlib.ProgressFunc that shows long parlib runs
// (Scaling, Bench) as progress bars, keyed by the run's label: a run that
// lasts over half a second shows a bar, which its next run under the same
// label takes over, so that a loop of benchmarks shows one bar rather than
// one per call, ending at the last run's final state. SetSink installs a
// fresh one for each cell (parlib.SetProgress).
func ParlibProgress() parlib.ProgressFunc {
	return parlibProgress(time.Now, parlibDelay)
}

func parlibProgress(now func() time.Time, delay time.Duration) parlib.ProgressFunc {
	var mu sync.Mutex
	bars := map[string]*Progress{}
	return func(label string, done, total int) {
		mu.Lock()
		defer mu.Unlock()
		// Only this function touches the bars: mu orders every access.
		p := bars[label]
		if p == nil || p.finished || done == 0 || total != p.total || done < p.done {
			p = p.next(total, label, now, delay)
			bars[label] = p
		}
		p.Set(done)
		if total > 0 && done >= total {
			p.Done()
		}
	}
}
