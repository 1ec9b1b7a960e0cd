package kernel

import (
	"bytes"
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha3"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"errors"
	"hash"
	"math/rand/v2"
	"os/exec"
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
	w := newWire("secret", "")
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
	r := newWire("secret", "")
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
		f2, _ := newWire(key, "").encode(outMsg{Header: w.newHeader("y"), Content: map[string]any{}}, nil)
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

// TestGlobMatch checks globMatch against answers of SQLite's GLOB (as
// Python's sqlite3 gave them), which IPython's history search uses.
func TestGlobMatch(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"6 *", "6 * 7", true}, // the * of the pattern is a wildcard where the text has a *
		{"6 \\*", "6 * 7", false},
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
		{"h?llo", "héllo", true},
		{"exact", "exact", true},
		{"exact", "exactly", false},
		{"Exact", "exact", false},
		{"*", "*", true},
		{"a*", "a*b", true},
		{"?", "", false},
		{"??", "é", false},
		{"[abc]", "b", true},
		{"[abc]", "d", false},
		{"[a-c]x", "bx", true},
		{"[a-c]", "B", false},
		{"[^a-c]", "d", true},
		{"[^a-c]", "b", false},
		{"[]]", "]", true},
		{"[]a]", "a", true},
		{"[^]]", "]", false},
		{"[^]]", "x", true},
		{"[a-]", "-", true},
		{"[-a]", "-", true},
		{"[a-c-e]", "-", true},
		{"[a-c-e]", "d", false},
		{"[a-c-e]", "e", true},
		{"[abc", "a", false},
		{"[", "[", false},
		{"*[", "x[", false},
		{"a[*]b", "a*b", true},
		{"a[?]b", "axb", false},
		{"a[?]b", "a?b", true},
		{"*[0-9]", "x7", true},
		{"*[0-9]", "x", false},
		{"*?", "", false},
		{"*?", "a", true},
		{"*??*", "a", false},
		{"[z-a]", "m", false},
		{"[!a]", "!", true},
		{"[!a]", "b", false},
		{"a\\b", "a\\b", true},
		{"*a*a*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false},
		{"**", "x", true},
		{"[^]", "x", false},
		{"[]", "]", false},
		{"[é-ë]", "ê", true},
		{"[^é]", "e", true},
		{"a\x00b", "a", true},
		{"a", "a\x00b", true},
	}
	for _, tc := range tests {
		if got := globMatch(tc.pattern, tc.s); got != tc.want {
			t.Errorf("globMatch(%q, %q) = %v, want %v", tc.pattern, tc.s, got, tc.want)
		}
	}
	if globMatch(strings.Repeat("*", maxGlobPattern+1), "x") {
		t.Errorf("a pattern over SQLite's limit matched")
	}
}

// TestGlobMatchesSQLite compares globMatch with SQLite's GLOB on random
// patterns and texts, through Python's sqlite3.
func TestGlobMatchesSQLite(t *testing.T) {
	if err := exec.Command(python, "-c", "import sqlite3").Run(); err != nil {
		t.Skipf("%s cannot import sqlite3: %v", python, err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	pick := func(alphabet []string, max int) string {
		var b strings.Builder
		for range rng.IntN(max + 1) {
			b.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		return b.String()
	}
	patAlphabet := []string{"a", "b", "c", "é", "*", "?", "[", "]", "^", "-", "[a-b]", "[^a]", "*a", "\\"}
	textAlphabet := []string{"a", "b", "c", "é", "*", "?", "[", "]", "^", "-", "\\", "\n"}
	var pairs [][2]string
	for range 5000 {
		pairs = append(pairs, [2]string{pick(patAlphabet, 6), pick(textAlphabet, 8)})
	}
	in, _ := json.Marshal(pairs)
	cmd := exec.Command(python, "-c", `
import json, sqlite3, sys
db = sqlite3.connect(":memory:")
json.dump([bool(db.execute("SELECT ? GLOB ?", (s, p)).fetchone()[0]) for p, s in json.load(sys.stdin)], sys.stdout)
`)
	cmd.Stdin = bytes.NewReader(in)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("sqlite3: %v", err)
	}
	var want []bool
	if err := json.Unmarshal(out, &want); err != nil || len(want) != len(pairs) {
		t.Fatalf("sqlite3 answered %d results, %v", len(want), err)
	}
	bad := 0
	for i, p := range pairs {
		if got := globMatch(p[0], p[1]); got != want[i] {
			t.Errorf("globMatch(%q, %q) = %v, SQLite says %v", p[0], p[1], got, want[i])
			if bad++; bad == 10 {
				t.FailNow()
			}
		}
	}
}

func TestSchemesSignWithTheirHash(t *testing.T) {
	hashes := map[string]func() hash.Hash{
		"":              sha256.New,
		"hmac-md5":      md5.New,
		"hmac-sha1":     sha1.New,
		"hmac-sha224":   sha256.New224,
		"hmac-sha256":   sha256.New,
		"hmac-sha384":   sha512.New384,
		"hmac-sha512":   sha512.New,
		"hmac-sha3_224": func() hash.Hash { return sha3.New224() },
		"hmac-sha3_256": func() hash.Hash { return sha3.New256() },
		"hmac-sha3_384": func() hash.Hash { return sha3.New384() },
		"hmac-sha3_512": func() hash.Hash { return sha3.New512() },
	}
	for scheme, h := range hashes {
		w := newWire("key", scheme)
		frames, err := w.encode(outMsg{Header: w.newHeader("x"), Content: map[string]any{"a": 1}}, nil)
		if err != nil {
			t.Fatal(err)
		}
		mac := hmac.New(h, []byte("key"))
		for _, f := range frames[2:6] {
			mac.Write(f)
		}
		if want := hex.EncodeToString(mac.Sum(nil)); string(frames[1]) != want {
			t.Errorf("%s: signature %s, want %s", scheme, frames[1], want)
		}
	}
}

func TestClip(t *testing.T) {
	if got := clip("short"); got != "short" {
		t.Errorf("clip(short) = %q", got)
	}
	long := strings.Repeat("é", 100) // 200 bytes
	got := clip(long)
	if want := strings.Repeat("é", maxEcho/2) + "…(200 bytes)"; got != want {
		t.Errorf("clip = %q, want %q", got, want)
	}
	h := header{MsgID: "id", MsgType: strings.Repeat("x", 1<<20)}
	raw := clippedHeader(h)
	var back header
	if err := json.Unmarshal(raw, &back); err != nil || back.MsgID != "id" || len(raw) > 1<<10 {
		t.Errorf("clippedHeader = %.300s (%d bytes), %v", raw, len(raw), err)
	}
}
