package dist

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// localProc is a worker process that the master started.
type localProc struct {
	cmd  *exec.Cmd
	done chan struct{} // closed when the process has ended and been waited for
	tail *tailWriter
	once sync.Once
}

func (p *localProc) kill() {
	p.once.Do(func() {
		if p.cmd.Process != nil {
			_ = p.cmd.Process.Kill()
		}
	})
}

// AddProcs starts n local workers (processes of this program, `gopar
// worker`, connected to the cluster's server) and returns their ids once
// they are ready: connected, and with every cell and variable sent to
// workers so far (Everywhere, Broadcast) replayed. The first call starts
// the embedded server unless Connect was called.
func (c *Cluster) AddProcs(ctx context.Context, n int) ([]int, error) {
	if n <= 0 {
		return nil, fmt.Errorf("dist: AddProcs(%d): n must be positive", n)
	}
	if err := c.start(); err != nil {
		return nil, err
	}
	var ws []*member
	var err error
	for i := 0; i < n && err == nil; i++ {
		var w *member
		if w, err = c.startLocal(); err == nil {
			ws = append(ws, w)
		}
	}
	timeout := c.JoinTimeout
	if timeout <= 0 {
		timeout = time.Minute
	}
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	var ids []int
	for _, w := range ws {
		if err != nil {
			w.removing = true
			c.endProc(w)
			c.lose(w, "AddProcs failed")
			continue
		}
		select {
		case <-w.readyCh:
			ids = append(ids, w.id)
			continue
		case <-w.goneCh:
			err = fmt.Errorf("dist: worker %d ended before it was ready: %s", w.id, w.why)
		case <-ctx.Done():
			err = ctx.Err()
		case <-timer.C:
			err = fmt.Errorf("dist: worker %d was not ready after %v", w.id, timeout)
		}
		c.mu.Lock()
		w.removing = true
		c.mu.Unlock()
		w.proc.kill()
		c.lose(w, "AddProcs failed")
	}
	if err != nil {
		_ = c.RmProcs(context.Background(), ids...)
		return nil, err
	}
	return ids, nil
}

// startLocal starts one local worker process.
func (c *Cluster) startLocal() (*member, error) {
	command := c.Command
	if len(command) == 0 {
		exe, err := os.Executable()
		if err != nil {
			return nil, fmt.Errorf("dist: finding this program to start workers: %w", err)
		}
		if strings.HasSuffix(filepath.Base(exe), ".test") {
			// A test binary given "worker" would run its tests again.
			return nil, fmt.Errorf("dist: %s is a test binary, not gopar: set Cluster.Command to start workers", filepath.Base(exe))
		}
		command = []string{exe, "worker"}
	}
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil, ErrClosed
	}
	w := c.newMemberLocked()
	w.local = true
	c.mu.Unlock()

	cmd := exec.Command(command[0], command[1:]...)
	env := []string{}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "NATS_") && !strings.HasPrefix(kv, "GOPAR_DIST_") && !strings.HasPrefix(kv, "GOMAXPROCS=") {
			env = append(env, kv)
		}
	}
	env = append(env, "GOMAXPROCS="+strconv.Itoa(max(c.Threads, 1)))
	env = append(env, c.Env...)
	env = append(env, EnvURL+"="+c.url, EnvPrefix+"="+c.prefix(), envID+"="+strconv.Itoa(w.id), envLocal+"=1")
	if c.token != "" {
		env = append(env, EnvToken+"="+c.token)
	}
	if creds := os.Getenv(EnvCreds); creds != "" && c.srv == nil {
		env = append(env, EnvCreds+"="+creds)
	}
	cmd.Env = env
	tail := &tailWriter{}
	cmd.Stdout = &lineWriter{c: c, id: w.id, stream: "stdout"}
	cmd.Stderr = &lineWriter{c: c, id: w.id, stream: "stderr", tail: tail}
	cmd.SysProcAttr = sysProcAttr()
	p := &localProc{cmd: cmd, done: make(chan struct{}), tail: tail}
	if err := cmd.Start(); err != nil {
		c.mu.Lock()
		w.removing = true
		c.mu.Unlock()
		close(p.done)
		c.lose(w, err.Error())
		return nil, fmt.Errorf("dist: starting a worker (%s): %w", strings.Join(command, " "), err)
	}
	c.mu.Lock()
	w.proc, w.pid = p, cmd.Process.Pid
	c.mu.Unlock()
	go func() {
		err := cmd.Wait()
		close(p.done)
		c.lose(w, exitReason(err, tail.last()))
	}()
	return w, nil
}

// exitReason words how a worker process ended.
func exitReason(err error, lastLine string) string {
	why := "exited"
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		why = ee.ProcessState.String() // "signal: killed", "exit status 2"
	case err != nil:
		why = err.Error()
	}
	if lastLine != "" {
		why += ": " + lastLine
	}
	return why
}

// lineWriter passes a local worker's own stdout or stderr (what its engine
// does not capture, such as a crash report) to the notebook, prefixed as
// the rest of its output.
type lineWriter struct {
	c      *Cluster
	id     int
	stream string
	tail   *tailWriter
}

func (l *lineWriter) Write(p []byte) (int, error) {
	if l.tail != nil {
		l.tail.Write(p)
	}
	l.c.printOutput(l.id, l.stream, string(p))
	return len(p), nil
}

// tailWriter keeps the last non-empty line written to it (for the reason
// a worker died: "fatal error: …").
type tailWriter struct {
	mu   sync.Mutex
	line string
	cur  []byte
}

func (t *tailWriter) Write(p []byte) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, b := range p {
		if b == '\n' {
			if s := strings.TrimSpace(string(t.cur)); s != "" && !strings.HasPrefix(s, "goroutine ") {
				if t.line == "" || !strings.HasPrefix(t.line, "fatal error") && !strings.HasPrefix(t.line, "panic") {
					t.line = s
				}
			}
			t.cur = t.cur[:0]
			continue
		}
		if len(t.cur) < 512 {
			t.cur = append(t.cur, b)
		}
	}
}

func (t *tailWriter) last() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.line
}
