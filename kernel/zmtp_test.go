package kernel

import (
	"encoding/binary"
	"net"
	"strings"
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
		g := zmtpGuard{}
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
