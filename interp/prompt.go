package interp

import (
	"context"
	"strings"
	"sync"
	"time"

	"github.com/gopar/gopar/engine"
)

// Input prompts. A cell that prints a question without a newline and then
// reads stdin (fmt.Print("name? "); fmt.Scanln(&name)) should show the
// question as the prompt of the input box, as Python's input(prompt) does,
// not as a stream followed by an input box with an empty prompt (and the
// answer on a line of its own). The interpreter's stdin asks for a line
// with an empty prompt, so the engine's Output holds back the last,
// unfinished line of stdout for a moment: if input is asked for meanwhile,
// that line is the prompt; otherwise it goes out when the line ends, when
// other output comes, when the cell ends, or after holdPartial.

// holdPartial bounds how long an unfinished line of stdout is held back
// (partial lines of progress output show after it).
const holdPartial = 50 * time.Millisecond

// promptOutput is a cell's Output, holding back its unfinished stdout line
// (see above).
type promptOutput struct {
	engine.Output
	sync func() // waits for what was written to stdout to reach Stream

	mu     sync.Mutex
	held   string // the unfinished last line of stdout
	timer  *time.Timer
	passed bool // the cell ended: nothing is held back any more
}

func newPromptOutput(out engine.Output, sync func()) *promptOutput {
	return &promptOutput{Output: out, sync: sync}
}

// Stream passes text on, holding back stdout's unfinished last line.
func (o *promptOutput) Stream(name, text string) {
	o.mu.Lock()
	if name != "stdout" || o.passed {
		held := o.takeLocked()
		o.mu.Unlock()
		if held != "" {
			o.Output.Stream("stdout", held)
		}
		o.Output.Stream(name, text)
		return
	}
	text = o.held + text
	cut := strings.LastIndexByte(text, '\n') + 1
	o.held = text[cut:]
	if o.held != "" && o.timer == nil {
		o.timer = time.AfterFunc(holdPartial, o.flush)
	}
	if o.held == "" && o.timer != nil {
		o.timer.Stop()
		o.timer = nil
	}
	// Under o.mu: stdout's parts go out in order.
	if cut > 0 {
		o.Output.Stream(name, text[:cut])
	}
	o.mu.Unlock()
}

// Display passes d on after the held stdout.
func (o *promptOutput) Display(d engine.Display) {
	o.flush()
	o.Output.Display(d)
}

// Clear passes the clear on after the held stdout.
func (o *promptOutput) Clear(wait bool) {
	o.flush()
	o.Output.Clear(wait)
}

// Input asks for a line; without a prompt of its own, the held stdout line
// (everything printed before, then) is the prompt.
func (o *promptOutput) Input(ctx context.Context, prompt string, password bool) (string, error) {
	if prompt == "" {
		o.sync()
		o.mu.Lock()
		prompt = o.takeLocked()
		o.mu.Unlock()
	} else {
		o.flush()
	}
	return o.Output.Input(ctx, prompt, password)
}

// flush sends the held stdout line.
func (o *promptOutput) flush() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if held := o.takeLocked(); held != "" {
		o.Output.Stream("stdout", held)
	}
}

// end flushes the held line; later output is not held back.
func (o *promptOutput) end() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.passed = true
	if held := o.takeLocked(); held != "" {
		o.Output.Stream("stdout", held)
	}
}

// takeLocked returns and forgets the held line (o.mu held).
func (o *promptOutput) takeLocked() string {
	if o.timer != nil {
		o.timer.Stop()
		o.timer = nil
	}
	h := o.held
	o.held = ""
	return h
}
