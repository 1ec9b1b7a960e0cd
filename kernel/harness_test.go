package kernel

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-zeromq/zmq4"

	"github.com/gopar/gopar/kernel/kerneltest"
)

// failAfter guards every wait in these tests: reaching it is a failure.
const failAfter = 20 * time.Second

// python is the interpreter with Jupyter's client packages: Debian's, or
// the one $GOPAR_E2E_PYTHON names (as in package e2e).
var python = cmp.Or(os.Getenv("GOPAR_E2E_PYTHON"), "/usr/bin/python3")

// syncBuffer is a log sink safe for concurrent use.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// box collects the messages received on one client socket.
type box struct {
	mu      sync.Mutex
	msgs    []*message
	changed chan struct{}
}

func newBox() *box { return &box{changed: make(chan struct{})} }

func (b *box) add(m *message) {
	b.mu.Lock()
	b.msgs = append(b.msgs, m)
	close(b.changed)
	b.changed = make(chan struct{})
	b.mu.Unlock()
}

// waitUntil waits at most d until pred accepts the messages received so
// far, and tells whether it did.
func (b *box) waitUntil(pred func([]*message) bool, d time.Duration) bool {
	deadline := time.After(d)
	for {
		b.mu.Lock()
		msgs := append([]*message(nil), b.msgs...)
		changed := b.changed
		b.mu.Unlock()
		if pred(msgs) {
			return true
		}
		select {
		case <-changed:
		case <-deadline:
			return false
		}
	}
}

// waitFor waits until pred accepts the messages received so far.
func (b *box) waitFor(t *testing.T, what string, pred func([]*message) bool) []*message {
	t.Helper()
	if !b.waitUntil(pred, failAfter) {
		b.mu.Lock()
		msgs := b.msgs
		b.mu.Unlock()
		t.Fatalf("timed out waiting for %s; got %d messages: %s", what, len(msgs), summary(msgs))
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]*message(nil), b.msgs...)
}

func summary(msgs []*message) string {
	var parts []string
	for _, m := range msgs {
		parts = append(parts, m.Header.MsgType+"("+parentID(m)+")")
	}
	return strings.Join(parts, " ")
}

// parentID is the msg_id of m's parent header.
func parentID(m *message) string {
	var h header
	_ = json.Unmarshal(m.Parent, &h)
	return h.MsgID
}

// content decodes m's content.
func content(t *testing.T, m *message) map[string]any {
	t.Helper()
	var c map[string]any
	if err := json.Unmarshal(m.Content, &c); err != nil {
		t.Fatalf("%s content: %v", m.Header.MsgType, err)
	}
	return c
}

// client is a Jupyter frontend on real zmq4 sockets.
type client struct {
	t       *testing.T
	w       *wire
	conn    *connectionInfo
	log     *syncBuffer
	eng     *kerneltest.Engine
	done    chan error // Serve's result
	sockets []zmq4.Socket

	shell, control, stdin zmq4.Socket
	hb                    zmq4.Socket
	shellBox, controlBox  *box
	stdinBox, iopubBox    *box

	// With kernelOptions.prebound: a raw connection to the shell port made
	// before Serve ran, and how many sockets Serve took.
	early         net.Conn
	preboundTaken atomic.Int32
}

// freePorts returns n distinct free TCP ports on 127.0.0.1.
func freePorts(t *testing.T, n int) []int {
	t.Helper()
	var ls []net.Listener
	var ports []int
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	for _, l := range ls {
		l.Close()
	}
	return ports
}

type kernelOptions struct {
	key       string
	scheme    string // the signature scheme; "": defaultScheme
	transport string
	hooks     *testHooks
	// prebound binds the ports before Serve, hands them over through
	// Config.Prebound, and connects client.early to the shell port before
	// Serve runs.
	prebound bool
}

// netAddr is the net package's network and address of a port of ci.
func (ci *connectionInfo) netAddr(port int) (network, address string) {
	if ci.Transport == "ipc" {
		return "unix", fmt.Sprintf("%s-%d", ci.IP, port)
	}
	return "tcp", net.JoinHostPort(ci.IP, strconv.Itoa(port))
}

// prebind binds the ports of ci as internal/prebind does, connects
// c.early to the shell port, and returns the Config.Prebound that hands the
// sockets over.
func (c *client) prebind(ci *connectionInfo) func(transport, ip string, port int) *os.File {
	t := c.t
	files := map[int]*os.File{}
	for _, p := range ci.ports() {
		network, addr := ci.netAddr(p.port)
		l, err := net.Listen(network, addr)
		if err != nil {
			t.Fatal(err)
		}
		if ul, ok := l.(*net.UnixListener); ok {
			ul.SetUnlinkOnClose(false)
		}
		f, err := l.(interface{ File() (*os.File, error) }).File()
		l.Close()
		if err != nil {
			t.Fatal(err)
		}
		files[p.port] = f
	}
	network, addr := ci.netAddr(ci.ShellPort)
	early, err := net.Dial(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	early.Write(zmtpGreeting())
	ready := []byte("\x05READY\x0bSocket-Type\x00\x00\x00\x06DEALER")
	early.Write(append([]byte{0x04, byte(len(ready))}, ready...))
	c.early = early
	t.Cleanup(func() { early.Close() })
	var mu sync.Mutex
	return func(transport, ip string, port int) *os.File {
		mu.Lock()
		defer mu.Unlock()
		if transport != ci.Transport || ip != ci.IP {
			t.Errorf("Prebound(%q, %q, %d) for a kernel on %s %s", transport, ip, port, ci.Transport, ci.IP)
			return nil
		}
		f := files[port]
		if f != nil {
			delete(files, port)
			c.preboundTaken.Add(1)
		}
		return f
	}
}

// startKernel runs Serve with a kerneltest.Engine and connects a client to it.
func startKernel(t *testing.T, opt kernelOptions) *client {
	t.Helper()
	dir := t.TempDir()
	ci := &connectionInfo{Transport: "tcp", IP: "127.0.0.1", Key: opt.key, SignatureScheme: cmp.Or(opt.scheme, defaultScheme)}
	if opt.transport == "ipc" {
		ci.Transport = "ipc"
		ci.IP = filepath.Join(dir, "k")
		ci.ShellPort, ci.ControlPort, ci.StdinPort, ci.HBPort, ci.IOPubPort = 1, 2, 3, 4, 5
	} else {
		p := freePorts(t, 5)
		ci.ShellPort, ci.ControlPort, ci.StdinPort, ci.HBPort, ci.IOPubPort = p[0], p[1], p[2], p[3], p[4]
	}
	data, _ := json.Marshal(ci)
	path := filepath.Join(dir, "kernel.json")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	c := &client{t: t, w: newWire(opt.key, opt.scheme), conn: ci, log: &syncBuffer{}, eng: &kerneltest.Engine{Started: make(chan string, 100)}, done: make(chan error, 1),
		shellBox: newBox(), controlBox: newBox(), stdinBox: newBox(), iopubBox: newBox()}
	cfg := Config{ConnectionFile: path, Engine: c.eng, Log: c.log, hooks: opt.hooks}
	if opt.prebound {
		cfg.Prebound = c.prebind(ci)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		c.done <- Serve(ctx, cfg)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-c.done:
		case <-time.After(failAfter):
			t.Errorf("Serve did not return after cancel")
		}
		for _, s := range c.sockets {
			s.Close()
		}
		if t.Failed() {
			t.Logf("kernel log:\n%s", c.log.String())
		}
	})

	c.connect()
	return c
}

// startClient connects a second client to the kernel of k.
func startClient(t *testing.T, k *client) *client {
	t.Helper()
	c := &client{t: t, w: newWire(k.conn.Key, k.conn.SignatureScheme), conn: k.conn, log: k.log, eng: k.eng, done: k.done,
		shellBox: newBox(), controlBox: newBox(), stdinBox: newBox(), iopubBox: newBox()}
	t.Cleanup(func() {
		for _, s := range c.sockets {
			s.Close()
		}
	})
	c.connect()
	return c
}

// connect dials every port of the kernel and waits until iopub delivers.
func (c *client) connect() {
	t, ci := c.t, c.conn
	t.Helper()
	id := zmq4.SocketIdentity(newID())
	dial := func(s zmq4.Socket, port int, b *box) zmq4.Socket {
		c.sockets = append(c.sockets, s)
		if err := s.Dial(ci.endpoint(port)); err != nil {
			t.Fatalf("dial %s: %v", ci.endpoint(port), err)
		}
		if b != nil {
			go c.pump(s, b)
		}
		return s
	}
	zopts := func() []zmq4.Option {
		return []zmq4.Option{zmq4.WithDialerRetry(10 * time.Millisecond), zmq4.WithDialerMaxRetries(1000)}
	}
	c.shell = dial(zmq4.NewDealer(context.Background(), append(zopts(), zmq4.WithID(id))...), ci.ShellPort, c.shellBox)
	c.control = dial(zmq4.NewDealer(context.Background(), zopts()...), ci.ControlPort, c.controlBox)
	c.stdin = dial(zmq4.NewDealer(context.Background(), append(zopts(), zmq4.WithID(id))...), ci.StdinPort, c.stdinBox)
	sub := zmq4.NewSub(context.Background(), zopts()...)
	if err := sub.SetOption(zmq4.OptionSubscribe, ""); err != nil {
		t.Fatal(err)
	}
	dial(sub, ci.IOPubPort, c.iopubBox)
	c.hb = dial(zmq4.NewReq(context.Background(), zopts()...), ci.HBPort, nil)
	c.waitReady()
}

// pump decodes what s receives into b.
func (c *client) pump(s zmq4.Socket, b *box) {
	for {
		zm, err := s.Recv()
		if err != nil {
			return
		}
		m, err := c.w.decode(zm.Frames)
		if err != nil {
			c.t.Errorf("client received a bad message: %v", err)
			return
		}
		b.add(m)
	}
}

// waitReady sends kernel_info_request until its status messages arrive on
// iopub, which proves the subscription reached the kernel.
func (c *client) waitReady() {
	c.t.Helper()
	for range 100 {
		id := c.send(c.shell, "kernel_info_request", map[string]any{})
		c.reply(c.shellBox, id)
		if c.iopubBox.waitUntil(func([]*message) bool { return c.idleSeen(id) }, 200*time.Millisecond) {
			return
		}
	}
	c.t.Fatal("iopub never delivered status messages")
}

func (c *client) idleSeen(id string) bool {
	c.iopubBox.mu.Lock()
	defer c.iopubBox.mu.Unlock()
	for _, m := range c.iopubBox.msgs {
		if parentID(m) == id && m.Header.MsgType == "status" && strings.Contains(string(m.Content), "idle") {
			return true
		}
	}
	return false
}

// build encodes a request from this client.
func (c *client) build(msgType string, cont any) (string, [][]byte) {
	c.t.Helper()
	h := c.w.newHeader(msgType)
	h.Username = "test"
	frames, err := c.w.encode(outMsg{Header: h, Content: cont}, nil)
	if err != nil {
		c.t.Fatal(err)
	}
	return h.MsgID, frames
}

// send sends a request on s and returns its msg_id.
func (c *client) send(s zmq4.Socket, msgType string, cont any) string {
	c.t.Helper()
	id, frames := c.build(msgType, cont)
	c.sendFrames(s, frames)
	return id
}

func (c *client) sendFrames(s zmq4.Socket, frames [][]byte) {
	c.t.Helper()
	if err := s.Send(zmq4.NewMsgFrom(frames...)); err != nil {
		c.t.Fatalf("send: %v", err)
	}
}

// reply waits for the reply to request id in b.
func (c *client) reply(b *box, id string) *message {
	c.t.Helper()
	msgs := b.waitFor(c.t, "reply to "+id, func(ms []*message) bool {
		for _, m := range ms {
			if parentID(m) == id {
				return true
			}
		}
		return false
	})
	for _, m := range msgs {
		if parentID(m) == id {
			return m
		}
	}
	return nil
}

// untilIdle returns the iopub messages of request id, up to its idle.
func (c *client) untilIdle(id string) []*message {
	c.t.Helper()
	c.iopubBox.waitFor(c.t, "idle of "+id, func([]*message) bool { return c.idleSeen(id) })
	c.iopubBox.mu.Lock()
	defer c.iopubBox.mu.Unlock()
	var out []*message
	for _, m := range c.iopubBox.msgs {
		if parentID(m) == id {
			out = append(out, m)
		}
	}
	return out
}

// types lists the msg_types of msgs, with the state for status messages.
func types(msgs []*message) []string {
	var out []string
	for _, m := range msgs {
		t := m.Header.MsgType
		if t == "status" {
			var c struct {
				State string `json:"execution_state"`
			}
			_ = json.Unmarshal(m.Content, &c)
			t += ":" + c.State
		}
		out = append(out, t)
	}
	return out
}

// execute runs code and returns the reply and the request's iopub messages.
func (c *client) execute(code string, extra map[string]any) (*message, []*message) {
	c.t.Helper()
	cont := map[string]any{"code": code, "silent": false, "store_history": true, "user_expressions": map[string]any{}, "allow_stdin": false}
	for k, v := range extra {
		cont[k] = v
	}
	id := c.send(c.shell, "execute_request", cont)
	r := c.reply(c.shellBox, id)
	return r, c.untilIdle(id)
}
