// Package nbrun executes a Jupyter notebook in-process with an
// engine.Engine, without Jupyter, and writes the executed notebook (nbformat
// 4.5) and a self-contained HTML report. It is what `gopar run` does.
package nbrun

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/gopar/gopar/engine"
	"github.com/gopar/gopar/internal/atomicfile"
)

// Options tells Run what to read and write.
type Options struct {
	// Input is the notebook to execute.
	Input string
	// Output is where the executed notebook goes; empty means
	// DefaultOutput(Input). It may equal Input, or name the same file:
	// the notebook is then run in place (see Run).
	Output string
	// HTML is where the HTML report goes; empty means no report.
	HTML string
	// Timeout limits each cell; 0 means no limit.
	Timeout time.Duration
	// Grace is how long to wait for the engine to return after a cell's
	// context is cancelled (its timeout, or ctx) before giving up on it;
	// 0 means 10 s (see ExecOptions.Grace).
	Grace time.Duration
	// AllowErrors keeps running after a failing cell (Run then returns
	// nil); otherwise the first failing cell stops the run.
	AllowErrors bool
	// Log receives one progress line per cell; nil means none.
	Log io.Writer
	// Kernel is the kernelspec recorded in the executed notebook's
	// metadata when the notebook does not name a Go kernel already (gopar
	// passes the one it was installed as); zero leaves the metadata as it
	// is.
	Kernel KernelSpec
}

// DefaultOutput is the executed notebook's path when none is given:
// NAME.ipynb becomes NAME.out.ipynb beside it.
func DefaultOutput(input string) string {
	return strings.TrimSuffix(input, filepath.Ext(input)) + ".out.ipynb"
}

// CellError is a cell that failed.
type CellError struct {
	// Index is the cell's position in the notebook, counting all cells
	// from 1.
	Index int
	// FirstLine is the first non-blank line of the cell's source.
	FirstLine string
	// Err is the engine's error.
	Err *engine.Error
}

// Error names the cell and the error.
func (e *CellError) Error() string {
	return fmt.Sprintf("cell %d (%s): %v", e.Index, e.FirstLine, e.Err)
}

// KernelSpec is the kernelspec entry of a notebook's metadata: the kernel
// Jupyter starts for the notebook.
type KernelSpec struct {
	// Name is the kernel's name, the directory under kernels/ it is
	// installed in.
	Name string
	// DisplayName is the name shown in Jupyter's kernel menus; empty
	// means Name.
	DisplayName string
	// Language is the kernel's language; empty means "go".
	Language string
}

// kernelspec returns the kernelspec metadata of a notebook executed with
// a Go engine: the notebook's own when it names a Go kernel (as nbconvert
// keeps it, so that the notebook stays with the kernel its author chose),
// else ks; nil when neither is known. The notebook names a Go kernel
// when its kernelspec has a name and display_name, and its language is
// "go" (or, when it gives none, the notebook's language_info says go).
func kernelspec(meta map[string]any, ks KernelSpec) map[string]any {
	if old, ok := meta["kernelspec"].(map[string]any); ok {
		name, _ := old["name"].(string)
		display, _ := old["display_name"].(string)
		lang, hasLang := old["language"].(string)
		if !hasLang {
			li, _ := meta["language_info"].(map[string]any)
			lang, _ = li["name"].(string)
		}
		if name != "" && display != "" && strings.EqualFold(lang, "go") {
			return old
		}
	}
	if ks.Name == "" {
		old, _ := meta["kernelspec"].(map[string]any)
		return old
	}
	if ks.DisplayName == "" {
		ks.DisplayName = ks.Name
	}
	if ks.Language == "" {
		ks.Language = "go"
	}
	return map[string]any{"name": ks.Name, "display_name": ks.DisplayName, "language": ks.Language}
}

// Run reads opts.Input, executes it with eng, and writes the executed
// notebook and, when asked, the HTML report. Both are written even when a
// cell fails, so the report shows the error; the error is then returned (a
// *CellError) unless opts.AllowErrors. Run does not close eng.
//
// When the executed notebook replaces the input (opts.Output is the input
// file) and the run stops early, at a failing cell or when ctx ends, the
// cells it did not reach keep the outputs and execution counts they had,
// as in Jupyter when Run All stops at an error: the notebook shows the
// error where it happened and loses nothing the run did not redo. The
// report shows this run only: those cells without outputs.
//
// Before it runs anything, Run checks what Check checks: a notebook whose
// metadata says it is in another language than Go (a Python notebook) is
// refused, and an output it could not write fails the run at once, not
// after the last cell. It writes the files as an editor saves them
// (atomicfile.Replace): a file that exists keeps its mode, a symbolic link
// keeps pointing to the file, which is replaced, and a new file gets 0666
// less the umask.
func Run(ctx context.Context, eng engine.Engine, opts Options) error {
	j, err := prepare(opts)
	if err != nil {
		return err
	}
	nb := j.nb
	if nb.from != 0 {
		logf(opts.Log, "%s is in nbformat %d: converted to nbformat 4 as Jupyter does\n", opts.Input, nb.from)
	}
	// In place, what the cells had, for those the run does not reach.
	var stored map[*Cell]Cell
	if j.inplace {
		stored = make(map[*Cell]Cell, len(nb.Cells))
		for _, c := range nb.Cells {
			stored[c] = *c
		}
	}
	start := time.Now()
	runErr := Execute(ctx, eng, nb, ExecOptions{Timeout: opts.Timeout, Grace: opts.Grace, AllowErrors: opts.AllowErrors, Log: opts.Log, Kernel: opts.Kernel})
	var page bytes.Buffer
	var pageErr error
	if opts.HTML != "" {
		title := strings.TrimSuffix(filepath.Base(opts.Input), filepath.Ext(opts.Input))
		r := Report{Title: title, Engine: eng.Info(), Started: start, Elapsed: time.Since(start)}
		pageErr = RenderHTML(&page, nb, r)
	}
	kept := 0
	for _, c := range nb.Cells {
		if old, ok := stored[c]; ok && c.CellType == "code" && !c.ran {
			c.Outputs, c.ExecutionCount = old.Outputs, old.ExecutionCount
			kept++
		}
	}
	if err := nb.WriteFile(j.out); err != nil {
		return errors.Join(runErr, writeFailed("the executed notebook", j.out, err))
	}
	switch kept {
	case 0:
		logf(opts.Log, "wrote %s\n", j.out)
	case 1:
		logf(opts.Log, "wrote %s (the code cell not run keeps its earlier outputs)\n", j.out)
	default:
		logf(opts.Log, "wrote %s (the %d code cells not run keep their earlier outputs)\n", j.out, kept)
	}
	if opts.HTML != "" {
		if pageErr == nil {
			pageErr = atomicfile.ReplaceFile(opts.HTML, page.Bytes())
		}
		if pageErr != nil {
			return errors.Join(runErr, writeFailed("the HTML report", opts.HTML, pageErr))
		}
		logf(opts.Log, "wrote %s\n", opts.HTML)
	}
	return runErr
}

// Check does what Run does before it runs a cell, so that a command can
// fail at once, before it even starts an engine: it reads the notebook,
// checks that its metadata does not name another language than Go, and
// that the executed notebook and the HTML report can be written (see
// atomicfile.Check) and are not one file. The error names the file.
func Check(opts Options) error {
	_, err := prepare(opts)
	return err
}

// A job is a run that prepare found can be done.
type job struct {
	nb      *Notebook // the notebook read
	out     string    // where the executed notebook goes
	inplace bool      // out is the notebook's own file
}

// prepare reads the notebook and checks the outputs for Run and Check.
func prepare(opts Options) (*job, error) {
	nb, err := ReadNotebook(opts.Input)
	if err != nil {
		return nil, err
	}
	if err := checkLanguage(nb.Metadata); err != nil {
		return nil, fmt.Errorf("%s: %v: run it with its kernel (jupyter nbconvert --to notebook --execute %s), or if its code is Go, choose a Go kernel for it", opts.Input, err, shellQuote(opts.Input))
	}
	j := &job{nb: nb, out: opts.Output}
	if j.out == "" {
		j.out = DefaultOutput(opts.Input)
	}
	j.inplace = sameFile(opts.Input, j.out)
	if opts.HTML != "" {
		if sameFile(opts.HTML, opts.Input) {
			return nil, fmt.Errorf("the HTML report %s would overwrite the notebook %s", opts.HTML, opts.Input)
		}
		if sameFile(opts.HTML, j.out) {
			return nil, fmt.Errorf("the HTML report and the executed notebook would both be %s", j.out)
		}
	}
	if err := checkWrite("the executed notebook", j.out); err != nil {
		return nil, err
	}
	if opts.HTML != "" {
		if err := checkWrite("the HTML report", opts.HTML); err != nil {
			return nil, err
		}
	}
	return j, nil
}

// checkLanguage refuses a notebook whose metadata says it is in another
// language than Go: its kernelspec's language, else its language_info's
// name. Run as Go, its first cell would fail to compile, and, run in place,
// it would leave the notebook with a Go kernel and a compile error. A
// notebook whose metadata names no language is taken for Go.
func checkLanguage(meta map[string]any) error {
	ks, _ := meta["kernelspec"].(map[string]any)
	lang, _ := ks["language"].(string)
	if lang == "" {
		li, _ := meta["language_info"].(map[string]any)
		lang, _ = li["name"].(string)
	}
	if lang == "" || strings.EqualFold(lang, "go") {
		return nil
	}
	kernel, _ := ks["display_name"].(string)
	if kernel == "" {
		kernel, _ = ks["name"].(string)
	}
	if kernel == "" {
		return fmt.Errorf("the notebook is in %s, and gopar runs Go only", lang)
	}
	return fmt.Errorf("the notebook is in %s (its kernel is %q), and gopar runs Go only", lang, kernel)
}

// checkWrite checks that what (the executed notebook, the HTML report) can
// be written to path.
func checkWrite(what, path string) error {
	if err := atomicfile.Check(path); err != nil {
		return writeFailed(what, path, err)
	}
	return nil
}

// writeFailed is the error of writing what to path: "cannot write WHAT to
// PATH: REASON".
func writeFailed(what, path string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) && pe.Op == "write" && pe.Path == path {
		err = pe.Err
	}
	return fmt.Errorf("cannot write %s to %s: %w", what, path, err)
}

// sameFile reports whether the paths a and b lead to the same file, after
// symbolic links; for a file that does not exist yet, whether they lead to
// the same name.
func sameFile(a, b string) bool {
	fa, errA := os.Stat(a)
	fb, errB := os.Stat(b)
	if errA == nil && errB == nil {
		return os.SameFile(fa, fb)
	}
	ta, errA := atomicfile.Target(a)
	tb, errB := atomicfile.Target(b)
	if errA != nil || errB != nil {
		return false
	}
	ta, errA = filepath.Abs(ta)
	tb, errB = filepath.Abs(tb)
	return errA == nil && errB == nil && ta == tb
}

// ExecOptions tunes Execute.
type ExecOptions struct {
	// Timeout limits each cell; 0 means no limit.
	Timeout time.Duration
	// AllowErrors runs on after failing cells and makes Execute return nil.
	AllowErrors bool
	// Log receives one progress line per cell; nil means none.
	Log io.Writer
	// Grace is how long to wait for the engine to return after a cell's
	// context is cancelled before giving up on it; 0 means 10 s.
	Grace time.Duration
	// Kernel is the kernelspec recorded in the notebook's metadata when it
	// does not name a Go kernel already; zero means gopar's default.
	Kernel KernelSpec
}

// Execute runs the notebook's code cells in order with eng, replacing
// their outputs and execution counts, and updates the notebook's metadata
// (kernelspec unless it names a Go kernel already, language_info) and
// format (4.5). A cell whose tags include
// "raises-exception" may fail without stopping the run. After a failing
// cell, the cells that were not run are left without outputs. The returned
// error is a *CellError, or the context's error if ctx ends first.
func Execute(ctx context.Context, eng engine.Engine, nb *Notebook, opts ExecOptions) error {
	nb.Upgrade()
	info := eng.Info()
	if ks := kernelspec(nb.Metadata, opts.Kernel); ks != nil {
		nb.Metadata["kernelspec"] = ks
	}
	if info.LanguageInfo != nil {
		nb.Metadata["language_info"] = info.LanguageInfo
	}
	grace := opts.Grace
	if grace == 0 {
		grace = 10 * time.Second
	}
	col := &collector{nb: nb, cur: -1}
	count := 0
	var firstErr error
	total := 0
	for _, c := range nb.Cells {
		if c.CellType == "code" {
			total++
		}
	}
	done := 0
	for _, c := range nb.Cells {
		c.ran = false
	}
	for i, c := range nb.Cells {
		if c.CellType != "code" {
			continue
		}
		c.Outputs = nil
		c.ExecutionCount = nil
		if firstErr != nil && !opts.AllowErrors {
			continue
		}
		if err := ctx.Err(); err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		c.ran = true
		done++
		if strings.TrimSpace(string(c.Source)) == "" {
			continue
		}
		count++
		n := count
		c.ExecutionCount = &n
		col.begin(i)
		began := time.Now()
		res, timedOut, err := runCell(ctx, eng, engine.ExecuteRequest{Code: string(c.Source), StoreHistory: true, ExecutionCount: n}, col, opts.Timeout, grace)
		ended := time.Now()
		if err != nil {
			// The engine did not come back in time: record it as the
			// cell's error.
			res.Err = engine.NewError(engine.Timeout, err.Error(), err.Error())
		} else if timedOut {
			msg := fmt.Sprintf("cell timed out after %v", opts.Timeout)
			if res.Err == nil || res.Err.Kind == engine.Interrupt {
				res.Err = engine.NewError(engine.Timeout, msg, msg)
			} else {
				res.Err.Value = msg + ": " + res.Err.Value
			}
		}
		col.finish(c, n, res)
		setTiming(c, began, ended)
		status := "ok"
		if res.Err != nil {
			status = "error: " + res.Err.Error()
			cerr := &CellError{Index: i + 1, FirstLine: firstLine(string(c.Source)), Err: res.Err}
			if !hasTag(c, "raises-exception") && firstErr == nil {
				firstErr = cerr
			}
			if hasTag(c, "raises-exception") {
				status = "expected " + status
			}
		}
		logf(opts.Log, "[%d/%d] cell %d In [%d] %.2fs %s\n", done, total, i+1, n, ended.Sub(began).Seconds(), status)
	}
	col.end()
	var ce *CellError
	if opts.AllowErrors && errors.As(firstErr, &ce) && ctx.Err() == nil {
		return nil
	}
	return firstErr
}

// runCell runs one cell with a per-cell timeout, and tells whether the
// timeout struck. If the engine does not return within grace after the
// cell's context ends, runCell gives up with an error (the engine's
// goroutine is abandoned).
func runCell(ctx context.Context, eng engine.Engine, req engine.ExecuteRequest, out engine.Output, timeout, grace time.Duration) (res engine.ExecuteResult, timedOut bool, err error) {
	cctx, cancel := context.WithCancel(ctx)
	if timeout > 0 {
		cctx, cancel = context.WithTimeout(ctx, timeout)
	}
	defer cancel()
	ch := make(chan engine.ExecuteResult, 1)
	go func() {
		var res engine.ExecuteResult
		defer func() {
			if r := recover(); r != nil {
				res = engine.ExecuteResult{Err: engine.NewError(engine.InternalError, fmt.Sprint(r), fmt.Sprintf("engine panic: %v", r))}
			}
			ch <- res
		}()
		res = eng.Execute(cctx, req, out)
	}()
	select {
	case res := <-ch:
		return res, ctx.Err() == nil && errors.Is(cctx.Err(), context.DeadlineExceeded), nil
	case <-cctx.Done():
	}
	timedOut = ctx.Err() == nil
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case res := <-ch:
		return res, timedOut, nil
	case <-t.C:
		if !timedOut {
			return engine.ExecuteResult{}, false, fmt.Errorf("interrupted (%v), and the engine did not stop within %v", ctx.Err(), grace)
		}
		return engine.ExecuteResult{}, true, fmt.Errorf("cell timed out after %v, and the engine did not stop within %v", timeout, grace)
	}
}

func setTiming(c *Cell, began, ended time.Time) {
	if c.Metadata == nil {
		c.Metadata = map[string]any{}
	}
	const layout = "2006-01-02T15:04:05.000000Z"
	c.Metadata["execution"] = map[string]any{
		"shell.execute_reply.started": began.UTC().Format(layout),
		"shell.execute_reply":         ended.UTC().Format(layout),
	}
}

func hasTag(c *Cell, tag string) bool {
	tags, _ := c.Metadata["tags"].([]any)
	for _, t := range tags {
		if t == tag {
			return true
		}
	}
	return false
}

// firstLine returns the first non-blank line of src, trimmed and cut to 60
// characters.
func firstLine(src string) string {
	for _, l := range strings.Split(src, "\n") {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		if r := []rune(l); len(r) > 60 {
			l = string(r[:57]) + "..."
		}
		return l
	}
	return ""
}

func logf(w io.Writer, format string, args ...any) {
	if w != nil {
		fmt.Fprintf(w, format, args...)
	}
}

// collector implements engine.Output for a notebook run: it appends
// outputs to the running cell the way a Jupyter frontend does.
type collector struct {
	mu           sync.Mutex
	nb           *Notebook
	cur          int  // index of the running cell, -1 for none
	clearPending bool // a Clear(wait=true) waits for the next output
	ended        bool // the run is over: the notebook must not change
}

var _ engine.Output = (*collector)(nil)

func (c *collector) begin(i int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cur = i
	c.clearPending = false
}

// finish adds the cell's result and error, and tidies its streams.
func (c *collector) finish(cell *Cell, n int, res engine.ExecuteResult) {
	for _, p := range res.Payloads {
		if p["source"] == "page" {
			if data, ok := p["data"].(map[string]any); ok {
				c.add(&Output{OutputType: "display_data", Data: data, Metadata: map[string]any{}})
			}
		}
	}
	if r := res.Result; r != nil {
		count := n
		c.add(&Output{OutputType: "execute_result", Data: bundle(r.Data), Metadata: r.Metadata, ExecutionCount: &count, displayID: r.ID})
	}
	if e := res.Err; e != nil {
		c.add(&Output{OutputType: "error", EName: string(e.Kind), EValue: e.Value, Traceback: e.Traceback})
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, o := range cell.Outputs {
		if o.OutputType == "stream" {
			o.Text = collapseCR(o.Text)
		}
	}
}

// end stops collecting: later output is dropped.
func (c *collector) end() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.cur = -1
	c.ended = true
}

func bundle(b engine.Bundle) map[string]any {
	m := make(map[string]any, len(b))
	for k, v := range b {
		m[k] = v
	}
	return m
}

// cell returns the running cell, applying a pending clear; nil when no
// cell runs. c.mu must be held.
func (c *collector) cell() *Cell {
	if c.cur < 0 {
		return nil
	}
	cell := c.nb.Cells[c.cur]
	if c.clearPending {
		cell.Outputs = nil
		c.clearPending = false
	}
	return cell
}

func (c *collector) add(o *Output) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if cell := c.cell(); cell != nil {
		cell.Outputs = append(cell.Outputs, o)
	}
}

// Stream appends text to the running cell, merged into the last output
// when that is the same stream.
func (c *collector) Stream(name, text string) {
	if text == "" {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	cell := c.cell()
	if cell == nil {
		return
	}
	if n := len(cell.Outputs); n > 0 {
		if last := cell.Outputs[n-1]; last.OutputType == "stream" && last.Name == name {
			last.Text += text
			return
		}
	}
	cell.Outputs = append(cell.Outputs, &Output{OutputType: "stream", Name: name, Text: text})
}

// Display appends a display_data output, or with d.Update replaces the data
// of every earlier output shown with d.ID, in any cell.
func (c *collector) Display(d engine.Display) {
	if d.Update {
		c.mu.Lock()
		defer c.mu.Unlock()
		if d.ID == "" || c.ended {
			return
		}
		for _, cell := range c.nb.Cells {
			for _, o := range cell.Outputs {
				if o.displayID == d.ID {
					o.Data = bundle(d.Data)
					o.Metadata = d.Metadata
				}
			}
		}
		return
	}
	c.add(&Output{OutputType: "display_data", Data: bundle(d.Data), Metadata: d.Metadata, displayID: d.ID})
}

// Clear clears the running cell's outputs now, or with wait when the next
// output arrives.
func (c *collector) Clear(wait bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if wait {
		c.clearPending = c.cur >= 0
		return
	}
	c.clearPending = false
	if c.cur >= 0 {
		c.nb.Cells[c.cur].Outputs = nil
	}
}

// Input fails: a batch run has no user to ask.
func (c *collector) Input(ctx context.Context, prompt string, password bool) (string, error) {
	return "", engine.ErrNoStdin
}

// collapseCR applies carriage returns the way a terminal (and JupyterLab)
// shows them: within each line, only the text after the last "\r" stays.
func collapseCR(s string) string {
	if !strings.Contains(s, "\r") {
		return s
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if j := strings.LastIndexByte(strings.TrimRight(l, "\r"), '\r'); j >= 0 {
			l = l[j+1:]
		}
		lines[i] = strings.TrimRight(l, "\r")
	}
	return strings.Join(lines, "\n")
}
