package proc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gopar/gopar/engine"
)

// RestartWait bounds how long Execute, when the child died under the cell
// (or was killed InterruptGrace after an interrupt), waits for the restart
// to report on it. Execute therefore returns at most InterruptGrace plus
// RestartWait after its context is cancelled.
const RestartWait = 10 * time.Second

// Timeouts of the supervisor.
const (
	// DefaultInterruptGrace is Config.InterruptGrace's default.
	DefaultInterruptGrace = 5 * time.Second
	// startTimeout bounds the wait for a new child's hello.
	startTimeout = 30 * time.Second
	// closeTimeout is how long Close waits for the child to exit after
	// the close message before it kills it.
	closeTimeout = 3 * time.Second
	// drainWait bounds the reading of a dead child's output: processes
	// that escaped the process group may hold the pipes open.
	drainWait = 500 * time.Millisecond
	// queryTimeout bounds Complete, Inspect and IsComplete, including the
	// wait for a child that is (re)starting.
	queryTimeout = 5 * time.Second
	// replayTimeout bounds the replay of one cell's Restore text.
	replayTimeout = 30 * time.Second
	// maxBackoff bounds the pause between failed starts.
	maxBackoff = 5 * time.Second
	// earlyDeath is how soon after it became ready a child that dies while
	// idle counts as broken: its restart waits a backoff pause.
	earlyDeath = time.Second
)

// Config configures Start.
type Config struct {
	// Command is the child's program and its arguments, for example
	// {os.Executable(), "engine"}. The program calls NewChild and
	// Child.Serve.
	Command []string
	// Env is the child's environment; nil means the kernel's.
	Env []string
	// Log receives the supervisor's log lines: deaths and restarts, and
	// what the child writes to its stdout and (outside crash reports) its
	// stderr. Nil discards them.
	Log io.Writer
	// Info is what Engine.Info returns, without waiting for the child (the
	// kernel answers kernel_info before the engine is up).
	Info engine.Info
	// InterruptGrace is how long, after Execute's context is cancelled, the
	// child has to answer before it is killed and restarted; zero means
	// DefaultInterruptGrace.
	InterruptGrace time.Duration
	// MemLimit is the child's memory limit in bytes (see internal/memguard);
	// a negative value means none. The child reads it from the environment
	// variable GOPAR_ENGINE_MEMLIMIT, which Start sets unless MemLimit is
	// zero: then the variable of the kernel's environment applies, if set,
	// else memguard's default (a share of the machine's memory).
	MemLimit int64
	// Ready, when not nil, is called each time a child is ready: after the
	// first start, and after each restart once the earlier cells'
	// definitions are restored, with the child's process ID. It runs on
	// the supervisor's goroutine, and should return promptly.
	Ready func(pid int)

	// hooks lets tests observe the supervisor; nil outside tests.
	hooks *hooks
}

// hooks are callbacks for tests.
type hooks struct {
	// ready is called when a child is ready; r is nil at the first start.
	ready func(pid int, r *restart)
}

// Engine is an engine.Engine that forwards every call to an engine running
// in a supervised child process, restarting the child when it dies. Its
// methods are safe for concurrent use as engine.Engine requires.
type Engine struct {
	cfg   Config
	grace time.Duration
	log   *log.Logger
	// quit is closed by Close; the supervisor then ends the child.
	// quitCtx is cancelled at the same time.
	quit       chan struct{}
	quitOnce   sync.Once
	quitCtx    context.Context
	quitCancel context.CancelFunc
	loopDone   chan struct{}

	mu       sync.Mutex
	cur      *child        // the ready child; nil while (re)starting
	changed  chan struct{} // closed and replaced when cur, startErr or closed change
	startErr error         // why the last start failed; nil once one succeeded
	closed   bool
	history  []*cellDefs   // what to replay, in order
	latest   engine.Output // the Output of the latest cell
	notes    []string      // stderr notes for the next cell
	nextID   int64
}

// cellDefs is what one cell defined (a failed one: before it failed).
type cellDefs struct {
	count     int
	restore   string
	variables []string
}

var (
	_ engine.Engine          = (*Engine)(nil)
	_ engine.IdleInterrupter = (*Engine)(nil)
)

// Start starts the engine's child process in the background and returns at
// once; Execute waits until the child is ready. Start never fails: if the
// child cannot start, Execute reports why, and the supervisor tries again
// after a pause that grows to maxBackoff.
func Start(cfg Config) *Engine {
	e := &Engine{
		cfg:      cfg,
		grace:    cfg.InterruptGrace,
		quit:     make(chan struct{}),
		loopDone: make(chan struct{}),
		changed:  make(chan struct{}),
	}
	if e.grace <= 0 {
		e.grace = DefaultInterruptGrace
	}
	e.quitCtx, e.quitCancel = context.WithCancel(context.Background())
	w := cfg.Log
	if w == nil {
		w = io.Discard
	}
	e.log = log.New(w, "gopar engine: ", log.Ltime|log.Lmicroseconds)
	go e.supervise()
	return e
}

// Info returns Config.Info.
func (e *Engine) Info() engine.Info { return e.cfg.Info }

// PID returns the process ID of the engine's child, or 0 while none is
// ready.
func (e *Engine) PID() int {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.cur == nil {
		return 0
	}
	return e.cur.pid
}

// Execute runs the cell in the child, passing its output to out. It waits
// for the child to be ready (or for ctx). When the child dies while the cell
// runs, the result's Err is of kind engine.EngineCrashed and says what
// happened; Execute returns once a new child is ready with the earlier
// cells' definitions restored (or after RestartWait).
func (e *Engine) Execute(ctx context.Context, req engine.ExecuteRequest, out engine.Output) engine.ExecuteResult {
	for {
		c, err := e.waitReady(ctx)
		if err != nil {
			return engine.ExecuteResult{Err: err}
		}
		e.mu.Lock()
		notes := e.notes
		e.notes = nil
		e.latest = out
		e.mu.Unlock()
		for _, n := range notes {
			out.Stream("stderr", n)
		}
		res, d, ok := c.execute(ctx, req, out, e.grace)
		if !ok {
			// The child had died before the request reached it: run
			// the cell on the next one (which notes the death).
			select {
			case <-c.dead:
				continue
			case <-ctx.Done():
				return engine.ExecuteResult{Err: engine.NewError(engine.Interrupt, "interrupted while the engine was restarting")}
			}
		}
		if d == nil {
			if res.Restore != "" || len(res.Variables) > 0 {
				e.mu.Lock()
				e.history = append(e.history, &cellDefs{req.ExecutionCount, res.Restore, res.Variables})
				e.mu.Unlock()
			}
			return res
		}
		return engine.ExecuteResult{Err: e.crashError(c, d)}
	}
}

// crashError describes the death d of c, which ran the cell, once the
// restart that follows has an outcome.
func (e *Engine) crashError(c *child, d *death) *engine.Error {
	if e.isClosed() {
		return engine.NewError(engine.EngineClosed, "the engine was closed while the cell ran")
	}
	t := time.NewTimer(RestartWait)
	defer t.Stop()
	var r *restart
	select {
	case <-c.replaced:
		r = c.restart
	case <-t.C:
		r = &restart{pending: true}
	case <-e.quit:
		return engine.NewError(engine.EngineClosed, "the engine was closed while the cell ran")
	}
	value := d.first()
	if d.killed != "" && len(d.head) == 0 && r.err == nil {
		value += " and was restarted"
	}
	return engine.NewError(engine.EngineCrashed, value, crashReport(value, d, r)...)
}

// waitReady returns the ready child, waiting for it until ctx is done.
func (e *Engine) waitReady(ctx context.Context) (*child, *engine.Error) {
	for {
		e.mu.Lock()
		c, startErr, closed, changed := e.cur, e.startErr, e.closed, e.changed
		e.mu.Unlock()
		switch {
		case closed:
			return nil, engine.NewError(engine.EngineClosed, "the engine is closed")
		case c != nil:
			return c, nil
		case startErr != nil:
			return nil, engine.NewError(engine.EngineCrashed, "the engine could not start: "+startErr.Error())
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return nil, engine.NewError(engine.Interrupt, "interrupted while the engine was starting")
		}
	}
}

// broadcast wakes the waiters of waitReady; e.mu is held.
func (e *Engine) broadcast() {
	close(e.changed)
	e.changed = make(chan struct{})
}

func (e *Engine) isClosed() bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.closed
}

func (e *Engine) newID() int64 {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.nextID++
	return e.nextID
}

// latestOutput is where output goes when no cell runs.
func (e *Engine) latestOutput() engine.Output {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.latest
}

// childDied is called when c's process has ended: c is no longer ready.
func (e *Engine) childDied(c *child) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.cur == c {
		e.cur = nil
		e.broadcast()
	}
}

// InterruptIdle implements engine.IdleInterrupter: it passes an interrupt
// that came while no cell runs to the child's engine, which stops what
// earlier cells left running if it is an engine.IdleInterrupter itself. It
// does nothing while a cell runs (Execute's context interrupts it) or while
// no child is ready (a new child runs nothing of earlier cells). It does not
// wait for the child.
func (e *Engine) InterruptIdle() {
	e.mu.Lock()
	c := e.cur
	e.mu.Unlock()
	if c == nil {
		return
	}
	c.mu.Lock()
	busy := c.exec != nil || c.exited
	c.mu.Unlock()
	if !busy {
		c.conn.send(&message{Op: opIdle})
	}
}

// Complete asks the child for completions; it returns none when the child
// does not answer within a few seconds (while it restarts, say).
func (e *Engine) Complete(code string, cursor int) engine.Completion {
	empty := engine.Completion{CursorStart: cursor, CursorEnd: cursor}
	m := e.query(&message{Op: opComplete, Code: code, Cursor: cursor})
	if m == nil || m.Completion == nil {
		return empty
	}
	w := m.Completion
	return engine.Completion{Matches: w.Matches, CursorStart: w.CursorStart, CursorEnd: w.CursorEnd, Metadata: w.Metadata}
}

// Inspect asks the child about the object at cursor; it finds nothing when
// the child does not answer within a few seconds.
func (e *Engine) Inspect(code string, cursor, detail int) engine.Inspection {
	m := e.query(&message{Op: opInspect, Code: code, Cursor: cursor, Detail: detail})
	if m == nil || m.Inspection == nil {
		return engine.Inspection{}
	}
	return engine.Inspection{Found: m.Inspection.Found, Data: m.Inspection.Data}
}

// IsComplete asks the child whether code is ready to run; it answers
// "unknown" when the child does not answer within a few seconds.
func (e *Engine) IsComplete(code string) (status, indent string) {
	m := e.query(&message{Op: opIsComplete, Code: code})
	if m == nil || m.Status == "" {
		return engine.Unknown, ""
	}
	return m.Status, m.Indent
}

// query sends m to the ready child and returns its reply, or nil after
// queryTimeout. When the child dies first, it asks the next one.
func (e *Engine) query(m *message) *message {
	ctx, cancel := context.WithTimeout(context.Background(), queryTimeout)
	defer cancel()
	for {
		c, err := e.waitReady(ctx)
		if err != nil {
			return nil
		}
		if r := c.query(ctx, m); r != nil {
			return r
		}
		// The child died (or the query timed out): ask the next one.
		select {
		case <-c.dead:
		case <-ctx.Done():
			return nil
		}
	}
}

// Close ends the child cleanly (a close message, then a kill if it has not
// exited after a few seconds), with every process it started, and stops the
// supervisor. Later calls return nil at once; Execute then fails with
// engine.EngineClosed.
func (e *Engine) Close() error {
	e.quitOnce.Do(func() {
		e.mu.Lock()
		e.closed = true
		e.broadcast()
		e.mu.Unlock()
		close(e.quit)
		e.quitCancel()
	})
	<-e.loopDone
	return nil
}

// errClosed ends a start when the engine is closed.
var errClosed = errors.New("the engine was closed")

// supervise starts children, one at a time, replaying the history into
// each before making it ready, until Close.
func (e *Engine) supervise() {
	defer close(e.loopDone)
	var (
		prev     *child   // the dead child being replaced; nil at first
		failures []string // what could not be restored since prev died
		lost     []string // the variables prev's death lost
		attempts int      // consecutive failed starts
		failed   bool     // prev's restart was reported as failed
		early    int      // consecutive early deaths while idle
	)
	for {
		c, err := e.spawn()
		if errors.Is(err, errClosed) {
			return
		}
		if err != nil {
			attempts++
			e.log.Printf("starting the engine: %v", err)
			e.mu.Lock()
			e.startErr = err
			e.broadcast()
			e.mu.Unlock()
			if prev != nil {
				prev.setReplaced(&restart{err: err, failures: failures})
				failed = true
			}
			if !e.pause(backoff(attempts)) {
				return
			}
			continue
		}
		if prev != nil && lost == nil {
			lost = e.lostVariables()
		}
		restored, fails, ok := e.replay(c)
		failures = append(failures, fails...)
		if !ok {
			// c died while replaying (a culprit was dropped from the
			// history), or the engine is closing.
			e.stopChild(c)
			if e.isClosed() {
				return
			}
			continue
		}
		attempts = 0
		r := &restart{restored: restored, lost: lost, failures: failures}
		e.mu.Lock()
		e.cur = c
		e.startErr = nil
		e.broadcast()
		switch {
		case prev != nil && prev.death.call == nil:
			e.notes = append(e.notes, idleNote(prev.death, r))
		case prev != nil && failed:
			// The crashed cell said the restart failed; it succeeded.
			e.notes = append(e.notes, "gopar: "+strings.Join(r.sentences(), "\n")+"\n")
		}
		e.mu.Unlock()
		if prev != nil {
			r.took = time.Since(prev.death.at)
			e.log.Printf("engine restarted as process %d in %v: %d cells restored, %d could not be", c.pid, r.took.Round(time.Millisecond), len(r.restored), len(r.failures))
			prev.setReplaced(r)
		}
		if f := e.cfg.Ready; f != nil {
			f(c.pid)
		}
		if h := e.cfg.hooks; h != nil && h.ready != nil {
			if prev == nil {
				r = nil
			}
			h.ready(c.pid, r)
		}
		prev, failures, lost, failed = nil, nil, nil, false
		readyAt := time.Now()

		select {
		case <-c.dead:
		case <-e.quit:
			e.stopChild(c)
			return
		}
		c.wg.Wait()
		d := c.death
		e.log.Printf("engine process %d died %s: %s", d.pid, d.place(), d.first())
		for _, l := range d.details() {
			e.log.Printf("  %s", l)
		}
		for _, l := range d.dump {
			e.log.Printf("  | %s", l)
		}
		prev = c
		// A child that dies on its own soon after it became ready, while
		// idle, is broken (a bad build, a protocol mismatch): restart it
		// after growing pauses rather than in a tight loop.
		if d.call == nil && d.at.Sub(readyAt) < earlyDeath {
			early++
			if !e.pause(backoff(early)) {
				return
			}
		} else {
			early = 0
		}
	}
}

// pause waits d, or until Close; it reports whether to go on.
func (e *Engine) pause(d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-e.quit:
		return false
	}
}

// backoff is the pause after the n-th consecutive failed start.
func backoff(n int) time.Duration {
	d := 100 * time.Millisecond << min(n-1, 6)
	return min(d, maxBackoff)
}

// lostVariables lists, once each, the variables of the history.
func (e *Engine) lostVariables() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	seen := map[string]bool{}
	lost := []string{}
	for _, h := range e.history {
		for _, v := range h.variables {
			if !seen[v] {
				seen[v] = true
				lost = append(lost, v)
			}
		}
	}
	return lost
}

// replay executes the history's Restore texts in c, silently and in order.
// A text that fails, or during which c dies, is dropped from the history
// and reported. ok is false when c died (or the engine is closing).
func (e *Engine) replay(c *child) (restored []int, failures []string, ok bool) {
	e.mu.Lock()
	todo := append([]*cellDefs(nil), e.history...)
	e.mu.Unlock()
	for _, h := range todo {
		rctx, rcancel := context.WithTimeout(e.quitCtx, replayTimeout)
		req := engine.ExecuteRequest{Code: h.restore, Silent: true, ExecutionCount: h.count}
		res, d, sent := c.execute(rctx, req, discard{}, e.grace)
		rcancel()
		switch {
		case e.isClosed():
			return restored, failures, false
		case !sent || d != nil:
			why := "the engine died"
			if d != nil {
				why = d.first()
			}
			failures = append(failures, fmt.Sprintf("In [%d] could not be restored: %s; its definitions are gone.", h.count, why))
			e.drop(h)
			return restored, failures, false
		case res.Err != nil:
			failures = append(failures, fmt.Sprintf("In [%d] could not be restored: %s", h.count, res.Err.Error()))
			e.drop(h)
		default:
			restored = append(restored, h.count)
		}
	}
	return restored, failures, true
}

// drop removes h from the history.
func (e *Engine) drop(h *cellDefs) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for i, x := range e.history {
		if x == h {
			e.history = append(e.history[:i:i], e.history[i+1:]...)
			return
		}
	}
}

// env is the child's environment.
func (e *Engine) env() []string {
	env := e.cfg.Env
	if env == nil {
		env = os.Environ()
	}
	env = append([]string(nil), env...)
	if e.cfg.MemLimit != 0 {
		lim := e.cfg.MemLimit
		if lim < 0 {
			lim = -1
		}
		env = append(env, memLimitEnv+"="+strconv.FormatInt(lim, 10))
	}
	return env
}

// discard is the Output of replayed cells.
type discard struct{}

func (discard) Stream(string, string)  {}
func (discard) Display(engine.Display) {}
func (discard) Clear(bool)             {}
func (discard) Input(context.Context, string, bool) (string, error) {
	return "", engine.ErrNoStdin
}
