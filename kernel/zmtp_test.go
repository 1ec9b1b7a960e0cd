package kernel

import (
	"encoding/binary"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// zmtpGreeting is a ZMTP 3.0 greeting for the NULL mechanism.
func zmtpGreeting() []byte {
	g := make([]byte, 64)
	g[0], g[9], g[10], g[11] = 0xff, 0x7f, 3, 0
	copy(g[12:], "NULL")
	return g
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
			if err := g.feed(stream[i:min(i+chunk, len(stream))]); err != nil {
				t.Fatalf("chunk %d: %v", chunk, err)
			}
		}
		if g.body != 0 || g.inSize || g.greeting != 0 {
			t.Errorf("chunk %d: guard ends in state %+v", chunk, g)
		}
	}
	// A frame just over the limit is refused, one at the limit is not.
	for size, wantErr := range map[uint64]bool{maxFrame: false, maxFrame + 1: true} {
		g := zmtpGuard{limit: maxFrame}
		hdr := make([]byte, 9)
		hdr[0] = 0x02
		binary.BigEndian.PutUint64(hdr[1:], size)
		if err := g.feed(hdr); (err != nil) != wantErr {
			t.Errorf("size %d: err %v", size, err)
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
	g := newGuardConn(cc)
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
