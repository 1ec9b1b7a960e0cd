package kernel

import (
	"errors"
	"regexp"
	"strings"
	"testing"
)

func TestHeaderDate(t *testing.T) {
	re := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$`)
	for range 100 {
		if d := now(); !re.MatchString(d) {
			t.Fatalf("date %q", d)
		}
	}
}

func TestWireRoundTripAndSignature(t *testing.T) {
	w := newWire("secret")
	frames, err := w.encode(outMsg{Identities: [][]byte{[]byte("id")}, Header: w.newHeader("x_request"), Content: map[string]any{"a": "<b>"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if string(frames[6]) != `{"a":"<b>"}` {
		t.Errorf("content %s (HTML must not be escaped)", frames[6])
	}
	if len(frames[2]) != 64 {
		t.Errorf("signature %q", frames[2])
	}
	r := newWire("secret")
	m, err := r.decode(frames)
	if err != nil {
		t.Fatal(err)
	}
	if m.Header.MsgType != "x_request" || string(m.Identities[0]) != "id" || m.Header.Version != protocolVersion {
		t.Errorf("decoded %+v", m)
	}
	if _, err := r.decode(frames); err == nil || !strings.Contains(err.Error(), "replayed") {
		t.Errorf("replay: %v", err)
	}
	for name, key := range map[string]string{"other key": "other", "no key on sender": ""} {
		f2, _ := newWire(key).encode(outMsg{Header: w.newHeader("y"), Content: map[string]any{}}, nil)
		if _, err := r.decode(f2); !errors.Is(err, errDropped) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// A changed content frame breaks the signature.
	f3, _ := w.encode(outMsg{Header: w.newHeader("z"), Content: map[string]any{"code": "1"}}, nil)
	f3[5] = []byte(`{"code":"2"}`)
	if _, err := r.decode(f3); err == nil || !strings.Contains(err.Error(), "bad signature") {
		t.Errorf("tampered: %v", err)
	}
}

func TestGlobMatch(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"*", "", true},
		{"*", "anything\nat all", true},
		{"a*", "abc", true},
		{"a*", "bac", false},
		{"*c", "abc", true},
		{"a?c", "abc", true},
		{"a?c", "ac", false},
		{"*b*", "abc", true},
		{"x*y*z", "x12y34z", true},
		{"x*y*z", "x12y34", false},
		{"héllo?", "héllo!", true},
		{"exact", "exact", true},
		{"exact", "exactly", false},
	}
	for _, tc := range tests {
		if got := globMatch(tc.pattern, tc.s); got != tc.want {
			t.Errorf("globMatch(%q, %q) = %v, want %v", tc.pattern, tc.s, got, tc.want)
		}
	}
}
