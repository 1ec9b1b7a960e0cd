package magic

import (
	"fmt"
	"sort"
	"strings"

	"github.com/gopar/gopar/engine"
	"github.com/gopar/gopar/interp/complete"
)

// interruptHelp says what an interrupt does; shown by %help.
const interruptHelp = `Interrupting (the stop button, or Ctrl-C in a console) cancels the running cell: interpreted loops, channel operations, time.Sleep and long parlib calls stop within about a second, and the cell's code never resumes later. Everything defined by earlier cells stays and works as before (functions, methods, closures in variables). The interrupt also stops the goroutines that earlier cells started and that run interpreted code or sleep (their deferred calls run); an interrupt while no cell runs does the same. Code blocked in a compiled call (I/O, a mutex, a library call that does not watch for cancellation) cannot be stopped: the next cell runs anyway, says where that code is blocked, and if the call returns, the rest of its statement may still run.`

// parlibTour is a short tour of parlib and display, as Go code.
const parlibTour = `// Parallel loops (like Julia's @threads, OpenMP's parallel for):
parlib.For(1000, func(i int) { work(i) })                      // static schedule
parlib.ForOpts(1000, parlib.Options{Threads: 4, Schedule: parlib.Dynamic, Chunk: 16},
	func(i int) { work(i) })
parlib.ForChunks(1_000_000, func(lo, hi int) { for i := lo; i < hi; i++ { work(i) } })

// Maps and reductions:
ys := parlib.PmapFloat64(xs, math.Sqrt)
s := parlib.SumFloat64(1_000_000, func(i int) float64 { return 1 / float64(i+1) }, 0)

// Tasks (spawn/fetch) and groups:
t := parlib.Spawn(func() any { return fib(30) })
v, err := t.Fetch()

// Ready-made kernels of the classic experiments (run natively):
parlib.Primes(100_000, 2)        // the first n primes with 2 threads
parlib.SlowSeries(10_000_000, 0) // 0 threads = the default (%threads)

// Measuring:
parlib.Time(func() { parlib.SlowSeries(1e7, 2) })   // like %time
parlib.Bench(func() { parlib.SlowSeries(1e6, 1) })  // like %timeit
r := parlib.Scaling(func(p int) { parlib.SlowSeries(1e7, p) }, 1, 2)
display.SpeedupPlot(r)                               // speed-up vs threads
display.ScalingTable(r)
parlib.Machine()                                     // CPUs, OS, Go version`

// displayHelp lists the display functions.
const displayHelp = `display.Display(v)          show v now (a table, plot, image, any value); returns a handle to update it
display.HTML(s), display.Markdown(s), display.LaTeX(s), display.Math(s), display.SVG(s)
display.PNG(b), display.JPEG(b), display.JSON(v), display.Text(s)
display.NewTable(header, rows...), display.TableOf(slice)
display.Bars(...), display.LogLog(...), display.SpeedupPlot(r...), display.SetPlotSize(w, h)
display.NewProgress(total, label)   a progress bar that updates in place
A cell's last expression is shown too: a *plot.Plot as an image, a table as HTML.`

// help shows the magics (from the table), the display functions, a parlib
// tour and what interrupts do.
func help(out engine.Output) engine.ExecuteResult {
	var lines, cells, bare []string
	for _, s := range magics {
		switch {
		case s.bare:
			bare = append(bare, s.line.describe())
			continue
		case s.line != nil:
			lines = append(lines, s.line.describe())
		}
		if s.cell != nil {
			cells = append(cells, s.cell.describe())
		}
	}
	sort.Strings(lines)
	sort.Strings(cells)
	all := append(append(append(lines, cells...), bare...),
		"Tab completes package members, variables' fields and methods; Shift-Tab shows documentation")

	var t strings.Builder
	t.WriteString("gopar: Go cells, interpreted by yaegi, with parallel work done natively by parlib.\n\n")
	t.WriteString("Magics (at the start of a line):\n")
	for _, m := range all {
		t.WriteString("  " + m + "\n")
	}
	t.WriteString("\nDisplay functions:\n" + indent(displayHelp) + "\n")
	t.WriteString("\nA parlib tour:\n" + indent(parlibTour) + "\n")
	t.WriteString("\nInterrupts:\n" + interruptHelp + "\n")
	t.WriteString("\nNative cells:\n" + nativeHelp + "\n")

	var md strings.Builder
	md.WriteString("## gopar help\n\nGo cells, interpreted by yaegi, with parallel work done natively by `parlib`.\n\n### Magics\n\n")
	for _, m := range all {
		name, desc, _ := strings.Cut(m, " — ")
		md.WriteString("- `" + name + "` — " + desc + "\n")
	}
	md.WriteString("\n### Display functions\n\n```go\n" + displayHelp + "\n```\n")
	md.WriteString("\n### A parlib tour\n\n```go\n" + parlibTour + "\n```\n")
	md.WriteString("\n### Interrupts\n\n" + interruptHelp + "\n")
	md.WriteString("\n### Native cells\n\n" + nativeHelp + "\n")

	out.Display(engine.Display{Data: engine.Bundle{"text/plain": t.String(), "text/markdown": md.String()}})
	return engine.ExecuteResult{}
}

// pageHelp answers a help line (?name, ?%magic) with a pager payload.
func pageHelp(m Magic, h Host) engine.ExecuteResult {
	if name, ok := strings.CutPrefix(m.Args, "%"); ok {
		f := lineForm(name)
		if c, ok := strings.CutPrefix(name, "%"); ok {
			f = cellForm(c)
		}
		if f == nil {
			h.Output().Stream("stderr", fmt.Sprintf("Magic `%s` not found (known: %s).\n", m.Args, known(false)))
			return engine.ExecuteResult{}
		}
		return engine.ExecuteResult{Payloads: []map[string]any{{"source": "page", "data": map[string]any{"text/plain": f.describe()}, "start": 0}}}
	}
	detail := 0
	if m.Name == "??" {
		detail = 1
	}
	in := complete.Inspect(m.Args, len([]rune(m.Args)), detail, h.Scope())
	if !in.Found {
		h.Output().Stream("stderr", fmt.Sprintf("Object `%s` not found.\n", m.Args))
		return engine.ExecuteResult{}
	}
	data := map[string]any{"text/plain": in.Data["text/plain"]}
	if md, ok := in.Data["text/markdown"]; ok {
		data["text/markdown"] = md
	}
	return engine.ExecuteResult{Payloads: []map[string]any{{"source": "page", "data": data, "start": 0}}}
}

func indent(s string) string {
	return "    " + strings.ReplaceAll(s, "\n", "\n    ")
}
