package interp

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"go/token"
	"reflect"
	"regexp"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	yaegi "github.com/traefik/yaegi/interp"

	"github.com/gopar/gopar/engine"
	"github.com/gopar/gopar/interp/native"
)

// Evaluation and interruption.
//
// yaegi stops interpreted code with a run id: every frame runs only while
// its id equals the interpreter's, and cancelling EvalWithContext adds one
// to the interpreter's id. That stops the interrupted code and every
// goroutine of the interpreter, but also every closure made before (a
// closure's frame keeps the id it was made with), for ever. So the engine
// keeps the id bumped only while the interrupted code stops, and restores
// it when the next cell starts (resumeLocked):
//
//   - on an interrupt (a cancelled Execute context, or InterruptIdle while
//     no cell runs) the id is bumped, sleepers are woken (Sleep returns at
//     once until the next cell), and parlib's context is cancelled;
//   - at the start of the next cell, the engine waits (at most resumeWait
//     after the interrupt) for the interrupted evaluation's goroutine to
//     end, and for the goroutines that run interpreted code to stop or
//     block, then restores the id. An evaluation still blocked in a call of
//     compiled code then is left behind, with a note in the cell's stderr
//     naming the call; if the call returns, the rest of the interrupted
//     statement may run (its frames have the restored id again), and the
//     engine says so when it finishes.
//
// What the id cannot tell apart remains: a goroutine of an earlier cell
// blocked in a compiled call, or in a channel operation (yaegi wakes only
// those of the interrupted evaluation), from the interrupt to the next
// cell runs on when it wakes; and closures made inside the interrupted
// evaluation keep its channel-operation cancel channel, which stays
// closed, so their blocking channel operations return at once.
//
// Every chunk runs in a goroutine of its own, labelled with its evaluation
// id for pprof, which is how the engine finds an interrupted evaluation
// that still runs (and what it is blocked in) after EvalWithContext
// returned.

const (
	evalLabel = "gopar_eval"
	goLabel   = "gopar_go"
)

// resumeWait bounds how long after an interrupt the next cell waits for the
// interrupted evaluation to stop before leaving it behind.
const resumeWait = time.Second

// labelGoroutine marks a goroutine started by a cell, so that it is not
// mistaken for the top-level code of an interrupted cell.
func labelGoroutine() {
	pprof.SetGoroutineLabels(pprof.WithLabels(context.Background(), pprof.Labels(goLabel, "1")))
}

// evalSeq numbers evaluations, process-wide: their pprof labels.
var evalSeq atomic.Int64

// errInterrupted is what Sleep and the stdin reader panic with when the
// cell is interrupted.
var errInterrupted = errors.New("interrupted")

// runState is what an interrupt changes (guarded by state.mu).
type runState struct {
	stopped bool          // the run id is bumped: interpreted code stops at its next step
	saved   uint64        // the run id before the interrupt
	since   time.Time     // when the interrupt came
	woken   bool          // intr is closed
	intr    chan struct{} // closed on interrupt until the next cell: wakes and short-cuts Sleep
	ctx     context.Context
	cancel  context.CancelFunc // cancels ctx, parlib's context, on interrupt
}

func (r *runState) init() {
	r.intr = make(chan struct{})
	r.ctx, r.cancel = context.WithCancel(context.Background())
}

// stopping records the run id before an interrupt changes it.
func (st *state) stopping() {
	st.mu.Lock()
	defer st.mu.Unlock()
	if !st.run.stopped {
		st.run.stopped, st.run.saved, st.run.since = true, st.in.runID(), time.Now()
	}
}

// stopped wakes sleepers and cancels parlib's context, once the run id
// changed.
func (st *state) stopped() {
	st.mu.Lock()
	defer st.mu.Unlock()
	if !st.run.woken {
		st.run.woken = true
		close(st.run.intr)
		st.run.cancel()
	}
}

// stop bumps the run id itself, for an interrupt that comes while no
// evaluation runs: goroutines of earlier cells stop at their next step.
func (st *state) stop() {
	st.stopping()
	st.in.bumpRunID()
	st.stopped()
}

// isStopped reports whether an interrupt's stop lasts.
func (st *state) isStopped() bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.run.stopped
}

// parlibContext is the context parlib calls get: cancelled by interrupts.
func (st *state) parlibContext() context.Context {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.run.ctx
}

// restart restores the run id after an interrupt.
func (st *state) restart() {
	st.mu.Lock()
	defer st.mu.Unlock()
	if !st.run.stopped {
		return
	}
	st.in.setRunID(st.run.saved)
	st.run = runState{}
	st.run.init()
}

// evalInfo says where a text handed to yaegi comes from.
type evalInfo struct {
	cell *cellRec
	line int // line of the cell the text starts at
	// transient: once the evaluation returns, none of its code can run
	// again (no closure, goroutine or declaration), so yaegi's record of
	// its source positions may go.
	transient bool
}

// evalChunk evaluates a built chunk and turns failures into cell errors.
func (e *Engine) evalChunk(ctx context.Context, st *state, c *chunk) (reflect.Value, error) {
	st.takePanicLines()
	if debugChunk != nil {
		debugChunk(c.text)
	}
	v, err := e.evalText(ctx, st, c.text, evalInfo{cell: c.cell, line: c.line0, transient: c.transient})
	if err == nil {
		return v, nil
	}
	return v, cellError{e.describe(ctx, st, c, err)}
}

// startedHook starts every chunk of statements at the global level, and
// initHook every chunk of statements run in an init function: their first
// statement tells evalText that the chunk's code runs. __gopar_started is
// an interpreted function (defined by engineDecls): a call of compiled
// __gopar.Started at the global level would take a slot of yaegi's global
// frame, which only grows (see chunk.init).
const (
	startedHook = ";__gopar_started()"
	initHook    = "func init() { __gopar_started();"
)

// engineDecls are the engine's own declarations in the interpreter.
const engineDecls = `func __gopar_started() { __gopar.Started() }`

// debugChunk, when set (by tests), sees every chunk's text.
var debugChunk func(string)

// yaegiCrash is a panic that escaped yaegi's Eval (a bug or unsupported
// construct in the interpreter, such as "nil type").
type yaegiCrash struct{ value any }

func (y yaegiCrash) Error() string { return fmt.Sprint(y.value) }

// evalText runs one Eval in a labelled goroutine so that an interrupted
// evaluation can be told apart from everything else later.
func (e *Engine) evalText(ctx context.Context, st *state, text string, info evalInfo) (reflect.Value, error) {
	if ctx.Err() != nil {
		// Interrupted between two evaluations: nothing runs, but the
		// interrupt still stops the goroutines of earlier cells.
		st.stop()
		return reflect.Value{}, errInterrupted
	}
	id := evalSeq.Add(1)
	type result struct {
		v   reflect.Value
		err error
	}
	// yaegi loses a cancellation that arrives before the code starts
	// running (Execute then takes the new run id and runs on, unstoppable),
	// so the interpreter's context is cancelled only once statement chunks
	// have signalled that they run (their first statement calls
	// __gopar.Started).
	hooked := strings.HasPrefix(text, startedHook) || strings.HasPrefix(text, initHook)
	started := make(chan struct{})
	st.mu.Lock()
	st.started = started
	st.mu.Unlock()
	base := st.it.FileSet().Base()
	ictx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := make(chan result, 1)
	go pprof.Do(context.Background(), pprof.Labels(evalLabel, strconv.FormatInt(id, 10)), func(context.Context) {
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
		mark := native.Entered()
		st.stopping()
		cancel() // yaegi bumps the run id and wakes its channel operations
		r = <-ch
		st.stopped()
		// Compiled code of a native cell that ignores the interrupt ends
		// the engine process (native.ExitWhenStuck): during this cell.
		native.AwaitInterrupted(mark)
	}
	if ctx.Err() != nil && (r.err == nil || errors.Is(r.err, context.Canceled) || errors.Is(r.err, context.DeadlineExceeded)) {
		st.zombies = append(st.zombies, &zombie{id: strconv.FormatInt(id, 10), cell: info.cell, line: info.line})
		return reflect.Value{}, errInterrupted
	}
	st.in.dropRoots()
	if info.transient || r.err != nil && !isPanic(r.err) {
		st.forgetFiles(base)
	} else {
		st.forgetScratch(base)
	}
	return r.v, r.err
}

// isPanic reports whether an Eval error is a panic of the code (which ran,
// and may have left goroutines or closures behind), not a compile error.
func isPanic(err error) bool {
	var p yaegi.Panic
	return errors.As(err, &p)
}

// forgetFiles drops yaegi's record of the sources parsed since the file
// set's base was base (their line tables), once nothing compiled from them
// can run again.
func (st *state) forgetFiles(base int) {
	fset := st.it.FileSet()
	for p := base; p < fset.Base(); {
		f := fset.File(token.Pos(p))
		if f == nil {
			return
		}
		fset.RemoveFile(f)
		p = f.Base() + f.Size() + 1
	}
}

// forgetScratch drops yaegi's record of the sources its Eval parsed since
// the file set's base was base only to look at them, and keeps the parse
// its compiled code points into (for the positions of later errors).
// yaegi v0.16's Eval adds, in this order: a file to read the first token,
// one to read the build constraints, then the parse it compiles (after a
// failed parse of a func, one more: the retry, which it compiles). Only
// that shape is touched: anything else is left as it is. It saves about
// 0.5 KB of line tables per cell that defines something (BenchmarkSoak).
func (st *state) forgetScratch(base int) {
	fset := st.it.FileSet()
	var files []*token.File
	for p := base; p < fset.Base() && len(files) <= 4; {
		f := fset.File(token.Pos(p))
		if f == nil {
			return
		}
		files = append(files, f)
		p = f.Base() + f.Size() + 1
	}
	if len(files) != 3 && len(files) != 4 {
		return
	}
	for _, f := range files[:len(files)-1] {
		fset.RemoveFile(f)
	}
}

// evalQuiet evaluates src outside of any cell (a global's name for
// completion or %who), recovering panics; it leaves nothing behind.
func (st *state) evalQuiet(src string) (v reflect.Value, err error) {
	return st.evalDirect(src, false)
}

// evalDirect evaluates src in the calling goroutine, recovering panics;
// yaegi's record of its source is kept only with keep (declarations).
func (st *state) evalDirect(src string, keep bool) (v reflect.Value, err error) {
	base := st.it.FileSet().Base()
	defer func() {
		if r := recover(); r != nil {
			err = yaegiCrash{r}
		}
		st.in.dropRoots()
		if !keep || err != nil {
			st.forgetFiles(base)
		} else {
			st.forgetScratch(base)
		}
	}()
	return st.it.Eval(src)
}

// compileProbe compiles (never runs) src and returns the compile error's
// text ("" if it compiles); it leaves nothing behind.
func (st *state) compileProbe(src string) (msg string) {
	base := st.it.FileSet().Base()
	defer func() {
		if r := recover(); r != nil {
			msg = fmt.Sprint(r)
		}
		st.in.dropRoots()
		st.forgetFiles(base)
	}()
	if _, err := st.it.Compile(src); err != nil {
		return err.Error()
	}
	return ""
}

// zombie is an interrupted evaluation whose goroutine may still run.
type zombie struct {
	id   string // evaluation id (pprof label)
	cell *cellRec
	line int
	left bool   // left behind: the next cell did not wait for it
	in   string // the compiled function it was blocked in
}

func (z *zombie) where() string {
	if z.cell == nil {
		return "an interrupted evaluation"
	}
	if z.cell.count == 0 {
		return fmt.Sprintf("the interrupted line %d", z.line)
	}
	return fmt.Sprintf("the interrupted In [%d] line %d", z.cell.count, z.line)
}

// resumeLocked ends the stop of an interrupt when a cell starts (e.mu
// held): it waits for the interrupted evaluations to end (at most
// resumeWait after the interrupt), leaves behind those blocked in compiled
// code, and restores the run id. It also says which evaluations left
// behind earlier have finished. Notes go to out's stderr.
func (e *Engine) resumeLocked(st *state, out engine.Output) {
	var notes []string
	var alive map[string]string
	if len(st.zombies) > 0 {
		alive = runningEvaluations()
	}
	if st.isStopped() {
		// Wait for the interrupted evaluations to end and for every
		// goroutine running interpreted code to stop or to block: once
		// the run id is restored, those would run on. No signal tells
		// when a goroutine ends, or blocks: poll.
		st.mu.Lock()
		deadline := st.run.since.Add(resumeWait)
		st.mu.Unlock()
		tick := time.NewTicker(5 * time.Millisecond)
		for (freshAlive(st.zombies, alive) || interpreting()) && time.Now().Before(deadline) {
			<-tick.C
			if len(st.zombies) > 0 {
				alive = runningEvaluations()
			}
		}
		tick.Stop()
	}
	if len(st.zombies) > 0 {
		notes = st.sweepZombies(alive, true)
	}
	st.restart()
	if out != nil && len(notes) > 0 {
		out.Stream("stderr", strings.Join(notes, ""))
	}
}

// freshAlive reports whether an interrupted evaluation not yet left behind
// still runs.
func freshAlive(zs []*zombie, alive map[string]string) bool {
	for _, z := range zs {
		if _, ok := alive[z.id]; ok && !z.left {
			return true
		}
	}
	return false
}

// finishedNotesLocked says, at the end of a cell, which evaluations left
// behind have finished meanwhile (e.mu held).
func (e *Engine) finishedNotesLocked(st *state, out engine.Output) {
	if len(st.zombies) == 0 {
		return
	}
	if notes := st.sweepZombies(runningEvaluations(), false); out != nil && len(notes) > 0 {
		out.Stream("stderr", strings.Join(notes, ""))
	}
}

// sweepZombies forgets the interrupted evaluations that no longer run
// (alive: those that do, see runningEvaluations), with a note for those
// left behind; with leave, it leaves behind those that still run, with a
// note saying where they are blocked.
func (st *state) sweepZombies(alive map[string]string, leave bool) (notes []string) {
	keep := st.zombies[:0]
	for _, z := range st.zombies {
		blocked, running := alive[z.id]
		switch {
		case running && leave && !z.left:
			z.left, z.in = true, blocked
			in := ""
			if blocked != "" {
				in = " (" + blocked + ")"
			}
			notes = append(notes, fmt.Sprintf("note: %s is blocked in a call to compiled code%s, which an interrupt cannot stop: "+
				"it is left behind, and if that call returns, the rest of its statement may run in the background. "+
				"Everything defined earlier is kept.\n", z.where(), in))
		case !running && z.left:
			in := ""
			if z.in != "" {
				in = " in " + z.in
			}
			notes = append(notes, fmt.Sprintf("note: %s, left behind%s, has finished.\n", z.where(), in))
		}
		if running {
			keep = append(keep, z)
		}
	}
	clear(st.zombies[len(keep):])
	st.zombies = keep
	return notes
}

var labelRE = regexp.MustCompile(`"` + evalLabel + `":"([^"]*)"`)

// runningEvaluations finds, among live goroutines, those that run an
// evaluation's code (yaegi's Eval inside EvalWithContext), by evaluation
// id, with the compiled function each is blocked in ("" if none is found).
func runningEvaluations() map[string]string {
	var buf bytes.Buffer
	_ = pprof.Lookup("goroutine").WriteTo(&buf, 1)
	out := map[string]string{}
	// Records are separated by blank lines: "N @ pcs", "# labels: {…}",
	// then one "#\tpc\tfunction+off\tfile:line" line per frame, innermost
	// first.
	sc := bufio.NewScanner(&buf)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	var id string
	var frames []string
	flush := func() {
		if id != "" {
			evaluating := false
			for _, f := range frames {
				if strings.Contains(f, "yaegi/interp.(*Interpreter).EvalWithContext.func") {
					evaluating = true
				}
			}
			if evaluating {
				out[id] = blockedIn(frames)
			}
		}
		id, frames = "", frames[:0]
	}
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			flush()
		case strings.HasPrefix(line, "# labels:"):
			if m := labelRE.FindStringSubmatch(line); m != nil && !strings.Contains(line, goLabel) {
				id = m[1]
			}
		case strings.HasPrefix(line, "#\t"):
			if f := strings.Split(line, "\t"); len(f) >= 3 {
				fn := f[2]
				if i := strings.LastIndex(fn, "+0x"); i >= 0 {
					fn = fn[:i]
				}
				frames = append(frames, fn)
			}
		}
	}
	flush()
	return out
}

// interpreting reports whether a goroutine runs interpreted code (it has a
// frame of yaegi's runCfg and is running or runnable, not blocked).
func interpreting() bool {
	buf := make([]byte, 64<<10)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			buf = buf[:n]
			break
		}
		buf = make([]byte, 2*len(buf))
	}
	for _, g := range bytes.Split(buf, []byte("\n\n")) {
		header, _, _ := bytes.Cut(g, []byte("\n"))
		if (bytes.Contains(header, []byte("[running]")) || bytes.Contains(header, []byte("[runnable]"))) &&
			bytes.Contains(g, []byte("github.com/traefik/yaegi/interp.runCfg(")) {
			return true
		}
	}
	return false
}

// blockedIn names the compiled function an interpreted goroutine waits in:
// the outermost frame before the first frame of reflect or yaegi (which
// called it), innermost first.
func blockedIn(frames []string) string {
	for i, f := range frames {
		if strings.HasPrefix(f, "reflect.") || strings.HasPrefix(f, "github.com/traefik/yaegi/") {
			if i == 0 {
				return ""
			}
			return frames[i-1]
		}
	}
	return ""
}

// sleep is time.Sleep for cells: an interrupt wakes it early, and until the
// next cell starts it returns at once; the interpreted code that called it
// then stops at its next step (the run id changed), so it never resumes
// later.
func (st *state) sleep(d time.Duration) {
	if d <= 0 {
		runtime.Gosched()
		return
	}
	st.mu.Lock()
	intr := st.run.intr
	st.mu.Unlock()
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-intr:
	}
}

// stopInterpreter makes every goroutine of an interpreter stop at its next
// step (yaegi checks a run id that an interrupted Eval bumps), for good.
func stopInterpreter(st *state) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	st.stopping()
	func() {
		defer func() { _ = recover() }()
		_, _ = st.it.EvalWithContext(ctx, "select {}")
	}()
	st.stopped()
}
