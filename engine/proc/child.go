package proc

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"sync"
	"time"

	"github.com/gopar/gopar/engine"
	"github.com/gopar/gopar/internal/memguard"
)

// child is the parent's handle on one child process.
type child struct {
	e    *Engine
	pid  int
	cmd  *exec.Cmd
	conn *conn
	errs *stderrWatch
	// The parent's ends of the child's stdout and stderr.
	outR, errR *os.File

	hello     chan struct{} // closed at the child's hello
	helloOnce sync.Once
	connDone  chan struct{} // closed when the protocol reader ends
	errDone   chan struct{} // closed when stderr was read to the end
	outDone   chan struct{} // closed when stdout was read to the end
	dead      chan struct{} // closed when the process ended and death is set
	death     *death
	wg        sync.WaitGroup // the goroutines of this child

	replaced     chan struct{} // closed when restart is set
	replacedOnce sync.Once
	restart      *restart // the outcome of the restart after this child's death

	mu      sync.Mutex
	exec    *call                   // the running execute
	queries map[int64]chan *message // pending queries by id
	where   string                  // the last location reported
	exited  bool                    // the process has ended
	counted bool                    // run has taken the running call into the death
	killed  string                  // why the parent killed the child
}

// call is one execute request in flight.
type call struct {
	id     int64
	count  int
	out    engine.Output
	done   chan engine.ExecuteResult // receives the result
	inCtx  context.Context           // for out.Input: ends at an interrupt or at the end
	inputs map[int64]context.CancelFunc
}

// spawn starts a child and waits for its hello.
func (e *Engine) spawn() (*child, error) {
	if len(e.cfg.Command) == 0 {
		return nil, errors.New("proc: Config.Command is empty")
	}
	pc, cf, err := socketPair()
	if err != nil {
		return nil, err
	}
	outR, outW, err := os.Pipe()
	if err != nil {
		pc.Close()
		cf.Close()
		return nil, err
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		pc.Close()
		cf.Close()
		outR.Close()
		outW.Close()
		return nil, err
	}
	cmd := exec.Command(e.cfg.Command[0], e.cfg.Command[1:]...)
	cmd.Env = e.env()
	cmd.Stdout, cmd.Stderr = outW, errW
	cmd.ExtraFiles = []*os.File{cf}
	cmd.SysProcAttr = sysProcAttr()
	c := &child{
		e:        e,
		cmd:      cmd,
		conn:     newConn(pc),
		hello:    make(chan struct{}),
		connDone: make(chan struct{}),
		errDone:  make(chan struct{}),
		outDone:  make(chan struct{}),
		dead:     make(chan struct{}),
		replaced: make(chan struct{}),
		queries:  map[int64]chan *message{},
		outR:     outR,
		errR:     errR,
	}
	c.errs = newStderrWatch(func(line string) { e.log.Printf("engine stderr: %s", line) })
	started := make(chan error, 1)
	c.wg.Add(1)
	go c.run(started)
	err = <-started
	// The child has its copies; the parent keeps only its own ends.
	cf.Close()
	outW.Close()
	errW.Close()
	if err != nil {
		pc.Close()
		outR.Close()
		errR.Close()
		return nil, err
	}
	c.pid = cmd.Process.Pid
	c.wg.Add(3)
	go c.readConn()
	go c.readLines(errR, c.errDone, c.errs.line)
	go c.readLines(outR, c.outDone, func(line string) { e.log.Printf("engine stdout: %s", line) })

	t := time.NewTimer(startTimeout)
	defer t.Stop()
	select {
	case <-c.hello:
		return c, nil
	case <-c.dead:
	case <-t.C:
		c.kill(fmt.Sprintf("did not start within %v", startTimeout))
		<-c.dead
	case <-e.quit:
		c.kill("was closed")
		<-c.dead
		c.wg.Wait()
		return nil, errClosed
	}
	c.wg.Wait()
	d := c.death
	msg := d.first()
	if len(d.head) == 0 && d.last != "" {
		msg += ": " + d.last
	}
	return nil, errors.New(msg)
}

// run starts the process and waits for its end, in one goroutine locked to
// its thread: Linux's Pdeathsig fires when the thread that started the child
// ends, so that thread must live as long as the child. Then it kills the
// process group, reads the child's output to the end, and closes dead.
func (c *child) run(started chan<- error) {
	defer c.wg.Done()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	if err := c.cmd.Start(); err != nil {
		started <- err
		return
	}
	started <- nil
	c.cmd.Wait()
	at := time.Now()
	c.mu.Lock()
	c.exited = true
	c.mu.Unlock()
	// End whatever the cells started (the group and the session outlive
	// their leader).
	killTree(c.cmd.Process.Pid)
	// The readers see end of file at once, unless a process that left the
	// group holds a descriptor: then stop reading after drainWait.
	t := time.NewTimer(drainWait)
	defer t.Stop()
	expired := false
	for _, r := range []struct {
		done chan struct{}
		f    io.Closer
	}{{c.connDone, c.conn.rwc}, {c.errDone, c.errR}, {c.outDone, c.outR}} {
		if !expired {
			select {
			case <-r.done:
				continue
			case <-t.C:
				expired = true
				c.e.log.Printf("engine process %d: its output is still open %v after it ended; closing it", c.cmd.Process.Pid, drainWait)
			}
		}
		r.f.Close()
		<-r.done
	}
	c.conn.rwc.Close()
	status := exitText(c.cmd.ProcessState)
	code := c.cmd.ProcessState.ExitCode()
	head, dump, last := c.errs.finish(code == 2 || code == memguard.ExitStatus)
	c.mu.Lock()
	d := &death{pid: c.cmd.Process.Pid, at: at, status: status, head: head, dump: dump, last: last,
		killed: c.killed, where: c.where, call: c.exec}
	c.counted = true
	c.mu.Unlock()
	c.death = d
	c.e.childDied(c)
	close(c.dead)
}

// kill kills the child's process group, for reason (which completes "the
// engine …", as in "did not start within 30s"; empty when the death's own
// cause is to be reported).
func (c *child) kill(reason string) {
	c.mu.Lock()
	if c.killed == "" && reason != "" {
		c.killed = reason
	}
	exited := c.exited
	c.mu.Unlock()
	if !exited {
		killGroup(c.cmd.Process.Pid)
	}
}

// stopChild ends c: a close message, then a kill after closeTimeout; it
// returns when c's goroutines have ended.
func (e *Engine) stopChild(c *child) {
	select {
	case <-c.dead:
	default:
		c.conn.send(&message{Op: opClose})
		t := time.NewTimer(closeTimeout)
		select {
		case <-c.dead:
		case <-t.C:
			c.kill(fmt.Sprintf("did not exit within %v after close", closeTimeout))
			<-c.dead
		}
		t.Stop()
	}
	c.wg.Wait()
}

// setReplaced reports the outcome of the restart after c's death, once.
func (c *child) setReplaced(r *restart) {
	c.replacedOnce.Do(func() {
		c.restart = r
		close(c.replaced)
	})
}

// readLines passes each line of r to line, then closes r and done.
func (c *child) readLines(r *os.File, done chan struct{}, line func(string)) {
	defer c.wg.Done()
	defer close(done)
	defer r.Close()
	br := bufio.NewReaderSize(r, maxLine)
	for {
		b, err := br.ReadSlice('\n')
		if len(b) > 0 {
			n := len(b)
			if b[n-1] == '\n' {
				n--
				if n > 0 && b[n-1] == '\r' {
					n--
				}
			}
			line(string(b[:n]))
		}
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			return
		}
	}
}

// readConn reads and dispatches the child's messages until the connection
// ends. A malformed message kills the child: the protocol cannot resume.
func (c *child) readConn() {
	defer c.wg.Done()
	defer close(c.connDone)
	for {
		m, err := c.conn.recv()
		if err != nil {
			c.mu.Lock()
			exited := c.exited
			c.mu.Unlock()
			if !exited && !errors.Is(err, io.EOF) {
				c.e.log.Printf("engine process %d: reading its messages: %v", c.pid, err)
				c.kill("broke the protocol (" + err.Error() + ")")
			}
			return
		}
		c.handle(m)
	}
}

// handle dispatches one message from the child.
func (c *child) handle(m *message) {
	switch m.Op {
	case opHello:
		if m.Version != protocolVersion {
			c.e.log.Printf("engine process %d speaks protocol version %d, this kernel %d", c.pid, m.Version, protocolVersion)
		}
		c.helloOnce.Do(func() { close(c.hello) })
	case opStream:
		if out := c.output(); out != nil {
			out.Stream(m.Name, m.Text)
		}
	case opDisplay:
		if out := c.output(); out != nil && m.Display != nil {
			out.Display(*m.Display.engine())
		}
	case opClear:
		if out := c.output(); out != nil {
			out.Clear(m.Wait)
		}
	case opInput:
		c.input(m)
	case opInputCancel:
		c.mu.Lock()
		if c.exec != nil {
			if cancel := c.exec.inputs[m.Seq]; cancel != nil {
				cancel()
			}
		}
		c.mu.Unlock()
	case opLocate:
		c.mu.Lock()
		c.where = m.Where
		c.mu.Unlock()
	case opResult:
		c.mu.Lock()
		cl := c.exec
		if cl != nil && cl.id == m.ID {
			c.exec = nil
		} else {
			cl = nil
		}
		c.mu.Unlock()
		if cl != nil {
			cl.done <- m.Result.engine()
		}
	case opReply:
		c.mu.Lock()
		ch := c.queries[m.ID]
		delete(c.queries, m.ID)
		c.mu.Unlock()
		if ch != nil {
			ch <- m
		}
	}
}

// output is where the child's output goes: the running cell's Output, or
// the latest one when no cell runs.
func (c *child) output() engine.Output {
	c.mu.Lock()
	cl := c.exec
	c.mu.Unlock()
	if cl != nil {
		return cl.out
	}
	return c.e.latestOutput()
}

// input asks the running cell's Output for a line, in a goroutine, and
// sends the answer back.
func (c *child) input(m *message) {
	c.mu.Lock()
	cl := c.exec
	if cl == nil || cl.id != m.ID {
		c.mu.Unlock()
		c.conn.send(&message{Op: opInputReply, Seq: m.Seq, Err: inputErrNoStdin})
		return
	}
	ctx, cancel := context.WithCancel(cl.inCtx)
	cl.inputs[m.Seq] = cancel
	c.mu.Unlock()
	go func() {
		defer cancel()
		text, err := cl.out.Input(ctx, m.Prompt, m.Password)
		c.mu.Lock()
		delete(cl.inputs, m.Seq)
		c.mu.Unlock()
		if ctx.Err() != nil {
			// An interrupt (sent on its own, and which the reply could
			// overtake), the end of the cell, or input_cancel: the
			// child's Input ends with its own context.
			return
		}
		c.conn.send(&message{Op: opInputReply, Seq: m.Seq, Text: text, Err: inputError(err)})
	}()
}

// execute runs req in the child. It returns the result, or the child's
// death when the child died before answering; sent is false when the child
// had died before the request could be sent. When ctx is done it sends an
// interrupt and, if no answer comes within grace, kills the child.
func (c *child) execute(ctx context.Context, req engine.ExecuteRequest, out engine.Output, grace time.Duration) (res engine.ExecuteResult, d *death, sent bool) {
	inCtx, inCancel := context.WithCancel(ctx)
	defer inCancel()
	cl := &call{id: c.e.newID(), count: req.ExecutionCount, out: out, inCtx: inCtx,
		done: make(chan engine.ExecuteResult, 1), inputs: map[int64]context.CancelFunc{}}
	c.mu.Lock()
	if c.exited || c.killed != "" {
		c.mu.Unlock()
		return res, nil, false
	}
	c.exec = cl
	c.where = ""
	c.mu.Unlock()
	if err := c.conn.send(&message{Op: opExecute, ID: cl.id, Request: toWireRequest(req)}); err != nil {
		// The child is gone (a Unix socket fails at once when its peer
		// has closed): the cell did not run. Unless run has already
		// counted the cell as running at the death, withdraw it, so
		// that the death counts as one while idle.
		c.mu.Lock()
		withdrawn := !c.counted && c.exec == cl
		if withdrawn {
			c.exec = nil
		}
		c.mu.Unlock()
		c.kill("")
		if withdrawn {
			return res, nil, false
		}
	}
	done := ctx.Done()
	var expired <-chan time.Time
	for {
		select {
		case res := <-cl.done:
			return res, nil, true
		case <-c.dead:
			select {
			case res := <-cl.done:
				return res, nil, true
			default:
			}
			return res, c.death, true
		case <-done:
			done = nil
			c.conn.send(&message{Op: opInterrupt, ID: cl.id})
			t := time.NewTimer(grace)
			defer t.Stop()
			expired = t.C
		case <-expired:
			expired = nil
			c.kill(fmt.Sprintf("did not stop within %v after the interrupt", grace))
		}
	}
}

// query sends m (a complete, inspect or is_complete) and waits for the
// reply until ctx is done or the child dies; it returns nil then.
func (c *child) query(ctx context.Context, m *message) *message {
	m.ID = c.e.newID()
	reply := make(chan *message, 1)
	c.mu.Lock()
	c.queries[m.ID] = reply
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.queries, m.ID)
		c.mu.Unlock()
	}()
	if c.conn.send(m) != nil {
		return nil
	}
	select {
	case r := <-reply:
		return r
	case <-c.dead:
	case <-ctx.Done():
	}
	return nil
}
