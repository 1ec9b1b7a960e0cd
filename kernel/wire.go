package kernel

import (
	"bytes"
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha3"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// protocolVersion is the Jupyter messaging protocol version gopar speaks.
const protocolVersion = "5.3"

// delimiter separates the routing identities from the message proper.
var delimiter = []byte("<IDS|MSG>")

// header is a Jupyter message header.
type header struct {
	MsgID    string `json:"msg_id"`
	Session  string `json:"session"`
	Username string `json:"username"`
	Date     string `json:"date"`
	MsgType  string `json:"msg_type"`
	Version  string `json:"version"`
}

// message is a decoded incoming Jupyter message.
type message struct {
	// Identities are the routing frames before the delimiter.
	Identities [][]byte
	// Header is the decoded header; RawHeader is the header frame as
	// received, echoed as parent_header in replies.
	Header    header
	RawHeader json.RawMessage
	// Parent, Metadata and Content are the raw JSON frames.
	Parent   json.RawMessage
	Metadata json.RawMessage
	Content  json.RawMessage
	// Buffers are the extra binary frames.
	Buffers [][]byte
}

// outMsg is an outgoing message before signing.
type outMsg struct {
	Identities [][]byte
	Header     header
	Parent     json.RawMessage // nil: {}
	Metadata   any             // nil: {}
	Content    any
}

// signatureSchemes are the connection file's signature schemes the kernel
// knows, with their hash functions. jupyter_client accepts "hmac-" and the
// name of any hash in Python's hashlib: these are all of them but BLAKE2
// (not in Go's standard library) and SHAKE (whose HMAC Python cannot
// compute).
var signatureSchemes = map[string]func() hash.Hash{
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

// defaultScheme is the signature scheme of a connection file that names
// none.
const defaultScheme = "hmac-sha256"

// schemeNames lists the known signature schemes, sorted.
func schemeNames() string {
	var names []string
	for name := range signatureSchemes {
		names = append(names, name)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// wire signs, encodes and decodes messages for one kernel session.
type wire struct {
	key     []byte
	session string
	pool    sync.Pool // of hash.Hash, when key != nil

	mu   sync.Mutex
	seen map[string]struct{} // signatures already accepted (replay guard)
	ring []string            // seen, in arrival order
}

// maxSeen bounds the replay guard's memory.
const maxSeen = 1 << 14

// newWire returns the wire of a session signed with key ("": not signed)
// and scheme, one of signatureSchemes or "" for defaultScheme.
func newWire(key, scheme string) *wire {
	if scheme == "" {
		scheme = defaultScheme
	}
	h := signatureSchemes[scheme]
	if h == nil {
		panic("kernel: unknown signature scheme " + scheme) // loadConnectionFile checks it
	}
	w := &wire{session: newID(), seen: make(map[string]struct{})}
	if key != "" {
		w.key = []byte(key)
		w.pool.New = func() any { return hmac.New(h, w.key) }
	}
	return w
}

// newID returns a random UUID-4 string.
func newID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// now formats the current time as a Jupyter header date: RFC 3339 in UTC
// with exactly 6 fractional digits.
func now() string {
	return time.Now().UTC().Format("2006-01-02T15:04:05.000000Z")
}

// newHeader returns a fresh header of the given type for this session.
func (w *wire) newHeader(msgType string) header {
	return header{
		MsgID:    newID(),
		Session:  w.session,
		Username: "kernel",
		Date:     now(),
		MsgType:  msgType,
		Version:  protocolVersion,
	}
}

// sign returns the hex HMAC of the frames, or "" without a key.
func (w *wire) sign(frames ...[]byte) []byte {
	if w.key == nil {
		return nil
	}
	h := w.pool.Get().(hash.Hash)
	h.Reset()
	for _, f := range frames {
		h.Write(f)
	}
	sum := h.Sum(nil)
	w.pool.Put(h)
	out := make([]byte, hex.EncodedLen(len(sum)))
	hex.Encode(out, sum)
	return out
}

// marshal encodes v as JSON without HTML escaping.
func marshal(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

var emptyObject = json.RawMessage("{}")

// encode turns m into frames: identities (or a topic for iopub), the
// delimiter, the signature and the four JSON frames.
func (w *wire) encode(m outMsg, topic []byte) ([][]byte, error) {
	hdr, err := marshal(m.Header)
	if err != nil {
		return nil, err
	}
	parent := []byte(m.Parent)
	if len(parent) == 0 {
		parent = emptyObject
	}
	meta := []byte(emptyObject)
	if m.Metadata != nil {
		if meta, err = marshal(m.Metadata); err != nil {
			return nil, err
		}
	}
	content := []byte(emptyObject)
	if m.Content != nil {
		if content, err = marshal(m.Content); err != nil {
			return nil, err
		}
	}
	frames := make([][]byte, 0, len(m.Identities)+7)
	if topic != nil {
		frames = append(frames, topic)
	}
	frames = append(frames, m.Identities...)
	frames = append(frames, delimiter, w.sign(hdr, parent, meta, content), hdr, parent, meta, content)
	return frames, nil
}

// errDropped explains why an incoming message was dropped.
var errDropped = errors.New("message dropped")

// decode parses and verifies incoming frames. An error describes, in one
// line, why the message is dropped.
func (w *wire) decode(frames [][]byte) (*message, error) {
	idx := -1
	for i, f := range frames {
		if bytes.Equal(f, delimiter) {
			idx = i
			break
		}
	}
	if idx < 0 {
		return nil, fmt.Errorf("%w: no <IDS|MSG> delimiter in %d frames", errDropped, len(frames))
	}
	rest := frames[idx+1:]
	if len(rest) < 5 {
		return nil, fmt.Errorf("%w: %d frames after <IDS|MSG>, want at least 5", errDropped, len(rest))
	}
	sig, hdr, parent, meta, content := rest[0], rest[1], rest[2], rest[3], rest[4]
	if w.key != nil {
		want := w.sign(hdr, parent, meta, content)
		if len(sig) == 0 {
			return nil, fmt.Errorf("%w: unsigned message", errDropped)
		}
		if !hmac.Equal(sig, want) {
			return nil, fmt.Errorf("%w: bad signature", errDropped)
		}
		if !w.firstSeen(string(sig)) {
			return nil, fmt.Errorf("%w: replayed signature", errDropped)
		}
	}
	m := &message{
		Identities: frames[:idx],
		RawHeader:  json.RawMessage(hdr),
		Parent:     json.RawMessage(parent),
		Metadata:   json.RawMessage(meta),
		Content:    json.RawMessage(content),
		Buffers:    rest[5:],
	}
	if err := json.Unmarshal(hdr, &m.Header); err != nil {
		return nil, fmt.Errorf("%w: header is not a JSON object: %v", errDropped, err)
	}
	if m.Header.MsgType == "" {
		return nil, fmt.Errorf("%w: header has no msg_type", errDropped)
	}
	if !json.Valid(content) || (len(bytes.TrimSpace(content)) > 0 && bytes.TrimSpace(content)[0] != '{') {
		return nil, fmt.Errorf("%w: %s content is not a JSON object", errDropped, clip(m.Header.MsgType))
	}
	if len(hdr) > maxParentHeader {
		// Replies and status messages echo the header as their parent:
		// not megabytes of it.
		m.RawHeader = clippedHeader(m.Header)
	}
	return m, nil
}

// maxParentHeader is the largest request header echoed as it came, as
// parent_header; a real one is a few hundred bytes.
const maxParentHeader = 4 << 10

// clippedHeader is h with every field clipped, as JSON.
func clippedHeader(h header) json.RawMessage {
	h.MsgID, h.Session, h.Username = clip(h.MsgID), clip(h.Session), clip(h.Username)
	h.Date, h.MsgType, h.Version = clip(h.Date), clip(h.MsgType), clip(h.Version)
	b, err := marshal(h)
	if err != nil {
		return emptyObject
	}
	return b
}

// maxEcho is the longest name from a peer (a msg_type, say) that the
// kernel logs or echoes as it came.
const maxEcho = 100

// clip returns s, or its first maxEcho bytes and a note of its length if
// it is longer: a peer's name, as the kernel logs or echoes it.
func clip(s string) string {
	if len(s) <= maxEcho {
		return s
	}
	n := maxEcho
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return fmt.Sprintf("%s…(%d bytes)", s[:n], len(s))
}

// firstSeen records sig and reports whether it is new.
func (w *wire) firstSeen(sig string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, ok := w.seen[sig]; ok {
		return false
	}
	w.seen[sig] = struct{}{}
	w.ring = append(w.ring, sig)
	if len(w.ring) > maxSeen {
		delete(w.seen, w.ring[0])
		w.ring = w.ring[1:]
	}
	return true
}
