package proc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"testing"

	"github.com/gopar/gopar/engine"
)

func TestAppendJSONString(t *testing.T) {
	for _, s := range []string{"", "In [3] line 7", `quote " and \ back`, "tab\tnew\nline\x00\x1f", "héllo ✓ 😀", "bad \xff utf8", "<html>&"} {
		b := appendJSONString(nil, s)
		var got string
		if err := json.Unmarshal(b, &got); err != nil {
			t.Errorf("appendJSONString(%q) = %s: invalid JSON: %v", s, b, err)
			continue
		}
		want := string(bytes.ToValidUTF8([]byte(s), []byte("\uFFFD")))
		if got != want {
			t.Errorf("appendJSONString(%q) decodes to %q", s, got)
		}
	}
}

// rwc is an in-memory io.ReadWriteCloser.
type rwc struct{ bytes.Buffer }

func (*rwc) Close() error { return nil }

func TestResultRoundTrip(t *testing.T) {
	res := engine.ExecuteResult{
		Result:          &engine.Display{Data: engine.Bundle{"text/plain": "3"}, Metadata: map[string]any{"a": "b"}},
		Err:             engine.NewError(engine.Panic, "boom", "line 1", "line 2"),
		UserExpressions: map[string]any{"x": map[string]any{"status": "ok"}},
		Payloads:        []map[string]any{{"source": "page"}},
		Restore:         "import \"fmt\"\nvar x int",
		Variables:       []string{"x"},
	}
	req := engine.ExecuteRequest{Code: "x", Silent: true, StoreHistory: true, UserExpressions: map[string]string{"a": "b"}, AllowStdin: true, ExecutionCount: 7}
	var buf rwc
	c := newConn(&buf)
	if err := c.send(&message{Op: opResult, ID: 5, Result: toWireResult(res), Request: toWireRequest(req)}); err != nil {
		t.Fatal(err)
	}
	if bytes.Count(buf.Bytes(), []byte("\n")) != 1 {
		t.Errorf("a message is not one line: %q", buf.String())
	}
	m, err := c.recv()
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Result.engine(); !reflect.DeepEqual(got, res) {
		t.Errorf("result after a round trip:\n%#v\nwant\n%#v", got, res)
	}
	if got := m.Request.engine(); !reflect.DeepEqual(got, req) {
		t.Errorf("request after a round trip:\n%#v\nwant\n%#v", got, req)
	}
	if _, err := c.recv(); !errors.Is(err, io.EOF) {
		t.Errorf("recv at the end: %v, want EOF", err)
	}
}

func TestInputErrors(t *testing.T) {
	for _, err := range []error{nil, engine.ErrNoStdin, context.Canceled} {
		if got := inputErr(inputError(err)); !errors.Is(got, err) && got != err {
			t.Errorf("%v crosses as %v", err, got)
		}
	}
	if got := inputErr(inputError(errors.New("another input request is pending"))); got == nil || got.Error() != "another input request is pending" {
		t.Errorf("other error crosses as %v", got)
	}
}
