package kernel

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// zmtpGreeting is a ZMTP 3.0 greeting for the NULL mechanism.
func zmtpGreeting() []byte {
	g := kernelGreeting
	return g[:]
}

func TestHugeZMTPFrameIsRefused(t *testing.T) {
	c := startKernel(t, kernelOptions{key: testKey})
	for _, afterReady := range []bool{false, true} {
		conn, err := net.Dial("tcp", strings.TrimPrefix(c.conn.endpoint(c.conn.ShellPort), "tcp://"))
		if err != nil {
			t.Fatal(err)
		}
		conn.Write(zmtpGreeting())
		if afterReady {
			// A proper READY command, then a message frame of 2^60 bytes.
			body := []byte("\x05READY\x0bSocket-Type\x00\x00\x00\x06DEALER")
			conn.Write(append([]byte{0x04, byte(len(body))}, body...))
		}
		hdr := make([]byte, 9)
		hdr[0] = 0x02 // long frame
		binary.BigEndian.PutUint64(hdr[1:], 1<<60)
		conn.Write(hdr)
		conn.Write([]byte("some bytes"))
		// The kernel drops the connection and keeps serving.
		buf := make([]byte, 256)
		for {
			if _, err := conn.Read(buf); err != nil {
				break
			}
		}
		conn.Close()
		id := c.send(c.shell, "kernel_info_request", map[string]any{})
		c.reply(c.shellBox, id)
	}
	if !strings.Contains(c.log.String(), "frame of 1152921504606846976 bytes") {
		t.Errorf("log lacks the refused frame:\n%s", c.log.String())
	}
}

func TestZMTPGuardFollowsFramesAcrossReads(t *testing.T) {
	var stream []byte
	stream = append(stream, zmtpGreeting()...)
	stream = append(stream, 0x04, 3, 'a', 'b', 'c') // short command
	big := make([]byte, 300)
	long := make([]byte, 9)
	long[0] = 0x03 // long, more
	binary.BigEndian.PutUint64(long[1:], uint64(len(big)))
	stream = append(stream, long...)
	stream = append(stream, big...)
	stream = append(stream, 0x00, 0) // empty last frame
	for _, chunk := range []int{1, 2, 7, 64, len(stream)} {
		g := zmtpGuard{greeting: 64}
		for i := 0; i < len(stream); i += chunk {
			g.feed(stream[i:min(i+chunk, len(stream))])
		}
		if g.body != 0 || g.inSize || g.greeting != 0 || !g.boundary() {
			t.Errorf("chunk %d: guard ends in state %+v", chunk, g)
		}
	}
}

func TestStalledSubscriberDoesNotStallIOPub(t *testing.T) {
	oldTimeout, oldGrace := stalledPeerTimeout.get(), writeGracePerByte.get()
	stalledPeerTimeout.set(300 * time.Millisecond)
	writeGracePerByte.set(0)
	defer func() { stalledPeerTimeout.set(oldTimeout); writeGracePerByte.set(oldGrace) }()
	c := startKernel(t, kernelOptions{key: testKey})

	// A raw ZMTP subscriber with a tiny receive buffer that never reads.
	d := net.Dialer{Control: func(network, address string, rc syscall.RawConn) error {
		var serr error
		err := rc.Control(func(fd uintptr) {
			serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 4096)
		})
		if err != nil {
			return err
		}
		return serr
	}}
	conn, err := d.Dial("tcp", strings.TrimPrefix(c.conn.endpoint(c.conn.IOPubPort), "tcp://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.Write(zmtpGreeting())
	body := []byte("\x05READY\x0bSocket-Type\x00\x00\x00\x03SUB")
	conn.Write(append([]byte{0x04, byte(len(body))}, body...))
	conn.Write([]byte{0x00, 1, 0x01}) // subscribe to everything

	// 20 MB of iopub traffic overflows the stalled peer's buffers; the
	// good client still gets every message.
	big := "result:big\n" + strings.Repeat("x", 1<<20)
	for range 20 {
		r, io := c.execute(big, nil)
		if content(t, r)["status"] != "ok" || len(io) != 4 {
			t.Fatalf("reply %v, iopub %v", content(t, r)["status"], types(io))
		}
	}
	if !strings.Contains(c.log.String(), "has not read for") {
		t.Errorf("the stalled subscriber was not dropped:\n%s", c.log.String())
	}
}

// countingConn records the writes that reach the connection.
type countingConn struct {
	net.Conn
	mu     sync.Mutex
	writes [][]byte
}

func (c *countingConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	c.writes = append(c.writes, append([]byte(nil), p...))
	c.mu.Unlock()
	return len(p), nil
}

func (c *countingConn) SetWriteDeadline(time.Time) error { return nil }

func TestGuardConnWritesWholeMessages(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	cc := &countingConn{Conn: a}
	g := newGuardConn(cc, defaultSpec)
	write := func(p []byte) {
		t.Helper()
		if n, err := g.Write(p); n != len(p) || err != nil {
			t.Fatalf("Write(%d bytes) = %d, %v", len(p), n, err)
		}
	}
	wantWrites := func(n int, what string) {
		t.Helper()
		if len(cc.writes) != n {
			t.Fatalf("after %s: %d writes reached the connection, want %d", what, len(cc.writes), n)
		}
	}
	write(zmtpGreeting())
	wantWrites(1, "the greeting")
	body := []byte("\x05READY\x0bSocket-Type\x00\x00\x00\x06ROUTER")
	write([]byte{0x04, byte(len(body))}) // a command: header, then body
	wantWrites(1, "a command's header")
	write(body)
	wantWrites(2, "a command")

	// A message as zmq4 writes it: every frame's header and body apart,
	// with a long frame and an empty last frame.
	var msg []byte
	piece := func(p []byte) {
		msg = append(msg, p...)
		write(p)
	}
	piece([]byte{0x01, 5})
	piece([]byte("hello"))
	big := make([]byte, 300)
	long := make([]byte, 9)
	long[0] = 0x03 // long, more
	binary.BigEndian.PutUint64(long[1:], uint64(len(big)))
	piece(long)
	piece(big)
	wantWrites(2, "frames with more to come")
	piece([]byte{0x00, 0}) // the empty last frame has no body
	wantWrites(3, "the last frame")
	if got := cc.writes[2]; string(got) != string(msg) {
		t.Fatalf("the message went out as %d bytes, want the %d written", len(got), len(msg))
	}

	// A whole message in one Write goes out as it is.
	one := []byte{0x00, 3, 'a', 'b', 'c'}
	write(one)
	wantWrites(4, "a message in one write")

	// A message over coalesceLimit is not copied, but goes out whole and
	// in order; the next small message is gathered again.
	msg = nil
	piece([]byte{0x01, 2})
	piece([]byte("hi"))
	huge := make([]byte, coalesceLimit+1)
	for i := range huge {
		huge[i] = byte(i)
	}
	binary.BigEndian.PutUint64(long[1:], uint64(len(huge)))
	long[0] = 0x02 // long, last
	piece(long)
	piece(huge)
	var got []byte
	for _, w := range cc.writes[4:] {
		got = append(got, w...)
	}
	if string(got) != string(msg) {
		t.Fatalf("the big message went out as %d bytes, want the %d written", len(got), len(msg))
	}
	n := len(cc.writes)
	write([]byte{0x01, 1})
	write([]byte("x"))
	write([]byte{0x00, 0})
	wantWrites(n+1, "a small message after a big one")
}

func TestPreboundSockets(t *testing.T) {
	for _, transport := range []string{"tcp", "ipc"} {
		t.Run(transport, func(t *testing.T) {
			c := startKernel(t, kernelOptions{key: testKey, transport: transport, prebound: true})
			id := c.send(c.shell, "kernel_info_request", map[string]any{})
			c.reply(c.shellBox, id)
			if n := c.preboundTaken.Load(); n != 5 {
				t.Errorf("Serve took %d prebound sockets, want 5", n)
			}
			// The connection made before Serve ran gets the kernel's greeting.
			c.early.SetReadDeadline(time.Now().Add(failAfter))
			g := make([]byte, 11)
			if _, err := io.ReadFull(c.early, g); err != nil {
				t.Fatalf("connection made before Serve: %v", err)
			}
			if g[0] != 0xff || g[9] != 0x7f || g[10] != 3 {
				t.Errorf("connection made before Serve got % x, want a ZMTP 3 greeting", g)
			}
		})
	}
}

func TestSilentPeerDoesNotBlockOthers(t *testing.T) {
	old := handshakeTimeout.get()
	handshakeTimeout.set(200 * time.Millisecond)
	defer handshakeTimeout.set(old)
	c := startKernel(t, kernelOptions{key: testKey})
	// zmq4 does handshakes one at a time in its accept loop: a peer that
	// connects and says nothing would hold up everybody after it.
	silent, err := net.Dial("tcp", strings.TrimPrefix(c.conn.endpoint(c.conn.ShellPort), "tcp://"))
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	other := startClient(t, c)
	id := other.send(other.shell, "kernel_info_request", map[string]any{})
	other.reply(other.shellBox, id)
	// The silent peer was dropped.
	silent.SetReadDeadline(time.Now().Add(failAfter))
	buf := make([]byte, 256)
	for {
		if _, err := silent.Read(buf); err != nil {
			if errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatal("the silent peer was not dropped")
			}
			break
		}
	}
	if !strings.Contains(c.log.String(), "no ZMTP handshake within") {
		t.Errorf("log lacks the dropped peer:\n%s", c.log.String())
	}
}

// dialRaw opens a TCP connection to a port of the kernel of c.
func dialRaw(t *testing.T, c *client, port int) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(c.conn.endpoint(port), "tcp://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return conn
}

// readUntilClosed reads conn until the kernel closes it, and fails the
// test if that takes failAfter.
func readUntilClosed(t *testing.T, conn net.Conn, what string) {
	t.Helper()
	conn.SetReadDeadline(time.Now().Add(failAfter))
	if _, err := io.Copy(io.Discard, conn); errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("%s: the kernel did not close the connection", what)
	}
}

func TestSilentPeersDelayNobody(t *testing.T) {
	// Silent peers are not dropped before the test ends: only a
	// handshake that does not wait for them lets the client in.
	old := handshakeTimeout.get()
	handshakeTimeout.set(time.Hour)
	defer handshakeTimeout.set(old)
	c := startKernel(t, kernelOptions{key: testKey})
	ci := c.conn
	var silent []net.Conn
	for _, p := range ci.ports() {
		for i := range 8 {
			conn := dialRaw(t, c, p.port)
			if i%2 == 1 {
				conn.Write(zmtpGreeting()) // a greeting, then nothing
			}
			silent = append(silent, conn)
		}
	}
	start := time.Now()
	other := startClient(t, c)
	id := other.send(other.shell, "kernel_info_request", map[string]any{})
	other.reply(other.shellBox, id)
	t.Logf("with 8 silent connections on each port, a new client got kernel_info in %v", time.Since(start).Round(time.Millisecond))
	// The silent peers got the kernel's greeting and are still connected.
	for i, conn := range silent {
		conn.SetReadDeadline(time.Now().Add(failAfter))
		g := make([]byte, greetingLen)
		if _, err := io.ReadFull(conn, g); err != nil || g[0] != 0xff {
			t.Fatalf("silent connection %d: % x, %v", i, g, err)
		}
	}
}

func TestBadHandshakesAreDropped(t *testing.T) {
	c := startKernel(t, kernelOptions{key: testKey})
	cmd := func(name string, body []byte) []byte {
		b := append([]byte{byte(len(name))}, name...)
		b = append(b, body...)
		return append([]byte{flagCommand, byte(len(b))}, b...)
	}
	prop := func(k, v string) []byte {
		b := append([]byte{byte(len(k))}, k...)
		b = binary.BigEndian.AppendUint32(b, uint32(len(v)))
		return append(b, v...)
	}
	http := []byte("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
	http = append(http, make([]byte, greetingLen)...)
	zmtp2 := zmtpGreeting()
	zmtp2[10] = 2
	plain := zmtpGreeting()
	copy(plain[12:32], "PLAIN\x00\x00\x00\x00")
	tests := []struct {
		name string
		port int
		send []byte
		log  string
	}{
		// zmq4 panics on metadata cut short: the kernel would crash.
		{"READY metadata cut short", ci(c).ShellPort, append(zmtpGreeting(), cmd("READY", []byte{1})...), "malformed READY metadata"},
		{"READY value cut short", ci(c).ShellPort, append(zmtpGreeting(), cmd("READY", prop("Socket-Type", "DEALER")[:12])...), "malformed READY metadata"},
		// zmq4 fails these without closing the connection.
		{"not ZMTP", ci(c).ShellPort, http, "not a ZMTP 3 greeting"},
		{"ZMTP 2", ci(c).ShellPort, zmtp2, "ZMTP 2.0, not 3 or later"},
		{"PLAIN", ci(c).ShellPort, plain, `security mechanism "PLAIN", not NULL`},
		{"PING first", ci(c).ShellPort, append(zmtpGreeting(), cmd("PING", nil)...), `first command "PING", not READY`},
		{"message first", ci(c).ShellPort, append(zmtpGreeting(), 0x00, 1, 'x'), "the first frame is a message"},
		{"PUB on shell", ci(c).ShellPort, append(zmtpGreeting(), cmd("READY", prop("Socket-Type", "PUB"))...), `a "PUB" socket cannot talk to shell (ROUTER)`},
		{"DEALER on iopub", ci(c).IOPubPort, append(zmtpGreeting(), cmd("READY", prop("Socket-Type", "DEALER"))...), `a "DEALER" socket cannot talk to iopub (PUB)`},
		// zmq4 panics on a socket type it does not know.
		{"unknown socket type", ci(c).ControlPort, append(zmtpGreeting(), cmd("READY", prop("Socket-Type", "FOO"))...), `a "FOO" socket cannot talk to control (ROUTER)`},
		{"no socket type", ci(c).HBPort, append(zmtpGreeting(), cmd("READY", prop("Identity", "x"))...), `a "" socket cannot talk to heartbeat (REP)`},
	}
	for _, tc := range tests {
		conn := dialRaw(t, c, tc.port)
		conn.Write(tc.send)
		readUntilClosed(t, conn, tc.name)
		if !strings.Contains(c.log.String(), tc.log) {
			t.Errorf("%s: log lacks %q", tc.name, tc.log)
		}
	}
	// The kernel serves on, and a good handshake in pieces, as libzmq
	// sends it, gets through.
	c.reply(c.shellBox, c.send(c.shell, "kernel_info_request", map[string]any{}))
	conn := dialRaw(t, c, ci(c).ShellPort)
	g := zmtpGreeting()
	conn.Write(g[:10])
	got := make([]byte, greetingLen)
	if _, err := io.ReadFull(conn, got[:11]); err != nil {
		t.Fatal(err)
	}
	conn.Write(g[10:])
	conn.Write(cmd("READY", prop("Socket-Type", "DEALER")))
	conn.SetReadDeadline(time.Now().Add(failAfter))
	if _, err := io.ReadFull(conn, got[11:]); err != nil {
		t.Fatal(err)
	}
	if string(got) != string(g) {
		t.Errorf("greeting % x, want % x", got, g)
	}
	ready := make([]byte, 2)
	if _, err := io.ReadFull(conn, ready); err != nil || ready[0] != flagCommand {
		t.Errorf("after the greeting: % x, %v; want the kernel's READY", ready, err)
	}
}

// ci is the connection info of the kernel of c.
func ci(c *client) *connectionInfo { return c.conn }

// guardPipe is a guardConn past its handshake, and the peer's end.
func guardPipe(t *testing.T, spec channelSpec) (*guardConn, net.Conn) {
	t.Helper()
	a, b := net.Pipe()
	t.Cleanup(func() { a.Close(); b.Close() })
	return newGuardConn(a, spec), b
}

// longHeader is the header of a frame of size bytes.
func longHeader(flags byte, size uint64) []byte {
	return binary.BigEndian.AppendUint64([]byte{flags | flagLong}, size)
}

func TestGuardHoldsBackAnnouncedFrames(t *testing.T) {
	g, peer := guardPipe(t, channelSpec{name: "test", maxMessage: 1 << 30})
	// 500 MB announced, 1 MB sent, then the peer is gone.
	go func() {
		peer.Write(longHeader(0, 500<<20))
		peer.Write(make([]byte, 1<<20))
		peer.Close()
	}()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	hdr := make([]byte, 2)
	n, err := g.Read(hdr)
	runtime.ReadMemStats(&after)
	if n != 0 || err == nil {
		t.Fatalf("Read gave %d bytes (% x), %v; want the header held back and an error", n, hdr[:n], err)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 8<<20 {
		t.Errorf("the guard allocated %d MB for the 1 MB that came", alloc>>20)
	}

	// A big frame that arrives whole reaches the reader whole.
	g, peer = guardPipe(t, channelSpec{name: "test", maxMessage: 1 << 30})
	body := make([]byte, 3<<20)
	for i := range body {
		body[i] = byte(i * 7)
	}
	want := append(append(longHeader(flagMore, uint64(len(body))), body...), 0x00, 1, 'z')
	go func() {
		for i := 0; i < len(want); i += 1000 {
			peer.Write(want[i:min(i+1000, len(want))])
		}
	}()
	got := make([]byte, len(want))
	if _, err := io.ReadFull(g, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("the frames came through changed")
	}
}

func TestGuardLimitsMessages(t *testing.T) {
	const limit = 100 << 10
	tests := []struct {
		name   string
		frames [][]byte // headers; bodies are zeros
		ok     bool
	}{
		{"a frame at the limit", [][]byte{longHeader(0, limit)}, true},
		{"a frame over the limit", [][]byte{longHeader(0, limit+1)}, false},
		{"frames up to the limit", [][]byte{longHeader(flagMore, limit/2), longHeader(0, limit/2)}, true},
		{"frames over the limit", [][]byte{longHeader(flagMore, limit/2), {flagMore, 200}, longHeader(0, limit/2)}, false},
		{"two messages at the limit", [][]byte{longHeader(0, limit), longHeader(0, limit)}, true},
		{"2^60 bytes", [][]byte{longHeader(0, 1<<60)}, false},
	}
	for _, tc := range tests {
		g, peer := guardPipe(t, channelSpec{name: "test", maxMessage: limit})
		go func() {
			for _, h := range tc.frames {
				size := uint64(h[1])
				if h[0]&flagLong != 0 {
					size = binary.BigEndian.Uint64(h[1:])
				}
				if _, err := peer.Write(h); err != nil {
					return
				}
				if size < 1<<30 {
					peer.Write(make([]byte, size))
				}
			}
			peer.Close()
		}()
		_, err := io.Copy(io.Discard, g)
		if tc.ok != (err == nil) {
			t.Errorf("%s: %v", tc.name, err)
		}
		if !tc.ok && (err == nil || !errors.Is(err, io.EOF)) {
			t.Errorf("%s: error %v does not wrap io.EOF: zmq4 would keep the connection", tc.name, err)
		}
	}
}
