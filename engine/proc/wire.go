package proc

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"sync"
	"unicode/utf8"

	"github.com/gopar/gopar/engine"
)

// protocolVersion is sent in "hello".
const protocolVersion = 1

// memLimitEnv is the environment variable that passes Config.MemLimit to
// the child.
const memLimitEnv = "GOPAR_ENGINE_MEMLIMIT"

// Message ops; see the package documentation.
const (
	opExecute     = "execute"
	opInterrupt   = "interrupt"
	opIdle        = "interrupt_idle"
	opInputReply  = "input_reply"
	opComplete    = "complete"
	opInspect     = "inspect"
	opIsComplete  = "is_complete"
	opClose       = "close"
	opHello       = "hello"
	opStream      = "stream"
	opDisplay     = "display"
	opClear       = "clear"
	opInput       = "input"
	opInputCancel = "input_cancel"
	opLocate      = "locate"
	opResult      = "result"
	opReply       = "reply"
)

// Values of input_reply's err field.
const (
	inputErrNoStdin  = "nostdin"
	inputErrCanceled = "canceled"
)

// message is one protocol message; which fields are set depends on Op.
type message struct {
	Op string `json:"op"`
	ID int64  `json:"id,omitempty"`

	// hello
	PID     int `json:"pid,omitempty"`
	Version int `json:"version,omitempty"`

	// execute, result
	Request *wireRequest `json:"request,omitempty"`
	Result  *wireResult  `json:"result,omitempty"`

	// stream, display, clear
	Name    string       `json:"name,omitempty"`
	Text    string       `json:"text,omitempty"`
	Display *wireDisplay `json:"display,omitempty"`
	Wait    bool         `json:"wait,omitempty"`

	// input, input_reply, input_cancel
	Seq      int64  `json:"seq,omitempty"`
	Prompt   string `json:"prompt,omitempty"`
	Password bool   `json:"password,omitempty"`
	Err      string `json:"err,omitempty"`

	// locate
	Where string `json:"where,omitempty"`

	// complete, inspect, is_complete and their reply
	Code       string          `json:"code,omitempty"`
	Cursor     int             `json:"cursor,omitempty"`
	Detail     int             `json:"detail,omitempty"`
	Completion *wireCompletion `json:"completion,omitempty"`
	Inspection *wireInspection `json:"inspection,omitempty"`
	Status     string          `json:"status,omitempty"`
	Indent     string          `json:"indent,omitempty"`
}

type wireRequest struct {
	Code            string            `json:"code"`
	Silent          bool              `json:"silent,omitempty"`
	StoreHistory    bool              `json:"store_history,omitempty"`
	UserExpressions map[string]string `json:"user_expressions,omitempty"`
	AllowStdin      bool              `json:"allow_stdin,omitempty"`
	ExecutionCount  int               `json:"execution_count,omitempty"`
}

type wireDisplay struct {
	Data     engine.Bundle  `json:"data"`
	Metadata map[string]any `json:"metadata,omitempty"`
	ID       string         `json:"display_id,omitempty"`
	Update   bool           `json:"update,omitempty"`
}

type wireError struct {
	Kind      string   `json:"ename"`
	Value     string   `json:"evalue"`
	Traceback []string `json:"traceback"`
}

type wireResult struct {
	Result          *wireDisplay     `json:"result,omitempty"`
	Err             *wireError       `json:"error,omitempty"`
	UserExpressions map[string]any   `json:"user_expressions,omitempty"`
	Payloads        []map[string]any `json:"payloads,omitempty"`
	Restore         string           `json:"restore,omitempty"`
	Variables       []string         `json:"variables,omitempty"`
}

type wireCompletion struct {
	Matches     []string       `json:"matches"`
	CursorStart int            `json:"cursor_start"`
	CursorEnd   int            `json:"cursor_end"`
	Metadata    map[string]any `json:"metadata,omitempty"`
}

type wireInspection struct {
	Found bool          `json:"found"`
	Data  engine.Bundle `json:"data,omitempty"`
}

func toWireRequest(r engine.ExecuteRequest) *wireRequest {
	return &wireRequest{Code: r.Code, Silent: r.Silent, StoreHistory: r.StoreHistory,
		UserExpressions: r.UserExpressions, AllowStdin: r.AllowStdin, ExecutionCount: r.ExecutionCount}
}

func (w *wireRequest) engine() engine.ExecuteRequest {
	if w == nil {
		return engine.ExecuteRequest{}
	}
	return engine.ExecuteRequest{Code: w.Code, Silent: w.Silent, StoreHistory: w.StoreHistory,
		UserExpressions: w.UserExpressions, AllowStdin: w.AllowStdin, ExecutionCount: w.ExecutionCount}
}

func toWireDisplay(d *engine.Display) *wireDisplay {
	if d == nil {
		return nil
	}
	return &wireDisplay{Data: d.Data, Metadata: d.Metadata, ID: d.ID, Update: d.Update}
}

func (w *wireDisplay) engine() *engine.Display {
	if w == nil {
		return nil
	}
	return &engine.Display{Data: w.Data, Metadata: w.Metadata, ID: w.ID, Update: w.Update}
}

func toWireResult(r engine.ExecuteResult) *wireResult {
	w := &wireResult{Result: toWireDisplay(r.Result), UserExpressions: r.UserExpressions,
		Payloads: r.Payloads, Restore: r.Restore, Variables: r.Variables}
	if r.Err != nil {
		w.Err = &wireError{Kind: string(r.Err.Kind), Value: r.Err.Value, Traceback: r.Err.Traceback}
	}
	return w
}

func (w *wireResult) engine() engine.ExecuteResult {
	if w == nil {
		return engine.ExecuteResult{Err: engine.NewError(engine.InternalError, "the engine process sent a result without content")}
	}
	r := engine.ExecuteResult{Result: w.Result.engine(), UserExpressions: w.UserExpressions,
		Payloads: w.Payloads, Restore: w.Restore, Variables: w.Variables}
	if w.Err != nil {
		r.Err = &engine.Error{Kind: engine.Kind(w.Err.Kind), Value: w.Err.Value, Traceback: w.Err.Traceback}
	}
	return r
}

// inputError is the err field of an input_reply for err.
func inputError(err error) string {
	switch {
	case err == nil:
		return ""
	case errors.Is(err, engine.ErrNoStdin):
		return inputErrNoStdin
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return inputErrCanceled
	}
	if s := err.Error(); s != "" {
		return s
	}
	return "input failed"
}

// conn is one end of the protocol: a decoder, and an encoder whose writes
// are serialised. Each message is written with one Write call.
type conn struct {
	rwc io.ReadWriteCloser
	dec *json.Decoder

	mu  sync.Mutex // guards enc, buf and the writes
	enc *json.Encoder
	buf []byte
}

func newConn(rwc io.ReadWriteCloser) *conn {
	dec := json.NewDecoder(bufio.NewReaderSize(rwc, 64<<10))
	// Numbers in bundles keep their exact text.
	dec.UseNumber()
	return &conn{rwc: rwc, dec: dec, enc: json.NewEncoder(rwc)}
}

// send writes m.
func (c *conn) send(m *message) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.enc.Encode(m)
}

// recv reads the next message.
func (c *conn) recv() (*message, error) {
	m := new(message)
	if err := c.dec.Decode(m); err != nil {
		return nil, err
	}
	return m, nil
}

// appendJSONString appends s to b as a JSON string. Invalid UTF-8 becomes
// U+FFFD, as encoding/json does.
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
