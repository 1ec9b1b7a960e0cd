package kernel

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-zeromq/zmq4"
	"github.com/go-zeromq/zmq4/transport"
)

// maxFrame is the largest ZMTP frame the kernel accepts. zmq4 allocates a
// frame's buffer from the size a peer announces before reading it, so a
// bogus size (say 2^60) would crash the process from one of zmq4's
// goroutines; the guarded transports below close such connections first.
const maxFrame = 512 << 20

// Names of the guarded transports the kernel binds with.
const (
	guardedTCP = "gopar-tcp"
	guardedIPC = "gopar-ipc"
)

var (
	registerOnce sync.Once
	// guardLog receives the guard's log lines (the latest Serve's log).
	guardLog atomic.Pointer[log.Logger]
)

// registerGuardedTransports makes the guarded transports known to zmq4.
func registerGuardedTransports() error {
	var err error
	registerOnce.Do(func() {
		if err = zmq4.RegisterTransport(guardedTCP, guardTransport{network: "tcp"}); err != nil {
			return
		}
		err = zmq4.RegisterTransport(guardedIPC, guardTransport{network: "unix"})
	})
	return err
}

// guardTransport is zmq4's net transport with frame-size checks on the
// connections it accepts.
type guardTransport struct {
	network string
}

func (g guardTransport) inner() transport.Transport { return transport.New(g.network) }

// Dial implements transport.Transport.
func (g guardTransport) Dial(ctx context.Context, d transport.Dialer, addr string) (net.Conn, error) {
	return g.inner().Dial(ctx, d, addr)
}

// Listen implements transport.Transport.
func (g guardTransport) Listen(ctx context.Context, addr string) (net.Listener, error) {
	l, err := g.inner().Listen(ctx, addr)
	if err != nil {
		return nil, err
	}
	return guardListener{l}, nil
}

// Addr implements transport.Transport.
func (g guardTransport) Addr(ep string) (string, error) { return g.inner().Addr(ep) }

type guardListener struct{ net.Listener }

func (l guardListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return &guardConn{Conn: c, guard: zmtpGuard{greeting: 64}}, nil
}

// stalledPeerTimeout is how long a write to one peer may block before the
// kernel drops that peer. zmq4's PUB socket writes to its subscribers one
// after the other from one goroutine, so a subscriber that stopped reading
// would otherwise stall iopub for every client. A variable for tests.
var stalledPeerTimeout = durationVar(10 * time.Second)

// writeGracePerByte gives slow links time for big writes (1 µs per byte is
// 1 MB/s). A variable for tests.
var writeGracePerByte = durationVar(time.Microsecond)

// durationVar is a time.Duration that tests may change while connections
// are in use.
type durationVar int64

func (d *durationVar) get() time.Duration  { return time.Duration(atomic.LoadInt64((*int64)(d))) }
func (d *durationVar) set(v time.Duration) { atomic.StoreInt64((*int64)(d), int64(v)) }

// guardConn checks the ZMTP frame headers that pass through Read, and
// bounds how long a Write may block.
type guardConn struct {
	net.Conn
	guard zmtpGuard
}

// Write drops the peer when it does not take the data within
// stalledPeerTimeout (plus writeGracePerByte for each byte). The error wraps io.EOF so that zmq4 forgets the
// connection (it keeps connections that report timeouts).
func (c *guardConn) Write(p []byte) (int, error) {
	c.Conn.SetWriteDeadline(time.Now().Add(stalledPeerTimeout.get() + time.Duration(len(p))*writeGracePerByte.get()))
	n, err := c.Conn.Write(p)
	if err != nil && errors.Is(err, os.ErrDeadlineExceeded) {
		if l := guardLog.Load(); l != nil {
			l.Printf("dropping %s: it has not read for %v", c.RemoteAddr(), stalledPeerTimeout.get())
		}
		c.Conn.Close()
		return n, fmt.Errorf("peer stalled: %w", io.EOF)
	}
	return n, err
}

func (c *guardConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		if gerr := c.guard.feed(p[:n]); gerr != nil {
			if l := guardLog.Load(); l != nil {
				l.Printf("closing connection from %s: %v", c.RemoteAddr(), gerr)
			}
			c.Conn.Close()
			return 0, fmt.Errorf("%v: %w", gerr, io.EOF)
		}
	}
	return n, err
}

// zmtpGuard follows the framing of a ZMTP 3 byte stream: a 64-byte
// greeting, then frames of a flags byte, a 1- or 8-byte size and a body.
type zmtpGuard struct {
	greeting int // greeting bytes still to come
	inSize   bool
	sizeBuf  [8]byte
	sizeLen  int // 1 or 8
	sizeGot  int
	body     uint64 // body bytes still to come
}

func (g *zmtpGuard) feed(b []byte) error {
	for len(b) > 0 {
		switch {
		case g.greeting > 0:
			n := min(g.greeting, len(b))
			g.greeting -= n
			b = b[n:]
		case g.body > 0:
			n := uint64(len(b))
			if n > g.body {
				n = g.body
			}
			g.body -= n
			b = b[n:]
		case !g.inSize:
			flags := b[0]
			b = b[1:]
			g.inSize, g.sizeGot, g.sizeLen = true, 0, 1
			if flags&0x02 != 0 {
				g.sizeLen = 8
			}
		default:
			n := copy(g.sizeBuf[g.sizeGot:g.sizeLen], b)
			g.sizeGot += n
			b = b[n:]
			if g.sizeGot < g.sizeLen {
				continue
			}
			g.inSize = false
			size := uint64(g.sizeBuf[0])
			if g.sizeLen == 8 {
				size = binary.BigEndian.Uint64(g.sizeBuf[:])
			}
			if size > maxFrame {
				return fmt.Errorf("ZMTP frame of %d bytes is over the %d-byte limit", size, maxFrame)
			}
			g.body = size
		}
	}
	return nil
}
