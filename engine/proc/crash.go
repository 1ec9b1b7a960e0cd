package proc

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/gopar/gopar/internal/memguard"
)

// Limits of what is kept of a child's stderr.
const (
	// maxLine is the longest stderr line kept; longer lines are split.
	maxLine = 4 << 10
	// maxHeld is how many lines after a possible crash start are held back
	// from the log while waiting for the goroutine dump that confirms a
	// crash; past it they were ordinary output.
	maxHeld = 16
	// maxHead is how many lines of a crash's header are kept.
	maxHead = 8
	// maxDump is how many lines of the goroutine dump are kept for the log.
	maxDump = 24
)

// crashStarts are the beginnings of the lines with which the Go runtime
// (and memguard) start a crash report on stderr.
var crashStarts = []string{
	"fatal error: ", "panic: ", "runtime: ", "fatal: ", memguard.MessagePrefix,
	"SIGSEGV", "SIGBUS", "SIGFPE", "SIGILL", "SIGABRT", "SIGQUIT", "SIGTRAP", "SIGSYS",
	"unexpected fault address", "unexpected signal",
}

func isCrashStart(s string) bool {
	for _, p := range crashStarts {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

// goroutineStart matches the line that starts a goroutine's stack in a
// dump.
var goroutineStart = regexp.MustCompile(`^goroutine \d+ .*\[.*\]:$`)

// dumpStart matches the first line of the goroutine dump that follows a
// crash header.
var dumpStart = regexp.MustCompile(`^(goroutine \d+ .*\[.*\]:$|runtime stack:$|goroutine running on other thread)`)

// isHeaderish tells whether s may sit between a crash's first line and its
// goroutine dump: another crash line, a blank line, "[signal …]", or an
// indented continuation.
func isHeaderish(s string) bool {
	return s == "" || isCrashStart(s) || strings.HasPrefix(s, "[signal ") ||
		strings.HasPrefix(s, "\t") || strings.HasPrefix(s, " ")
}

// States of a stderrWatch.
const (
	watchNormal = iota // ordinary output
	watchHead          // after a possible crash start, lines held back
	watchDump          // in a confirmed crash's goroutine dump
)

// stderrWatch reads a child's stderr line by line. Ordinary lines go to the
// log at once. A line that may start a crash ("fatal error: …") and up to
// maxHeld lines after it are held back until the goroutine dump that
// follows a real crash confirms it; otherwise they are logged late. Of a
// confirmed crash it keeps the header and the first lines of the dump, so
// that a dump of any size costs at most (maxHead+maxDump)·maxLine bytes and
// never pushes the header out, as a fixed-size tail of stderr would; of the
// rest of the dump it counts the lines and goroutines, for the log.
type stderrWatch struct {
	log func(line string)

	mu    sync.Mutex
	state int
	held  []string // watchHead: the lines since the possible start
	head  []string // watchDump: the crash's header lines
	dump  []string // watchDump: the first lines of the dump
	last  string   // the last ordinary non-blank line
	// skipped counts the lines of the dump past maxDump, skippedGoroutines
	// the goroutines they start (watchDump).
	skipped, skippedGoroutines int
}

func newStderrWatch(log func(string)) *stderrWatch {
	return &stderrWatch{log: log}
}

// line processes one line (without its newline).
func (w *stderrWatch) line(s string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	switch w.state {
	case watchNormal:
		if isCrashStart(s) {
			w.state = watchHead
			w.held = append(w.held[:0], s)
			return
		}
		w.ordinary(s)
	case watchHead:
		if dumpStart.MatchString(s) {
			w.confirm()
			w.state = watchDump
			w.dump = append(w.dump, s)
			return
		}
		w.held = append(w.held, s)
		if len(w.held) > maxHeld {
			// Not a crash after all: ordinary output that looked like one.
			held := w.held
			w.held = nil
			w.state = watchNormal
			for i, h := range held {
				if i > 0 && isCrashStart(h) {
					// A later line may start a crash: look again from it.
					w.state = watchHead
					w.held = append([]string(nil), held[i:]...)
					return
				}
				w.ordinary(h)
			}
		}
	case watchDump:
		if len(w.dump) < maxDump {
			w.dump = append(w.dump, s)
			return
		}
		w.skipped++
		if goroutineStart.MatchString(s) {
			w.skippedGoroutines++
		}
	}
}

func (w *stderrWatch) ordinary(s string) {
	if strings.TrimSpace(s) != "" {
		w.last = s
	}
	if w.log != nil {
		w.log(s)
	}
}

// confirm takes the crash header out of the held lines: the first crash
// line of the run of header-like lines that ends the held lines (so that a
// stack overflow's header starts at "runtime: goroutine stack exceeds…"),
// or else the last crash line held (a panic whose value spans lines). Held
// lines before it were ordinary output.
func (w *stderrWatch) confirm() {
	held := w.held
	i := len(held)
	for i > 0 && isHeaderish(held[i-1]) {
		i--
	}
	start := -1
	for j := i; j < len(held); j++ {
		if isCrashStart(held[j]) {
			start = j
			break
		}
	}
	if start < 0 {
		for j := len(held) - 1; j >= 0; j-- {
			if isCrashStart(held[j]) {
				start = j
				break
			}
		}
	}
	if start < 0 {
		start = 0
	}
	for _, h := range held[:start] {
		w.ordinary(h)
	}
	w.head = w.head[:0]
	for _, h := range held[start:] {
		if strings.TrimSpace(h) != "" && len(w.head) < maxHead {
			w.head = append(w.head, h)
		}
	}
	w.held = nil
}

// finish is called once the child has exited and its stderr was read to
// the end. goCrash tells whether the exit status is one of a crash report
// that has no goroutine dump (Go's status 2 with GOTRACEBACK=none, or
// memguard's). It returns the crash header (empty when stderr holds none),
// the first lines of the dump, followed by a line that counts the lines and
// goroutines not kept if there are any, and the last ordinary line.
func (w *stderrWatch) finish(goCrash bool) (head, dump []string, last string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.state == watchHead {
		if goCrash {
			w.confirm()
			w.state = watchDump
		} else {
			for _, h := range w.held {
				w.ordinary(h)
			}
			w.held = nil
			w.state = watchNormal
		}
	}
	if w.state != watchDump {
		return nil, nil, w.last
	}
	dump = append([]string(nil), w.dump...)
	if w.skipped > 0 {
		dump = append(dump, fmt.Sprintf("… %d more lines of the goroutine dump not kept (%d more goroutines)", w.skipped, w.skippedGoroutines))
	}
	return append([]string(nil), w.head...), dump, w.last
}

// death describes how a child ended.
type death struct {
	pid    int
	at     time.Time // when the parent saw the process end
	status string    // "exited with status 2", "killed by signal 9"
	head   []string  // the crash's header from stderr; empty if none
	dump   []string  // the first lines of its goroutine dump, and a count of the rest
	last   string    // the last ordinary stderr line
	killed string    // why the parent killed the child, when it did
	where  string    // the last location the child reported
	call   *call     // the execute that was running, or nil
}

// first is the one-line description of the death.
func (d *death) first() string {
	switch {
	case len(d.head) > 0:
		return d.head[0]
	case d.killed != "":
		return "the engine " + d.killed
	}
	return d.status
}

// details are the lines after the first that describe the death.
func (d *death) details() []string {
	var lines []string
	if len(d.head) > 1 {
		for _, h := range d.head[1:] {
			if strings.HasPrefix(h, "runtime: sp=") {
				continue // addresses; noise to a user
			}
			lines = append(lines, h)
		}
	}
	if len(d.head) == 0 && d.killed == "" && d.status == "killed by signal 9" {
		lines = append(lines, "(SIGKILL from outside gopar: often the system's out-of-memory killer.)")
	}
	return lines
}

// place says where the child was when it died.
func (d *death) place() string {
	switch {
	case d.call == nil:
		return "while no cell was running"
	case d.where != "":
		return "while running " + d.where
	case d.call.count > 0:
		return fmt.Sprintf("while running In [%d]", d.call.count)
	}
	return "while running a cell"
}

// restart is the outcome of the restart after a death.
type restart struct {
	restored []int         // execution counts of the cells restored
	lost     []string      // variables whose values were lost
	failures []string      // what could not be restored
	took     time.Duration // from the death to the new child being ready
	err      error         // set when no new child could be started
	pending  bool          // still restarting when the report was made
}

// sentences describes the restart for the user.
func (r *restart) sentences() []string {
	var lines []string
	switch {
	case r == nil || r.pending:
		lines = append(lines, "The engine is restarting.")
	case r.err != nil:
		lines = append(lines, fmt.Sprintf("The engine could not be restarted: %v; gopar keeps trying.", r.err))
	case len(r.restored) == 0 && len(r.failures) == 0:
		lines = append(lines, "The engine was restarted; no earlier cell had definitions to restore.")
	default:
		s := "The engine was restarted"
		if len(r.restored) > 0 {
			s += ": definitions from " + cellList(r.restored) + " were restored"
		}
		if len(r.lost) > 0 {
			s += "; these variables were lost: " + strings.Join(r.lost, ", ") + " (they are declared again with zero values)"
		}
		lines = append(lines, s+".")
	}
	if r != nil {
		lines = append(lines, r.failures...)
	}
	return lines
}

// cellList writes counts as "In [1], In [2]".
func cellList(counts []int) string {
	parts := make([]string, len(counts))
	for i, n := range counts {
		parts[i] = fmt.Sprintf("In [%d]", n)
	}
	return strings.Join(parts, ", ")
}

// crashReport is the traceback of a cell whose child died: value first.
func crashReport(value string, d *death, r *restart) []string {
	lines := []string{"EngineCrashed: " + value}
	lines = append(lines, d.details()...)
	lines = append(lines, fmt.Sprintf("The engine process (pid %d) died %s.", d.pid, d.place()))
	return append(lines, r.sentences()...)
}

// idleNote is the stderr text that starts the next cell's output after the
// child died while no cell ran.
func idleNote(d *death, r *restart) string {
	lines := []string{fmt.Sprintf("gopar: the engine process (pid %d) died %s: %s", d.pid, d.place(), d.first())}
	lines = append(lines, d.details()...)
	lines = append(lines, r.sentences()...)
	return strings.Join(lines, "\n") + "\n"
}
