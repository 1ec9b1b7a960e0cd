package dist

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/gopar/gopar/parlib"
)

// Options tune Pmap and Reduce.
type Options struct {
	// BatchSize is how many inputs travel to a worker together, as Julia's
	// pmap batch_size: 1 (the default) sends inputs one by one, each to
	// whichever worker is free (dynamic scheduling); larger batches cut the
	// per-input cost of messages when each call is short. For Reduce it is
	// the length of the ranges handed out (default: the range split evenly
	// among the workers).
	BatchSize int
}

func options(opts []Options) Options {
	var o Options
	for _, x := range opts {
		if x.BatchSize > 0 {
			o.BatchSize = x.BatchSize
		}
	}
	return o
}

// job is one Pmap, Reduce or SpawnAt: batches of inputs to send to workers.
type job struct {
	*inbox
	id        uint64
	fn        string
	batches   []batch
	results   []any
	pending   []int       // batches to send
	remaining int         // batches not answered
	pin       int         // the only worker allowed, or 0
	losses    map[int]int // batch → workers lost while they held it
}

// maxLosses is how many workers may die holding a batch before the job
// fails: a call that crashes its process would otherwise kill every worker.
const maxLosses = 3

// batch is consecutive inputs sent together.
type batch struct {
	first  int
	inputs []any
	data   []byte // the encoded [][]any of their arguments
}

// newJob encodes the inputs in batches of size.
func (c *Cluster) newJob(fn string, inputs []any, size int) (*job, error) {
	if fn == "" {
		return nil, fmt.Errorf("dist: no function name")
	}
	size = max(size, 1)
	j := &job{inbox: newInbox(), fn: fn, results: make([]any, len(inputs))}
	for first := 0; first < len(inputs); first += size {
		in := inputs[first:min(first+size, len(inputs))]
		args := make([][]any, len(in))
		for i, x := range in {
			if a, ok := x.(Args); ok {
				args[i] = a
			} else {
				args[i] = []any{x}
			}
		}
		data, err := Marshal(args)
		if err != nil {
			// Find the input at fault, for the message.
			for i, x := range in {
				if _, err := Marshal(x); err != nil {
					return nil, fmt.Errorf("input %d: %w", first+i, err)
				}
			}
			return nil, err
		}
		j.pending = append(j.pending, len(j.batches))
		j.batches = append(j.batches, batch{first: first, inputs: in, data: data})
	}
	j.remaining = len(j.batches)
	c.mu.Lock()
	c.nextJob++
	j.id = c.nextJob
	c.mu.Unlock()
	return j, nil
}

// Pmap calls the function named fn on each input, spread over the
// workers, and returns the results in the order of the inputs, as Julia's
// pmap. fn is a Go expression that the workers evaluate: a function defined
// in a %%everywhere cell ("test"), or a compiled one ("parlib.SlowSeries",
// "math.Sqrt"). An input of type Args holds the arguments of a function of
// several parameters; any other input is the single argument. Inputs are
// converted to the parameters' types as Convert says.
//
// If the function fails on some input (a panic, an error result), Pmap
// stops the other tasks and returns a *TaskError naming the worker and the
// input. If a worker is lost, its unfinished tasks run on other workers,
// and a note says so on Stderr. When ctx ends, the tasks still queued or
// running on every worker are cancelled and Pmap returns ctx's error.
func (c *Cluster) Pmap(ctx context.Context, fn string, inputs []any, opts ...Options) ([]any, error) {
	o := options(opts)
	if err := c.needWorkers(ctx, 0); err != nil {
		return nil, err
	}
	j, err := c.newJob(fn, inputs, o.BatchSize)
	if err != nil {
		return nil, fmt.Errorf("dist.Pmap: %w", err)
	}
	if err := c.run(ctx, j); err != nil {
		return nil, err
	}
	return j.results, nil
}

// needWorkers starts the AutoProcs workers if the cluster has no worker,
// runs its embedded server and was given AutoProcs; it fails if the cluster
// has none and will not get any (pin: the worker that must exist).
func (c *Cluster) needWorkers(ctx context.Context, pin int) error {
	if err := c.start(); err != nil {
		return err
	}
	c.mu.Lock()
	n := len(c.workers)
	_, pinned := c.workers[pin]
	c.mu.Unlock()
	if pin != 0 {
		if !pinned {
			return fmt.Errorf("dist: no worker %d (workers: %v)", pin, c.Workers())
		}
		return nil
	}
	if n > 0 {
		return nil
	}
	c.startMu.Lock()
	embedded := c.srv != nil
	c.startMu.Unlock()
	if !embedded || c.AutoProcs <= 0 {
		return errNoWorkers
	}
	c.note(fmt.Sprintf("dist: starting %d local workers (dist.AddProcs(%d))", c.AutoProcs, c.AutoProcs))
	_, err := c.AddProcs(ctx, c.AutoProcs)
	return err
}

// run sends the job's batches to workers as they have room, until every
// batch is answered, one fails, or ctx ends.
func (c *Cluster) run(ctx context.Context, j *job) error {
	for j.remaining > 0 {
		capacity, err := c.dispatch(j)
		if err != nil {
			c.cancelOwner(j.inbox, j.id)
			return err
		}
		select {
		case <-j.sig:
			for _, ev := range j.take() {
				if err := c.handle(j, ev); err != nil {
					c.cancelOwner(j.inbox, j.id)
					return err
				}
			}
		case <-capacity:
		case <-ctx.Done():
			c.cancelOwner(j.inbox, j.id)
			return fmt.Errorf("dist: %s cancelled: %w", j.fn, context.Cause(ctx))
		}
	}
	return nil
}

// handle takes in a reply or a loss.
func (c *Cluster) handle(j *job, ev event) error {
	b := &j.batches[ev.f.tag]
	if ev.lost != "" {
		if j.pin != 0 {
			return fmt.Errorf("dist: worker %d was lost (%s) before %s returned", j.pin, ev.lost, j.fn)
		}
		if j.losses == nil {
			j.losses = map[int]int{}
		}
		if j.losses[ev.f.tag]++; j.losses[ev.f.tag] >= maxLosses {
			return &TaskError{Worker: ev.f.w.id, Fn: j.fn, Index: b.first, Input: inputText(b.inputs[0]),
				Err: fmt.Errorf("%d workers died while they held this input, the last one with %s: does the call crash its process?", maxLosses, ev.lost)}
		}
		j.pending = append(j.pending, ev.f.tag)
		return nil
	}
	r := ev.r
	n := 0
	d := decoder{buf: r.Results}
	if len(d.buf) > 0 {
		var err error
		if n, err = d.count(1); err != nil || n > len(b.inputs) {
			return fmt.Errorf("dist: a bad reply from worker %d", r.Worker)
		}
	}
	for i := 0; i < n; i++ {
		v, err := d.value(0)
		if err != nil {
			return fmt.Errorf("dist: a bad reply from worker %d: %w", r.Worker, err)
		}
		j.results[b.first+i] = v
	}
	if r.ErrKind != errKindNone {
		at := min(max(r.ErrAt, 0), len(b.inputs)-1)
		return &TaskError{Worker: r.Worker, Fn: j.fn, Index: b.first + at, Input: inputText(b.inputs[at]),
			Err: errorFrom(r.ErrKind, r.Err)}
	}
	j.remaining--
	return nil
}

// dispatch sends pending batches to the workers that have room, and
// returns a channel closed when a worker may take more.
func (c *Cluster) dispatch(j *job) (<-chan struct{}, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return nil, ErrClosed
	}
	for len(j.pending) > 0 {
		w := c.pickLocked(j.pin)
		if w == nil {
			break
		}
		b := j.pending[0]
		j.pending = j.pending[1:]
		c.sendLocked(w, &op{Kind: opTask, Job: j.id, Fn: j.fn, Data: j.batches[b].data}, j.inbox, b, true)
	}
	if len(j.pending) > 0 {
		if j.pin != 0 {
			if c.workers[j.pin] == nil {
				return nil, fmt.Errorf("dist: no worker %d", j.pin)
			}
		} else if len(c.workers) == 0 {
			return nil, fmt.Errorf("dist: every worker was lost: %w", errNoWorkers)
		}
	}
	return c.capacity, nil
}

// pickLocked chooses the ready worker with the fewest ops in flight (the
// least recently used among equals) that has room; nil if none has (c.mu
// held).
func (c *Cluster) pickLocked(pin int) *member {
	var best *member
	for _, w := range c.workers {
		if !w.ready || w.gone || w.removing || w.stale > 0 || w.inflight >= c.window() || (pin != 0 && w.id != pin) {
			continue
		}
		if best == nil || w.inflight < best.inflight || (w.inflight == best.inflight && w.lastUse < best.lastUse) {
			best = w
		}
	}
	if best != nil {
		c.uses++
		best.lastUse = c.uses
	}
	return best
}

// inputText shows an input in an error message.
func inputText(x any) string {
	var s string
	if a, ok := x.(Args); ok {
		parts := make([]string, len(a))
		for i, v := range a {
			parts[i] = fmt.Sprintf("%#v", v)
		}
		s = strings.Join(parts, ", ")
	} else {
		s = fmt.Sprintf("%#v", x)
	}
	if utf8.RuneCountInString(s) > 80 {
		s = string([]rune(s)[:79]) + "…"
	}
	return s
}

// Reduce is Julia's @distributed (op) for: it splits the range [lo, hi)
// into chunks, calls fn(chunkLo, chunkHi) for each on the workers (each
// worker sums, say, its own part), and combines the partial results here,
// in the order of the chunks: op(op(p0, p1), p2)…. By default there is one
// chunk per worker; Options.BatchSize sets the chunks' length instead.
// Sum is the op of @distributed (+).
func (c *Cluster) Reduce(ctx context.Context, op func(a, b any) any, fn string, lo, hi int, opts ...Options) (any, error) {
	if hi <= lo {
		return nil, fmt.Errorf("dist.Reduce: empty range [%d, %d)", lo, hi)
	}
	if op == nil {
		return nil, fmt.Errorf("dist.Reduce: op is nil")
	}
	if err := c.needWorkers(ctx, 0); err != nil {
		return nil, err
	}
	size := options(opts).BatchSize
	if size <= 0 {
		n := max(len(c.Workers()), 1)
		size = (hi - lo + n - 1) / n
	}
	var inputs []any
	for a := lo; a < hi; a += size {
		inputs = append(inputs, Args{a, min(a+size, hi)})
	}
	parts, err := c.Pmap(ctx, fn, inputs)
	if err != nil {
		return nil, err
	}
	acc := parts[0]
	for _, p := range parts[1:] {
		acc = op(acc, p)
	}
	return acc, nil
}

// Future is the result of SpawnAt, to come.
type Future struct {
	done   chan struct{}
	cancel context.CancelFunc
	v      any
	err    error
}

// Any is the worker id that SpawnAt takes for "whichever worker is free"
// (Julia's @spawnat :any).
const Any = 0

// SpawnAt calls fn(args...) on the worker with id worker (or on any
// worker, for Any) and returns at once a Future for the result, as
// Julia's @spawnat. A task for a given worker fails if that worker is lost;
// one for Any runs again elsewhere. The call goes on when the cell that
// made it ends; cancel it with the Future's Cancel, or by interrupting a
// Fetch or Wait.
func (c *Cluster) SpawnAt(worker int, fn string, args ...any) *Future {
	ctx, cancel := context.WithCancel(context.Background())
	f := &Future{done: make(chan struct{}), cancel: cancel}
	go func() {
		defer close(f.done)
		defer cancel()
		if err := c.needWorkers(ctx, worker); err != nil {
			f.err = err
			return
		}
		j, err := c.newJob(fn, []any{Args(args)}, 1)
		if err != nil {
			f.err = fmt.Errorf("dist.SpawnAt: %w", err)
			return
		}
		j.pin = worker
		if f.err = c.run(ctx, j); f.err == nil {
			f.v = j.results[0]
		}
	}()
	return f
}

// Fetch waits for the call and returns its result (Julia's fetch). An
// interrupt of the cell that waits (parlib.Context ends) cancels the call.
func (f *Future) Fetch() (any, error) { return f.FetchContext(parlib.Context()) }

// Wait waits for the call to end and returns its error (Julia's wait). An
// interrupt of the cell that waits cancels the call.
func (f *Future) Wait() error {
	_, err := f.FetchContext(parlib.Context())
	return err
}

// FetchContext is Fetch with a context: if ctx ends first, the call is
// cancelled.
func (f *Future) FetchContext(ctx context.Context) (any, error) {
	select {
	case <-f.done:
		return f.v, f.err
	case <-ctx.Done():
		f.cancel()
		<-f.done
		return nil, f.err
	}
}

// Ready tells whether the call has ended (Julia's isready).
func (f *Future) Ready() bool {
	select {
	case <-f.done:
		return true
	default:
		return false
	}
}

// Cancel cancels the call (on its worker too) if it has not ended.
func (f *Future) Cancel() { f.cancel() }
