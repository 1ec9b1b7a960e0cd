// Package engine is the contract between the Jupyter side of gopar (package
// kernel) and a language engine (package interp). It holds only types and
// interfaces, so that the kernel knows nothing of Go-the-language and the
// engine knows nothing of ZeroMQ.
//
// The kernel calls an Engine from one goroutine at a time for Execute; it may
// call Complete, Inspect and IsComplete while no cell runs. Interrupting a cell
// is done by cancelling the context passed to Execute.
package engine

import (
	"context"
	"errors"
	"strings"
)

// Bundle is a MIME bundle: MIME type to data. Text types and base64-encoded
// images are strings; application/json and similar types may hold any value
// that encodes to JSON. A bundle shown to the user always carries text/plain.
type Bundle map[string]any

// Display is one display_data, update_display_data or execute_result payload.
type Display struct {
	// Data is the MIME bundle.
	Data Bundle
	// Metadata is per-MIME metadata (for example image sizes); may be nil.
	Metadata map[string]any
	// ID is the display_id for updatable displays; empty for plain ones.
	ID string
	// Update makes the kernel send update_display_data for ID instead of
	// display_data.
	Update bool
}

// Output receives what a running cell shows. The kernel implements it; all
// methods are safe to call from any goroutine, and may be called after the
// cell ended (output then goes to whichever cell runs at the time).
type Output interface {
	// Stream writes text to the "stdout" or "stderr" stream.
	Stream(name, text string)
	// Display shows (or updates) a display.
	Display(d Display)
	// Clear clears the cell's output; with wait, only when new output arrives.
	Clear(wait bool)
	// Input asks the user for one line of text through the frontend's stdin
	// channel. It returns ErrNoStdin when the frontend does not allow input,
	// and the context's error when the cell is interrupted while waiting.
	Input(ctx context.Context, prompt string, password bool) (string, error)
}

// ErrNoStdin is returned by Output.Input when the frontend did not allow stdin.
var ErrNoStdin = errors.New("stdin is not supported by this frontend")

// ExecuteRequest is what the kernel passes to Engine.Execute.
type ExecuteRequest struct {
	// Code is the cell's source.
	Code string
	// Silent asks for no output and no result.
	Silent bool
	// StoreHistory is the frontend's store_history flag.
	StoreHistory bool
	// UserExpressions maps names to expressions to evaluate after the cell.
	UserExpressions map[string]string
	// AllowStdin tells whether Output.Input may be used.
	AllowStdin bool
	// ExecutionCount is the number the kernel gives this cell (In [n]).
	ExecutionCount int
}

// ExecuteResult is what Engine.Execute returns.
type ExecuteResult struct {
	// Result is the cell's value, sent as execute_result; nil when the cell
	// ends in a statement. Its Data always carries text/plain.
	Result *Display
	// Err is set when the cell failed (compile error, panic, interrupt).
	Err *Error
	// UserExpressions holds, per name in the request, either a bundle
	// {"status":"ok","data":…,"metadata":{}} or an error
	// {"status":"error","ename":…,"evalue":…,"traceback":[…]}.
	UserExpressions map[string]any
	// Payloads are execute_reply payloads (for example a "page" payload for
	// `?name`).
	Payloads []map[string]any
	// Restore is source, in the engine's own language, that defines again
	// what this cell defined when it is executed silently in a fresh
	// engine. For the Go engine: the cell's imports, types, functions,
	// methods and constants as written, and its variables declared with
	// zero values (their initialisers do not run again). It is empty when
	// the cell defined nothing. A cell that failed (a panic, an interrupt)
	// after some of its definitions took effect returns those: they stay
	// in the engine, so a restart must not lose them.
	//
	// An engine that runs in a supervised child process (package
	// engine/proc) is restarted when that process dies; the supervisor
	// keeps the Restore texts of the cells and executes them
	// again, in order and with their original ExecutionCount, before any
	// further request. A cell that discards earlier definitions (a reset)
	// therefore returns a Restore that does the same (the reset command
	// itself), so that replaying every text yields the same definitions.
	Restore string
	// Variables names the variables this cell defined or assigned at top
	// level. A restart loses their values (Restore declares them again with
	// zero values); the supervisor names them in its report of the crash.
	Variables []string
}

// Kind names a class of failure. Its text is the error's Jupyter ename;
// code that branches on an error compares kinds, never message texts.
type Kind string

// The kinds of failure engines and the kernel report.
const (
	// SyntaxError: the cell does not parse.
	SyntaxError Kind = "SyntaxError"
	// CompileError: the cell parses but does not type-check or compile.
	CompileError Kind = "CompileError"
	// ImportError: an import cannot be satisfied.
	ImportError Kind = "ImportError"
	// Unsupported: valid Go that the engine cannot run.
	Unsupported Kind = "UnsupportedError"
	// Panic: a panic in the cell's code or in a goroutine it started.
	Panic Kind = "panic"
	// RuntimeError: a run-time error of Go (index out of range, nil map
	// write, division by zero…).
	RuntimeError Kind = "runtime error"
	// Exit: the cell called os.Exit or log.Fatal; the engine keeps running.
	Exit Kind = "Exit"
	// Interrupt: the user interrupted the cell.
	Interrupt Kind = "Interrupt"
	// Timeout: the cell ran past its time limit.
	Timeout Kind = "Timeout"
	// UsageError: a magic command was misused.
	UsageError Kind = "UsageError"
	// OSError: a call to the operating system failed (a file, a process, an
	// environment variable).
	OSError Kind = "OSError"
	// InterpreterError: the interpreter itself failed on the cell.
	InterpreterError Kind = "InterpreterError"
	// EngineClosed: the engine was closed before the request.
	EngineClosed Kind = "EngineClosed"
	// EngineCrashed: the engine's process died while it ran the cell.
	EngineCrashed Kind = "EngineCrashed"
	// InternalError: a bug in gopar (a panic in the kernel or the engine).
	InternalError Kind = "InternalError"
	// OtherError: any other failure.
	OtherError Kind = "Error"
)

// Error is a failed cell, in the shape of a Jupyter error message.
type Error struct {
	// Kind is the class of the failure, sent as the ename.
	Kind Kind
	// Value is the one-line message (evalue).
	Value string
	// Traceback is the lines shown to the user; may hold ANSI colours.
	Traceback []string
}

// NewError returns an Error of the given kind. Without traceback lines the
// traceback is the single line "Kind: value".
func NewError(kind Kind, value string, traceback ...string) *Error {
	if len(traceback) == 0 {
		traceback = []string{string(kind) + ": " + value}
	}
	return &Error{Kind: kind, Value: value, Traceback: traceback}
}

// Is reports whether err is an *Error of kind k.
func Is(err error, k Kind) bool {
	var e *Error
	return errors.As(err, &e) && e != nil && e.Kind == k
}

// Error implements the error interface.
func (e *Error) Error() string {
	if e.Value == "" {
		return string(e.Kind)
	}
	return string(e.Kind) + ": " + e.Value
}

// String is the traceback as one text.
func (e *Error) String() string { return strings.Join(e.Traceback, "\n") }

// Completion is the answer to a complete_request.
type Completion struct {
	// Matches are the candidate texts that replace [CursorStart, CursorEnd).
	Matches []string
	// CursorStart and CursorEnd are positions in Unicode code points.
	CursorStart, CursorEnd int
	// Metadata is sent as the reply's metadata (for example
	// "_jupyter_types_experimental").
	Metadata map[string]any
}

// Inspection is the answer to an inspect_request.
type Inspection struct {
	// Found tells whether anything was found at the cursor.
	Found bool
	// Data is the MIME bundle to show (text/plain at least).
	Data Bundle
}

// Info is what the engine reports in kernel_info_reply.
type Info struct {
	// Implementation and ImplementationVersion name the kernel.
	Implementation, ImplementationVersion string
	// LanguageInfo is the language_info dictionary (name, version, mimetype,
	// file_extension, pygments_lexer, codemirror_mode).
	LanguageInfo map[string]any
	// Banner is shown by consoles at start.
	Banner string
	// HelpLinks are {"text":…, "url":…} entries.
	HelpLinks []map[string]string
}

// IsComplete status values, as in is_complete_reply.
const (
	Complete   = "complete"
	Incomplete = "incomplete"
	Invalid    = "invalid"
	Unknown    = "unknown"
)

// Engine runs cells of one language. The kernel owns one Engine per process.
//
// An Engine may live in another process: package engine/proc implements
// Engine in the kernel's process by forwarding every call to an engine that
// runs in a supervised child process, so that a fatal error in a cell (which
// no recover can stop) ends the child, not the kernel. Outputs, displays,
// input requests and interrupts then cross the process boundary, and the
// values passed through the interface (Bundle, Display, ExecuteResult…) must
// survive a round trip through JSON: a Bundle's numbers come back as
// json.Number.
type Engine interface {
	// Info describes the language and implementation.
	Info() Info
	// Execute runs one cell. It returns promptly (within about a second)
	// after ctx is cancelled, with Err describing the interruption, and
	// keeps the state defined by earlier cells. Output must all have been
	// passed to out before Execute returns.
	Execute(ctx context.Context, req ExecuteRequest, out Output) ExecuteResult
	// Complete proposes completions at cursor (a code-point offset).
	Complete(code string, cursor int) Completion
	// Inspect describes the object at cursor; detail is 0 or 1.
	Inspect(code string, cursor, detail int) Inspection
	// IsComplete tells whether code is ready to run; indent is the
	// suggested indentation of the next line when incomplete.
	IsComplete(code string) (status, indent string)
	// Close releases the engine at kernel shutdown.
	Close() error
}

// IdleInterrupter is implemented by engines that can stop work that earlier
// cells left running in the background (goroutines, say) while no cell
// runs. The kernel calls InterruptIdle when an interrupt arrives and no cell
// is running; a running cell is interrupted by cancelling the context given
// to Execute instead.
type IdleInterrupter interface {
	// InterruptIdle stops background work of earlier cells. It returns
	// promptly and keeps what cells defined.
	InterruptIdle()
}
