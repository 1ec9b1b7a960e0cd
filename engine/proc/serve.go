package proc

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"runtime/debug"
	"strconv"
	"sync"
	"time"

	"github.com/gopar/gopar/engine"
	"github.com/gopar/gopar/internal/memguard"
)

// ErrParentGone is returned by Child.Serve when the connection to the
// kernel ended without a close request: the kernel died. The child should
// then exit at once.
var ErrParentGone = errors.New("proc: the kernel closed the connection")

// closeBound bounds the engine's Close when the kernel asks the child to
// close (the kernel kills the child a little later anyway).
const closeBound = 2 * time.Second

// Child is the engine process's end of the protocol. NewChild returns it;
// Serve answers the kernel's requests with an engine; the engine calls
// Locate as it runs a cell.
type Child struct {
	c     *conn
	where string // the last location sent; guarded by c.mu

	mu      sync.Mutex
	running *childExec
	inputs  map[int64]chan inputAnswer
	seq     int64

	// engMu serialises the engine's calls: Execute runs alone, and the
	// queries wait while a cell runs, as engine.Engine requires.
	engMu sync.Mutex
}

// childExec is the execute request the child runs.
type childExec struct {
	id     int64
	cancel context.CancelFunc
}

type inputAnswer struct {
	text string
	err  error
}

// NewChild returns the child's end of the protocol, on the connection the
// kernel passed as file descriptor 3, and applies the engine process's
// limits: the maximum goroutine stack (memguard.SetMaxStack) and the memory
// limit the kernel chose (Config.MemLimit), enforced by memguard's
// watchdog. It fails when the program was not started by Start (someone
// ran "gopar engine" by hand).
func NewChild() (*Child, error) {
	rwc, err := childConn()
	if err != nil {
		return nil, fmt.Errorf("proc: no connection to the kernel on file descriptor %d (the kernel starts the engine process; it is not run by hand): %v", 3, err)
	}
	memguard.SetMaxStack()
	lim := memguard.DefaultLimit()
	if s := os.Getenv(memLimitEnv); s != "" {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			lim = n
		}
	}
	memguard.Start(lim)
	return newChild(rwc), nil
}

func newChild(rwc net.Conn) *Child {
	return &Child{c: newConn(rwc), inputs: map[int64]chan inputAnswer{}}
}

// Locate tells the kernel where the running cell is, for example
// "In [3] line 7", so that if the process dies the kernel can say where.
// The engine calls it before each top-level statement of a cell. It costs
// one small write to a socket when where changes (1 to 2 µs, no
// allocation: see BenchmarkLocate), and nothing when it does not; it is
// safe for concurrent use.
func (ch *Child) Locate(where string) {
	c := ch.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if where == ch.where {
		return
	}
	ch.where = where
	b := append(c.buf[:0], `{"op":"locate","where":`...)
	b = appendJSONString(b, where)
	b = append(b, "}\n"...)
	c.buf = b
	c.rwc.Write(b)
}

// Serve sends the kernel a hello and then answers its requests with eng
// until the kernel asks the child to close (Serve then closes eng and
// returns nil) or the connection ends (it returns ErrParentGone, without
// waiting for a running cell). The caller exits the process when Serve
// returns.
func (ch *Child) Serve(eng engine.Engine) error {
	if err := ch.c.send(&message{Op: opHello, PID: os.Getpid(), Version: protocolVersion}); err != nil {
		return fmt.Errorf("proc: greeting the kernel: %w", err)
	}
	for {
		m, err := ch.c.recv()
		if errors.Is(err, io.EOF) {
			return ErrParentGone
		}
		if err != nil {
			return fmt.Errorf("proc: reading the kernel's requests: %w", err)
		}
		switch m.Op {
		case opExecute:
			ch.execute(eng, m)
		case opInterrupt:
			ch.mu.Lock()
			if x := ch.running; x != nil && x.id == m.ID {
				x.cancel()
			}
			ch.mu.Unlock()
		case opIdle:
			ch.interruptIdle(eng)
		case opInputReply:
			ch.mu.Lock()
			ans := ch.inputs[m.Seq]
			delete(ch.inputs, m.Seq)
			ch.mu.Unlock()
			if ans != nil {
				ans <- inputAnswer{m.Text, inputErr(m.Err)}
			}
		case opComplete, opInspect, opIsComplete:
			go ch.query(eng, m)
		case opClose:
			ch.mu.Lock()
			if x := ch.running; x != nil {
				x.cancel()
			}
			ch.mu.Unlock()
			closed := make(chan struct{})
			go func() {
				defer close(closed)
				eng.Close()
			}()
			t := time.NewTimer(closeBound)
			defer t.Stop()
			select {
			case <-closed:
			case <-t.C:
			}
			return nil
		}
	}
}

// interruptIdle passes an interrupt that came while no cell ran to the
// engine, if it is an engine.IdleInterrupter and still no cell runs. It runs
// in Serve's loop, so that it reaches the engine before any later request
// (an IdleInterrupter returns promptly).
func (ch *Child) interruptIdle(eng engine.Engine) {
	ii, ok := eng.(engine.IdleInterrupter)
	if !ok {
		return
	}
	ch.mu.Lock()
	busy := ch.running != nil
	ch.mu.Unlock()
	if busy {
		return // the kernel interrupts a running cell with "interrupt"
	}
	defer func() {
		if p := recover(); p != nil {
			fmt.Fprintf(os.Stderr, "gopar engine: InterruptIdle panicked: %v\n", p)
		}
	}()
	ii.InterruptIdle()
}

// inputErr is the error of an input_reply's err field.
func inputErr(s string) error {
	switch s {
	case "":
		return nil
	case inputErrNoStdin:
		return engine.ErrNoStdin
	case inputErrCanceled:
		return context.Canceled
	}
	return errors.New(s)
}

// execute runs an execute request in a goroutine and sends its result.
func (ch *Child) execute(eng engine.Engine, m *message) {
	ctx, cancel := context.WithCancel(context.Background())
	x := &childExec{id: m.ID, cancel: cancel}
	ch.mu.Lock()
	ch.running = x
	ch.mu.Unlock()
	req := m.Request.engine()
	go func() {
		defer cancel()
		ch.engMu.Lock()
		ch.c.mu.Lock()
		ch.where = ""
		ch.c.mu.Unlock()
		res := safeExecute(ctx, eng, req, childOutput{ch, m.ID})
		ch.engMu.Unlock()
		ch.mu.Lock()
		if ch.running == x {
			ch.running = nil
		}
		ch.mu.Unlock()
		ch.c.send(&message{Op: opResult, ID: m.ID, Result: toWireResult(res)})
	}()
}

// safeExecute calls eng.Execute, turning a panic of the engine itself into
// an InternalError result: the engine's state is suspect, but the earlier
// cells' values are still there.
func safeExecute(ctx context.Context, eng engine.Engine, req engine.ExecuteRequest, out engine.Output) (res engine.ExecuteResult) {
	defer func() {
		if r := recover(); r != nil {
			res = engine.ExecuteResult{Err: engine.NewError(engine.InternalError,
				fmt.Sprintf("the engine panicked: %v", r),
				fmt.Sprintf("InternalError: the engine panicked: %v", r), string(debug.Stack()))}
		}
	}()
	return eng.Execute(ctx, req, out)
}

// query answers a complete, inspect or is_complete request when no cell
// runs.
func (ch *Child) query(eng engine.Engine, m *message) {
	ch.engMu.Lock()
	r := &message{Op: opReply, ID: m.ID}
	func() {
		defer ch.engMu.Unlock()
		defer func() {
			if p := recover(); p != nil {
				fmt.Fprintf(os.Stderr, "gopar engine: %s panicked: %v\n", m.Op, p)
			}
		}()
		switch m.Op {
		case opComplete:
			c := eng.Complete(m.Code, m.Cursor)
			r.Completion = &wireCompletion{Matches: c.Matches, CursorStart: c.CursorStart, CursorEnd: c.CursorEnd, Metadata: c.Metadata}
		case opInspect:
			in := eng.Inspect(m.Code, m.Cursor, m.Detail)
			r.Inspection = &wireInspection{Found: in.Found, Data: in.Data}
		case opIsComplete:
			r.Status, r.Indent = eng.IsComplete(m.Code)
		}
	}()
	ch.c.send(r)
}

// childOutput is the engine.Output the child's engine writes to: it sends
// everything to the kernel.
type childOutput struct {
	ch *Child
	id int64 // the execute request
}

func (o childOutput) Stream(name, text string) {
	if text != "" {
		o.ch.c.send(&message{Op: opStream, Name: name, Text: text})
	}
}

func (o childOutput) Display(d engine.Display) {
	o.ch.c.send(&message{Op: opDisplay, Display: toWireDisplay(&d)})
}

func (o childOutput) Clear(wait bool) {
	o.ch.c.send(&message{Op: opClear, Wait: wait})
}

// Input asks the kernel for a line and waits for the answer or for ctx.
func (o childOutput) Input(ctx context.Context, prompt string, password bool) (string, error) {
	ch := o.ch
	ans := make(chan inputAnswer, 1)
	ch.mu.Lock()
	ch.seq++
	seq := ch.seq
	ch.inputs[seq] = ans
	ch.mu.Unlock()
	defer func() {
		ch.mu.Lock()
		delete(ch.inputs, seq)
		ch.mu.Unlock()
	}()
	if err := ch.c.send(&message{Op: opInput, ID: o.id, Seq: seq, Prompt: prompt, Password: password}); err != nil {
		return "", err
	}
	select {
	case a := <-ans:
		if a.err != nil && ctx.Err() != nil {
			return "", ctx.Err()
		}
		return a.text, a.err
	case <-ctx.Done():
		ch.c.send(&message{Op: opInputCancel, Seq: seq})
		return "", ctx.Err()
	}
}
