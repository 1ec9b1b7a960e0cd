package interp

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log"
	"os"
	"regexp"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/gopar/gopar/engine"
	"github.com/gopar/gopar/internal/dupfile"
)

// The capture redirects the process's stdout and stderr into two pipes, so
// that everything a cell prints — interpreted fmt.Print*, writes to
// os.Stdout/os.Stderr, log, and compiled code such as parlib — reaches the
// running cell's Output. It is process-wide (os.Stdout is one variable), so
// all engines of a process share one capture; it is undone when the last
// engine closes. File descriptors 1 and 2 themselves are left alone.
//
// Cells see os.Stdout and os.Stderr as duplicates of the pipes' write ends
// (cellFiles): a cell that closes one closes its duplicate, which the next
// cell replaces, and the capture goes on.
//
// Output of goroutines started by earlier cells has a budget of its own per
// running cell (bgLimit), so that it cannot use up the running cell's share
// of the kernel's limit. The writing goroutine is known for what goes
// through the print functions the engine gives cells (fmt.Print*,
// fmt.Fprint* to os.Stdout and os.Stderr, print and println, and log, see
// attributed): goroutines started by cells are registered by Guard under
// their pprof label set, which the goroutines they start inherit. Direct
// writes to the os.Stdout and os.Stderr files, and output of compiled code
// (parlib's workers, say), count as the running cell's.

// syncMarker is written into a pipe to learn when everything written before
// it has been forwarded.
var syncMarker = []byte("\x00\x1bgopar-sync\x1b\x00")

type capture struct {
	outR, outW *os.File
	errR, errW *os.File

	// cellOut and cellErr are os.Stdout and os.Stderr as cells see them:
	// duplicates of outW and errW (or outW and errW themselves where
	// files cannot be duplicated). Interpreted code reads them through
	// the symbols runtimeSymbols exports; setOutput replaces one that a
	// cell closed.
	cellOut, cellErr *os.File

	origOut, origErr *os.File
	origLog          io.Writer

	// gen counts setOutput calls for cells: the generation of the running
	// cell. live counts the registered goroutines; origins maps their
	// pprof label sets to where they come from.
	gen     atomic.Int64
	live    atomic.Int64
	origins sync.Map // unsafe.Pointer → *origin

	bgMu      sync.Mutex
	bgGen     int64       // the generation bgUsed counts for
	bgUsed    int         // background output admitted in bgGen
	bgDropped map[int]int // bytes dropped in bgGen, by starting cell

	attrOnce sync.Once
	attr     [4]*attributed // see writers

	recentMu sync.Mutex
	recent   [recentCells]cellLabels // by generation modulo recentCells

	mu  sync.Mutex // guards dst
	dst engine.Output

	syncMu  sync.Mutex // one sync at a time
	outSeen chan struct{}
	errSeen chan struct{}
	done    sync.WaitGroup
	refs    int
}

var (
	capMu  sync.Mutex
	capCur *capture
	// liveCapture is capCur, for readers that cannot take capMu.
	liveCapture atomic.Pointer[capture]
)

// acquireCapture returns the process's capture, creating it on first use.
func acquireCapture() (*capture, error) {
	capMu.Lock()
	defer capMu.Unlock()
	if capCur != nil {
		capCur.refs++
		return capCur, nil
	}
	c := &capture{origOut: os.Stdout, origErr: os.Stderr, origLog: log.Writer(),
		outSeen: make(chan struct{}, 1), errSeen: make(chan struct{}, 1), refs: 1}
	var err error
	if c.outR, c.outW, err = os.Pipe(); err != nil {
		return nil, err
	}
	if c.errR, c.errW, err = os.Pipe(); err != nil {
		c.outR.Close()
		c.outW.Close()
		return nil, err
	}
	c.done.Add(2)
	go c.forward("stdout", c.outR, c.origOut, c.outSeen)
	go c.forward("stderr", c.errR, c.origErr, c.errSeen)
	c.cellOut, c.cellErr = cellFile(c.outW), cellFile(c.errW)
	os.Stdout, os.Stderr = c.outW, c.errW
	log.SetOutput(yaegiLogFilter{c.errW})
	capCur = c
	liveCapture.Store(c)
	return c, nil
}

// release drops one reference; the last one restores the process's streams.
func (c *capture) release() {
	capMu.Lock()
	defer capMu.Unlock()
	c.refs--
	if c.refs > 0 {
		return
	}
	c.sync()
	os.Stdout, os.Stderr = c.origOut, c.origErr
	log.SetOutput(c.origLog)
	for _, f := range []*os.File{c.cellOut, c.cellErr} {
		if f != c.outW && f != c.errW {
			f.Close()
		}
	}
	c.outW.Close()
	c.errW.Close()
	c.done.Wait()
	capCur = nil
	liveCapture.Store(nil)
}

// setOutput routes later output to o (nil: to the original streams). The
// engine calls it as each cell begins: a new generation starts, whose
// goroutines' output is the cell's own, and the os.Stdout or os.Stderr a
// cell closed is replaced.
func (c *capture) setOutput(o engine.Output) {
	c.mu.Lock()
	c.dst = o
	c.mu.Unlock()
	if o != nil {
		c.gen.Add(1)
		c.cellOut = renewed(c.cellOut, c.outW)
		c.cellErr = renewed(c.cellErr, c.errW)
	}
}

// cellFile returns a duplicate of w for cells to use as os.Stdout or
// os.Stderr, or w itself when it cannot be duplicated.
func cellFile(w *os.File) *os.File {
	if d, err := dupfile.Dup(w); err == nil {
		return d
	}
	return w
}

// renewed returns f, or a new duplicate of w if f was closed.
func renewed(f, w *os.File) *os.File {
	if f == w {
		return f
	}
	if _, err := f.Stat(); errors.Is(err, os.ErrClosed) {
		return cellFile(w)
	}
	return f
}

func (c *capture) output() engine.Output {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.dst
}

// sync returns once everything written to the pipes before the call has been
// passed on (or after a generous timeout, should a reader be stuck). A pipe
// the marker cannot be written to is not waited for.
func (c *capture) sync() {
	c.syncMu.Lock()
	defer c.syncMu.Unlock()
	var wait []chan struct{}
	for _, p := range []struct {
		w    *os.File
		seen chan struct{}
	}{{c.outW, c.outSeen}, {c.errW, c.errSeen}} {
		if _, err := p.w.Write(syncMarker); err == nil {
			wait = append(wait, p.seen)
		}
	}
	t := time.NewTimer(5 * time.Second)
	defer t.Stop()
	for _, ch := range wait {
		select {
		case <-ch:
		case <-t.C:
			return
		}
	}
}

// forward copies one pipe to the current output, stream name.
func (c *capture) forward(name string, r *os.File, orig *os.File, seen chan struct{}) {
	defer c.done.Done()
	buf := make([]byte, 64<<10)
	var pending []byte
	emit := func(b []byte) {
		if len(b) == 0 {
			return
		}
		if o := c.output(); o != nil {
			o.Stream(name, string(b))
		} else {
			orig.Write(b)
		}
	}
	for {
		n, err := r.Read(buf)
		pending = append(pending, buf[:n]...)
		for {
			i := bytes.Index(pending, syncMarker)
			if i < 0 {
				break
			}
			emit(pending[:i])
			pending = pending[i+len(syncMarker):]
			select {
			case seen <- struct{}{}:
			default:
			}
		}
		if err != nil {
			emit(pending)
			return
		}
		keep := heldBack(pending)
		emit(pending[:len(pending)-keep])
		pending = append([]byte(nil), pending[len(pending)-keep:]...)
	}
}

// heldBack is how many trailing bytes of b must wait for more input: a
// possible start of the sync marker, or an incomplete UTF-8 sequence.
func heldBack(b []byte) int {
	for k := min(len(syncMarker)-1, len(b)); k > 0; k-- {
		if bytes.HasPrefix(syncMarker, b[len(b)-k:]) {
			return k
		}
	}
	// An incomplete multi-byte rune at the end.
	for k := 1; k <= 3 && k <= len(b); k++ {
		c := b[len(b)-k]
		if c < utf8.RuneSelf {
			return 0
		}
		if utf8.RuneStart(c) {
			if !utf8.FullRune(b[len(b)-k:]) {
				return k
			}
			return 0
		}
	}
	return 0
}

// yaegiLogRE matches what yaegi logs through the standard logger before it
// panics on constructs it does not support ("nil type"); the panic itself is
// reported as the cell's error, so the log line is noise.
var yaegiLogRE = regexp.MustCompile(`^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d nil (reflect )?type\n$`)

// yaegiLogFilter is the standard logger's output while the capture is active.
type yaegiLogFilter struct{ w io.Writer }

func (f yaegiLogFilter) Write(p []byte) (int, error) {
	if yaegiLogRE.Match(p) {
		return len(p), nil
	}
	return f.w.Write(p)
}

// panicLineRE matches the user-level trace lines yaegi writes to its stderr
// while a panic unwinds interpreted frames: "L:C: panic: main.f(...)".
var panicLineRE = regexp.MustCompile(`^([^\s:]*:)?(\d+):(\d+): panic: (.*)\n?$`)

// panicFilter is the interpreter's stderr: it keeps yaegi's panic trace
// lines for the engine and passes everything else to w.
type panicFilter struct {
	w      io.Writer
	onLine func(file string, line, col int, what string)
}

func (f panicFilter) Write(p []byte) (int, error) {
	if m := panicLineRE.FindSubmatch(p); m != nil {
		f.onLine(string(m[1]), atoi(m[2]), atoi(m[3]), string(m[4]))
		return len(p), nil
	}
	if c := liveCapture.Load(); c != nil {
		if w, ok := f.w.(*os.File); ok && (w == c.errW || w == c.outW) {
			// The interpreter's log package writes here.
			return c.write(w, p)
		}
	}
	return f.w.Write(p)
}

func atoi(b []byte) int {
	n := 0
	for _, c := range b {
		n = n*10 + int(c-'0')
	}
	return n
}

// bgLimit is how much stream output goroutines started by earlier cells may
// send while one cell runs: an eighth of the kernel's limit per cell (2 MB),
// so that the running cell's own output always has the rest.
const bgLimit = 256 << 10

// origin is where a registered goroutine comes from.
type origin struct {
	gen   int64 // the generation of the cell that started it
	count int   // that cell's execution count, for the notice
}

//go:linkname profLabel runtime/pprof.runtime_getProfLabel
func profLabel() unsafe.Pointer

// recentCells is how many cells' statement label sets (see started) the
// capture remembers.
const recentCells = 8

// cellLabels are the label sets of the goroutines that ran one cell's
// statements.
type cellLabels struct {
	origin
	labels []unsafe.Pointer
}

// started records the label set of the calling goroutine, which runs a
// statement of the running cell (whose execution count is count): a
// goroutine it starts inherits the label set, and enter then finds where it
// comes from even when it first runs after the next cell began.
func (c *capture) started(count func() int) {
	p := profLabel()
	if p == nil {
		return
	}
	g := c.gen.Load()
	c.recentMu.Lock()
	defer c.recentMu.Unlock()
	r := &c.recent[g%recentCells]
	if r.gen != g {
		*r = cellLabels{origin: origin{gen: g, count: count()}}
	}
	for _, l := range r.labels {
		if l == p {
			return
		}
	}
	r.labels = append(r.labels, p)
}

// startedBy returns the origin of the cell whose statement ran in a
// goroutine with label set p (see started), or nil.
func (c *capture) startedBy(p unsafe.Pointer) *origin {
	c.recentMu.Lock()
	defer c.recentMu.Unlock()
	for i := range c.recent {
		for _, l := range c.recent[i].labels {
			if l == p {
				o := c.recent[i].origin
				return &o
			}
		}
	}
	return nil
}

// enter registers the calling goroutine, which a cell's go statement
// started (see Guard), and returns the function that unregisters it. It
// calls label first, which gives the goroutine a label set of its own.
// The goroutine comes from the cell of the goroutine that started it (whose
// label set it has until label): a registered goroutine's cell, or the cell
// whose statement that goroutine ran (see started); else (compiled code
// started it) from the running cell, whose execution count is count.
func (c *capture) enter(label func(), count func() int) (exit func()) {
	parent := profLabel()
	var o *origin
	if v, ok := c.origins.Load(parent); ok {
		o = v.(*origin)
	} else if parent != nil {
		o = c.startedBy(parent)
	}
	label()
	me := profLabel()
	if me == nil {
		return func() {}
	}
	if o == nil {
		o = &origin{gen: c.gen.Load(), count: count()}
	}
	if _, taken := c.origins.LoadOrStore(me, o); taken {
		// Another goroutine has this label set (label did not make
		// one of its own): leave both unattributed, as the running
		// cell's.
		return func() {}
	}
	c.live.Add(1)
	return func() {
		c.origins.Delete(me)
		c.live.Add(-1)
	}
}

// background returns the origin of the calling goroutine when it is a
// goroutine of an earlier cell than the running one, else nil. It costs
// one atomic load while no goroutine started by a cell lives.
func (c *capture) background() *origin {
	if c.live.Load() == 0 {
		return nil
	}
	v, ok := c.origins.Load(profLabel())
	if !ok {
		return nil
	}
	if o := v.(*origin); o.gen != c.gen.Load() {
		return o
	}
	return nil
}

// write writes p to w, one of the capture's pipes or the cells' files,
// counting it against bgLimit if a goroutine of an earlier cell writes it.
// Past the limit, output is dropped (and reported written), after a
// notice on stderr naming the cell that started the goroutines.
func (c *capture) write(w *os.File, p []byte) (int, error) {
	if o := c.background(); o != nil && !c.admit(o, len(p)) {
		return len(p), nil
	}
	return w.Write(p)
}

// admit tells whether n more bytes of o's goroutines may be written in
// the running cell; the first refusal for o writes the notice.
func (c *capture) admit(o *origin, n int) bool {
	c.bgMu.Lock()
	defer c.bgMu.Unlock()
	if g := c.gen.Load(); c.bgGen != g {
		c.bgGen, c.bgUsed, c.bgDropped = g, 0, nil
	}
	if c.bgUsed+n <= bgLimit {
		c.bgUsed += n
		return true
	}
	if c.bgDropped == nil {
		c.bgDropped = map[int]int{}
	}
	if _, noted := c.bgDropped[o.count]; !noted {
		fmt.Fprintf(c.errW, "\n[output of goroutines started by %s truncated: goroutines of earlier cells may write %s while another cell runs; the rest is not shown]\n",
			cellName(o.count), formatSize(bgLimit))
	}
	c.bgDropped[o.count] += n
	return false
}

// cellName is "In [n]", or "an earlier cell" for an unnumbered one.
func cellName(count int) string {
	if count <= 0 {
		return "an earlier cell"
	}
	return fmt.Sprintf("In [%d]", count)
}

// formatSize writes n bytes as "256 KB".
func formatSize(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}

// attributed is an io.Writer onto one of the capture's files that counts
// background output (see write): what the print functions cells call
// write to. The capture holds one per file (writers), so that a print
// allocates none.
type attributed struct {
	c    *capture
	file func() *os.File
}

func (a *attributed) Write(p []byte) (int, error) { return a.c.write(a.file(), p) }

// writers returns the attributed writers onto outW, errW, cellOut and
// cellErr, made once.
func (c *capture) writers() *[4]*attributed {
	c.attrOnce.Do(func() {
		c.attr = [4]*attributed{
			{c, func() *os.File { return c.outW }},
			{c, func() *os.File { return c.errW }},
			{c, func() *os.File { return c.cellOut }},
			{c, func() *os.File { return c.cellErr }},
		}
	})
	return &c.attr
}

// stdout and stderr are the attributed writers onto the capture's pipes.
func (c *capture) stdout() io.Writer { return c.writers()[0] }
func (c *capture) stderr() io.Writer { return c.writers()[1] }

// stream returns the writer that the print functions use for w: an
// attributed writer when w is the process's or the cells' stdout or
// stderr, else w itself.
func (c *capture) stream(w io.Writer) io.Writer {
	f, ok := w.(*os.File)
	if !ok || f == nil {
		return w
	}
	a := c.writers()
	switch f {
	case c.outW:
		return a[0]
	case c.errW:
		return a[1]
	case c.cellOut:
		return a[2]
	case c.cellErr:
		return a[3]
	}
	return w
}
