package interp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"time"

	"github.com/gopar/gopar/engine"
)

// Evaluation and interruption. Every chunk runs in a goroutine of its own,
// labelled with its evaluation id for pprof: when a cell is interrupted
// while its top level is blocked in compiled code, the goroutine lives on
// (a zombie), and the next cell waits until the label is gone, since yaegi
// would resume the interrupted code once the next evaluation starts.

const (
	evalLabel = "gopar_eval"
	goLabel   = "gopar_go"
)

// labelGoroutine marks a goroutine started by a cell, so that it is not
// mistaken for the top-level code of an interrupted cell.
func labelGoroutine() {
	pprof.SetGoroutineLabels(pprof.WithLabels(context.Background(), pprof.Labels(goLabel, "1")))
}

// errInterrupted is what Sleep and the stdin reader panic with when the
// cell is interrupted.
var errInterrupted = errors.New("interrupted")

// evalChunk evaluates a built chunk and turns failures into cell errors.
func (e *Engine) evalChunk(ctx context.Context, st *state, c *chunk) (reflect.Value, error) {
	st.takePanicLines()
	if debugChunk != nil {
		debugChunk(c.text)
	}
	v, err := e.evalText(ctx, st, c.text)
	if err == nil {
		return v, nil
	}
	return v, cellError{e.describe(ctx, st, c, err)}
}

// startedHook starts every statement chunk: it tells evalText that the
// chunk's code runs.
const startedHook = ";__gopar.Started()"

// debugChunk, when set (by tests), sees every chunk's text.
var debugChunk func(string)

// yaegiCrash is a panic that escaped yaegi's Eval (a bug or unsupported
// construct in the interpreter, such as "nil type").
type yaegiCrash struct{ value any }

func (y yaegiCrash) Error() string { return fmt.Sprint(y.value) }

// evalText runs one Eval in a labelled goroutine so that an interrupted
// evaluation can be told apart from everything else later.
func (e *Engine) evalText(ctx context.Context, st *state, text string) (reflect.Value, error) {
	st.evalID++
	id := st.evalID
	type result struct {
		v   reflect.Value
		err error
	}
	// yaegi loses a cancellation that arrives before the code starts
	// running (Execute then takes the new run id and runs on, unstoppable),
	// so the interpreter's context is cancelled only once statement chunks
	// have signalled that they run (their first statement calls
	// __gopar.Started).
	hooked := strings.HasPrefix(text, startedHook)
	started := make(chan struct{})
	st.mu.Lock()
	st.started = started
	st.mu.Unlock()
	ictx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := make(chan result, 1)
	go pprof.Do(context.Background(), pprof.Labels(evalLabel, strconv.Itoa(id)), func(context.Context) {
		defer func() {
			if r := recover(); r != nil {
				ch <- result{err: yaegiCrash{r}}
			}
		}()
		v, err := st.it.EvalWithContext(ictx, text)
		ch <- result{v, err}
	})
	var r result
	select {
	case r = <-ch:
	case <-ctx.Done():
		if hooked {
			select {
			case <-started:
			case r = <-ch:
				return r.v, r.err
			}
		}
		cancel()
		r = <-ch
	}
	if ctx.Err() != nil && (r.err == nil || errors.Is(r.err, context.Canceled) || errors.Is(r.err, context.DeadlineExceeded)) {
		st.zombies = append(st.zombies, id)
		st.interrupt()
		// Most interrupted code stops within a few hundred milliseconds;
		// wait a little so that the next cell rarely has to.
		deadline := time.Now().Add(400 * time.Millisecond)
		for time.Now().Before(deadline) && !st.pruneZombies() {
			time.Sleep(20 * time.Millisecond)
		}
		return reflect.Value{}, errInterrupted
	}
	return r.v, r.err
}

// pruneZombies forgets interrupted evaluations whose goroutine is gone and
// reports whether none is left.
func (st *state) pruneZombies() bool {
	if len(st.zombies) == 0 {
		return true
	}
	alive := labelledGoroutines(evalLabel)
	keep := st.zombies[:0]
	for _, id := range st.zombies {
		if alive[strconv.Itoa(id)] {
			keep = append(keep, id)
		}
	}
	st.zombies = keep
	return len(keep) == 0
}

// labelledGoroutines returns the values of label key among live goroutines
// that are not goroutines started by cells.
func labelledGoroutines(key string) map[string]bool {
	var buf bytes.Buffer
	_ = pprof.Lookup("goroutine").WriteTo(&buf, 1)
	out := map[string]bool{}
	re := regexp.MustCompile(`"` + key + `":"([^"]*)"`)
	for _, line := range strings.Split(buf.String(), "\n") {
		if !strings.HasPrefix(line, "# labels:") || strings.Contains(line, goLabel) {
			continue
		}
		if m := re.FindStringSubmatch(line); m != nil {
			out[m[1]] = true
		}
	}
	return out
}

// waitZombies blocks until the top-level code of interrupted cells is gone:
// yaegi would otherwise resume it (it shares the global frame) once the next
// evaluation starts.
func (e *Engine) waitZombies(ctx context.Context, st *state) *engine.Error {
	if st.pruneZombies() {
		return nil
	}
	if out := e.cap.output(); out != nil {
		out.Stream("stderr", "waiting for an interrupted cell to return from a blocking call of compiled code "+
			"(interrupt, then %reset, to give up on it)…\n")
	}
	for !st.pruneZombies() {
		select {
		case <-ctx.Done():
			return engine.NewError(engine.Interrupt, "interrupted while waiting for an earlier interrupted cell",
				"Interrupt: an earlier interrupted cell is still blocked in a call to compiled code; run %reset to abandon it")
		case <-time.After(50 * time.Millisecond):
		}
	}
	return nil
}

// sleep is time.Sleep for cells: an interrupt wakes it early; the
// interpreted code that called it then stops at its next step (yaegi checks
// a run id that the interrupt changed), so it never resumes later.
func (st *state) sleep(d time.Duration) {
	if d <= 0 {
		runtime.Gosched()
		return
	}
	st.mu.Lock()
	intr := st.intr
	st.mu.Unlock()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-intr:
	}
}

// interrupt wakes every Sleep of this interpreter.
func (st *state) interrupt() {
	st.mu.Lock()
	close(st.intr)
	st.intr = make(chan struct{})
	st.mu.Unlock()
}

// stopInterpreter makes every goroutine of an interpreter stop at its next
// step (yaegi checks a run id that an interrupted Eval bumps).
func stopInterpreter(st *state) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	st.interrupt()
	func() {
		defer func() { _ = recover() }()
		_, _ = st.it.EvalWithContext(ctx, "select {}")
	}()
}
