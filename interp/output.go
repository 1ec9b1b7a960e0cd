package interp

import (
	"bytes"
	"io"
	"log"
	"os"
	"regexp"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gopar/gopar/engine"
)

// The capture redirects the process's stdout and stderr into two pipes, so
// that everything a cell prints — interpreted fmt.Print*, writes to
// os.Stdout/os.Stderr, log, and compiled code such as parlib — reaches the
// running cell's Output. It is process-wide (os.Stdout is one variable), so
// all engines of a process share one capture; it is undone when the last
// engine closes. File descriptors 1 and 2 themselves are left alone.

// syncMarker is written into a pipe to learn when everything written before
// it has been forwarded.
var syncMarker = []byte("\x00\x1bgopar-sync\x1b\x00")

type capture struct {
	outR, outW *os.File
	errR, errW *os.File

	origOut, origErr *os.File
	origLog          io.Writer

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
	os.Stdout, os.Stderr = c.outW, c.errW
	log.SetOutput(yaegiLogFilter{c.errW})
	capCur = c
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
	c.outW.Close()
	c.errW.Close()
	c.done.Wait()
	capCur = nil
}

// setOutput routes later output to o (nil: to the original streams).
func (c *capture) setOutput(o engine.Output) {
	c.mu.Lock()
	c.dst = o
	c.mu.Unlock()
}

func (c *capture) output() engine.Output {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.dst
}

// sync returns once everything written to the pipes before the call has been
// passed on (or after a generous timeout, should a reader be stuck).
func (c *capture) sync() {
	c.syncMu.Lock()
	defer c.syncMu.Unlock()
	c.outW.Write(syncMarker)
	c.errW.Write(syncMarker)
	t := time.NewTimer(5 * time.Second)
	defer t.Stop()
	for _, ch := range []chan struct{}{c.outSeen, c.errSeen} {
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
	return f.w.Write(p)
}

func atoi(b []byte) int {
	n := 0
	for _, c := range b {
		n = n*10 + int(c-'0')
	}
	return n
}
