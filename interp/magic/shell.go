package magic

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gopar/gopar/engine"
)

// killGrace is how long an interrupted shell command has between SIGINT
// and SIGKILL.
const killGrace = 300 * time.Millisecond

// shell runs line with sh -c, streaming its stdout and stderr to the cell's
// streams as they come. A nonzero exit status is shown on stderr (the cell
// goes on, as in IPython); cancelling ctx interrupts the command's whole
// process group.
func shell(ctx context.Context, line string, out engine.Output) engine.ExecuteResult {
	if line == "" {
		return errResult(engine.UsageError, "!cmd: missing command")
	}
	cmd := exec.CommandContext(ctx, "sh", "-c", line)
	stdout := &streamWriter{out: out, name: "stdout"}
	stderr := &streamWriter{out: out, name: "stderr"}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	setProcessGroup(cmd)
	// After an interrupt, or once the command exited while background
	// children keep its output open, stop waiting for their output.
	cmd.WaitDelay = time.Second
	err := cmd.Run()
	stdout.flush()
	stderr.flush()
	if ctx.Err() != nil {
		return interrupted()
	}
	var exit *exec.ExitError
	switch {
	case errors.As(err, &exit):
		out.Stream("stderr", fmt.Sprintf("[%s]\n", exit.ProcessState.String()))
	case err != nil && !errors.Is(err, exec.ErrWaitDelay):
		return errResult(engine.OSError, "!%s: %v", line, err)
	}
	return engine.ExecuteResult{}
}

// streamWriter forwards writes to a stream, holding back an incomplete
// UTF-8 sequence at the end of a write until the next one.
type streamWriter struct {
	mu   sync.Mutex
	out  engine.Output
	name string
	rest []byte
}

func (w *streamWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	buf := append(w.rest, p...)
	cut := len(buf)
	// Back up over at most 3 bytes of an unfinished rune.
	for i := len(buf) - 1; i >= 0 && i >= len(buf)-3; i-- {
		if utf8.RuneStart(buf[i]) {
			if !utf8.FullRune(buf[i:]) {
				cut = i
			}
			break
		}
	}
	if cut > 0 {
		w.out.Stream(w.name, string(buf[:cut]))
	}
	w.rest = append([]byte(nil), buf[cut:]...)
	return len(p), nil
}

func (w *streamWriter) flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.rest) > 0 {
		w.out.Stream(w.name, string(w.rest))
		w.rest = nil
	}
}
