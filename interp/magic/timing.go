package magic

import (
	"context"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"math"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gopar/gopar/display"
	"github.com/gopar/gopar/engine"
	"github.com/gopar/gopar/internal/ratelimit"
	"github.com/gopar/gopar/parlib"
)

// Calibration and progress settings of %timeit.
var (
	// timeitTarget is the least time of one run of the loops.
	timeitTarget = 200 * time.Millisecond
	// timeitBudget is what the default repetitions aim not to exceed.
	timeitBudget = 10 * time.Second
	// progressAfter is the expected total time above which %timeit shows
	// its progress.
	progressAfter = time.Second
	// progressEvery is the least time between two progress updates.
	progressEvery = 250 * time.Millisecond
)

const defaultRepeat = 7

// padded puts src on line m.Line of a pseudo-cell for a line magic, so that
// errors name the line of the cell.
func padded(m Magic, src string) string {
	if m.Cell || m.Line <= 1 {
		return src
	}
	return strings.Repeat("\n", m.Line-1) + src
}

// timeRun runs src once under parlib.Time and shows the measures; the
// result of src (an expression's value) is the magic's result.
func timeRun(ctx context.Context, m Magic, src string, h Host) engine.ExecuteResult {
	if strings.TrimSpace(src) == "" {
		return errResult(engine.UsageError, "%%time needs Go code to run: %%time EXPR_OR_STMT, or %%%%time on the first line of a cell")
	}
	var res engine.ExecuteResult
	tr := parlib.Time(func() { res = h.RunSource(ctx, padded(m, src)) })
	if res.Err != nil {
		return res
	}
	table := display.TimeTable(&tr)
	h.Output().Display(engine.Display{Data: engine.Bundle{
		"text/plain": tr.String(),
		"text/html":  table.HTML(),
	}})
	return res
}

// timeitOptions parses "-n N -r R" at the start of args; rest is the code.
func timeitOptions(args string) (n, r int, rest string, err error) {
	rest = strings.TrimSpace(args)
	for strings.HasPrefix(rest, "-") {
		if len(rest) < 2 || rest[1] != 'n' && rest[1] != 'r' {
			return 0, 0, "", fmt.Errorf("unknown option %s (known: -n LOOPS, -r REPEATS)", firstWord(rest))
		}
		opt := rest[1]
		rest = strings.TrimLeft(rest[2:], " \t")
		num := rest
		if i := strings.IndexAny(rest, " \t"); i >= 0 {
			num = rest[:i]
		}
		v, e := strconv.Atoi(num)
		if e != nil || v < 1 {
			return 0, 0, "", fmt.Errorf("-%c wants a positive number, not %q", opt, num)
		}
		if opt == 'n' {
			n = v
		} else {
			r = v
		}
		rest = strings.TrimLeft(rest[len(num):], " \t")
	}
	return n, r, rest, nil
}

// loopable tells whether code may be put in a for loop's body: statements
// only (no imports or func declarations). It also rewrites an expression
// that is not a call into "_ = expr", which Go accepts as a statement.
func loopable(code string) (string, bool) {
	if e, err := parser.ParseExpr(code); err == nil {
		switch x := e.(type) {
		case *ast.CallExpr:
		case *ast.UnaryExpr:
			if x.Op != token.ARROW {
				code = "_ = " + code
			}
		default:
			code = "_ = " + code
		}
	}
	_, err := parser.ParseFile(token.NewFileSet(), "", "package p; func _() {"+code+"\n}", parser.SkipObjectResolution)
	return code, err == nil
}

// loopVar names the loop counter of %timeit's loops.
const loopVar = "__gopar_timeit_i"

// timeit runs code (a line magic's Go code after its options, or a cell
// magic's body) in repeated loops, calibrated like IPython's %timeit, and
// shows per-loop statistics.
func timeit(ctx context.Context, m Magic, body string, h Host) engine.ExecuteResult {
	n, r, code, err := timeitOptions(m.Args)
	if err != nil {
		return errResult(engine.UsageError, "%%timeit: %v", err)
	}
	if m.Cell {
		if code != "" {
			return errResult(engine.UsageError, "%%%%timeit: put the code on the next lines, not after the options")
		}
		code = body
	}
	if strings.TrimSpace(code) == "" {
		return errResult(engine.UsageError, "%%timeit needs Go code to run: %%timeit [-n N] [-r R] EXPR_OR_STMT")
	}
	loopCode, inLoop := loopable(code)

	// run times k loops of code in one run.
	run := func(k int) (parlib.TimeResult, engine.ExecuteResult) {
		var res engine.ExecuteResult
		var tr parlib.TimeResult
		if inLoop {
			src := padded(m, fmt.Sprintf("for %s := 0; %s < %d; %s++ { %s\n}", loopVar, loopVar, k, loopVar, loopCode))
			tr = parlib.Time(func() { res = h.RunSource(ctx, src) })
		} else {
			src := padded(m, code)
			tr = parlib.Time(func() {
				for i := 0; i < k && res.Err == nil && ctx.Err() == nil; i++ {
					res = h.RunSource(ctx, src)
				}
			})
		}
		if res.Err == nil && ctx.Err() != nil {
			res = interrupted()
		}
		return tr, res
	}

	var samples []parlib.TimeResult
	loops := n
	if loops == 0 {
		// Calibrate: grow the loop count until a run lasts timeitTarget;
		// that run is the first sample.
		loops = 1
		for {
			tr, res := run(loops)
			if res.Err != nil {
				return res
			}
			if tr.Wall >= timeitTarget || loops >= 1e9 {
				samples = append(samples, tr)
				break
			}
			loops = nextLoops(loops, tr.Wall)
		}
	}
	repeat := r
	if repeat == 0 {
		repeat = defaultRepeat
		if len(samples) > 0 {
			repeat = autoRepeat(samples[0].Wall)
		}
	}

	prog := newProgress(h.Output())
	start := time.Now()
	for len(samples) < repeat {
		if ctx.Err() != nil {
			return interrupted()
		}
		tr, res := run(loops)
		if res.Err != nil {
			prog.finish(nil)
			return res
		}
		samples = append(samples, tr)
		if r == 0 && len(samples) == 1 {
			repeat = autoRepeat(tr.Wall)
		}
		var total time.Duration
		for _, s := range samples {
			total += s.Wall
		}
		if total/time.Duration(len(samples))*time.Duration(repeat) > progressAfter && len(samples) < repeat {
			prog.update(fmt.Sprintf("%%timeit: run %d of %d done (%d loop%s each), %s elapsed",
				len(samples), repeat, loops, plural(loops), parlib.FormatDuration(time.Since(start))))
		}
	}
	prog.finish(timeitBundle(samples, loops))
	return engine.ExecuteResult{}
}

// autoRepeat is the default number of runs when one run takes wall: 7, but
// fewer (at least 3) when 7 would exceed timeitBudget.
func autoRepeat(wall time.Duration) int {
	return max(3, min(defaultRepeat, int(timeitBudget/max(wall, 1))))
}

// nextLoops proposes the loop count of the next calibration run after k
// loops took wall: enough to reach timeitTarget, at least twice and at most
// a hundred times k, rounded up to 1, 2 or 5 times a power of ten.
func nextLoops(k int, wall time.Duration) int {
	want := 100 * k
	if wall > 0 {
		want = int(math.Ceil(float64(k) * 1.1 * float64(timeitTarget) / float64(wall)))
	}
	want = max(2*k, min(100*k, want))
	for p := 1; ; p *= 10 {
		for _, m := range []int{1, 2, 5} {
			if m*p >= want {
				return m * p
			}
		}
	}
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// timeitBundle shows the per-loop statistics of the samples.
func timeitBundle(samples []parlib.TimeResult, loops int) engine.Bundle {
	per := make([]time.Duration, len(samples))
	var allocs, bytes uint64
	for i, s := range samples {
		per[i] = s.Wall / time.Duration(loops)
		allocs += s.Allocs
		bytes += s.Bytes
	}
	runs := uint64(len(samples) * loops)
	b := parlib.BenchResult{
		Label:  fmt.Sprintf("%d × %d loop%s", len(samples), loops, plural(loops)),
		Runs:   int(runs),
		Allocs: allocs / runs,
		Bytes:  bytes / runs,
	}
	b.Min, b.Median, b.Mean, b.Std = parlib.Summarize(per)
	text := fmt.Sprintf("%s ± %s per loop (mean ± std. dev. of %d run%s, %d loop%s each)\n"+
		"min %s, median %s; %d allocations: %s per loop",
		parlib.FormatDuration(b.Mean), parlib.FormatDuration(b.Std), len(samples), plural(len(samples)),
		loops, plural(loops), parlib.FormatDuration(b.Min), parlib.FormatDuration(b.Median),
		b.Allocs, parlib.FormatBytes(b.Bytes))
	return engine.Bundle{"text/plain": text, "text/html": display.BenchTable(&b).HTML()}
}

// progress shows a rate-limited, updatable progress line.
type progress struct {
	out   engine.Output
	id    string
	shown bool
	lim   *ratelimit.Limiter
}

var progressSeq atomic.Int64

func newProgress(out engine.Output) *progress {
	return &progress{out: out, id: fmt.Sprintf("gopar-timeit-%d-%d", time.Now().UnixNano(), progressSeq.Add(1)),
		lim: ratelimit.New(progressEvery, nil)}
}

// update shows text: the first time always, then at most once per
// progressEvery.
func (p *progress) update(text string) {
	if !p.lim.Allow(false) {
		return
	}
	p.out.Display(engine.Display{Data: engine.Bundle{"text/plain": text}, ID: p.id, Update: p.shown})
	p.shown = true
}

// finish replaces the progress line by the final bundle (shown as a new
// display when there was no progress line); a nil bundle only clears it.
func (p *progress) finish(b engine.Bundle) {
	switch {
	case b == nil && p.shown:
		p.out.Display(engine.Display{Data: engine.Bundle{"text/plain": ""}, ID: p.id, Update: true})
	case b == nil:
	case p.shown:
		p.out.Display(engine.Display{Data: b, ID: p.id, Update: true})
	default:
		p.out.Display(engine.Display{Data: b})
	}
}
