package kernel

import (
	"bufio"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strings"
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
	// guardLog receives the guard's complaints (the latest Serve's).
	guardLog atomic.Pointer[complainer]
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

// Listen implements transport.Transport. It uses the prebound socket of
// addr if there is one.
func (g guardTransport) Listen(ctx context.Context, addr string) (net.Listener, error) {
	var (
		l   net.Listener
		err error
	)
	if v, ok := prebound.LoadAndDelete(g.network + " " + addr); ok {
		f := v.(*os.File)
		l, err = net.FileListener(f)
		f.Close() // FileListener has its own descriptor
		if ul, ok := l.(*net.UnixListener); ok {
			ul.SetUnlinkOnClose(true) // as a listener from net.Listen would
		}
	} else {
		l, err = g.inner().Listen(ctx, addr)
	}
	if err != nil {
		return nil, err
	}
	return guardListener{l}, nil
}

// prebound holds listening sockets handed to Serve (Config.Prebound), by
// transport network and address, until the transport's Listen takes them.
var prebound sync.Map

// addPrebound records f as the listening socket of endpoint, a
// bindEndpoint, and returns its key in prebound.
func addPrebound(endpoint string, f *os.File) string {
	scheme, rest, _ := strings.Cut(endpoint, "://")
	g := guardTransport{network: "tcp"}
	if scheme == guardedIPC {
		g.network = "unix"
	}
	addr, err := g.Addr(rest)
	if err != nil {
		f.Close()
		return ""
	}
	key := g.network + " " + addr
	if old, loaded := prebound.Swap(key, f); loaded {
		old.(*os.File).Close()
	}
	return key
}

// dropPrebound closes the prebound socket of key if Listen did not take it.
func dropPrebound(key string) {
	if v, ok := prebound.LoadAndDelete(key); ok {
		v.(*os.File).Close()
	}
}

// Addr implements transport.Transport.
func (g guardTransport) Addr(ep string) (string, error) { return g.inner().Addr(ep) }

type guardListener struct{ net.Listener }

func (l guardListener) Accept() (net.Conn, error) {
	c, err := l.Listener.Accept()
	if err != nil {
		return nil, err
	}
	// zmq4 does each connection's handshake in its accept loop: until a
	// peer has sent its greeting and first command, nobody else can
	// connect to this port. A silent peer gets handshakeTimeout.
	c.SetReadDeadline(time.Now().Add(handshakeTimeout.get()))
	return newGuardConn(c), nil
}

// handshakeTimeout is how long an accepted connection may take to send its
// ZMTP greeting and first command. A variable for tests.
var handshakeTimeout = durationVar(5 * time.Second)

func newGuardConn(c net.Conn) *guardConn {
	return &guardConn{
		Conn:  c,
		r:     bufio.NewReaderSize(c, readBuffer),
		guard: zmtpGuard{greeting: 64, limit: maxFrame},
		out:   zmtpGuard{greeting: 64},
	}
}

// readBuffer is the read buffer of a connection: zmq4 reads a frame's
// header and body with separate calls, so without it a message of n frames
// costs 2n system calls.
const readBuffer = 16 << 10

// coalesceLimit is the largest message gathered into one write.
const coalesceLimit = 64 << 10

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

// guardConn checks the ZMTP frame headers that pass through Read, bounds
// how long a write may block, and sends each whole ZMTP message with one
// write. zmq4 writes a frame's header and body separately and, through a
// wrapped connection, even a multipart send frame by frame: a Jupyter
// message would otherwise leave as a dozen small TCP segments, each waking
// the client.
type guardConn struct {
	net.Conn
	r          *bufio.Reader
	guard      zmtpGuard // the incoming stream
	handshaken bool      // the read deadline of the handshake is lifted

	wmu  sync.Mutex
	out  zmtpGuard // the outgoing stream
	wbuf []byte    // outgoing bytes of an unfinished message
}

// Write buffers p until it completes a ZMTP message (or the greeting), then
// writes the message at once. A peer that does not take the data within
// stalledPeerTimeout (plus writeGracePerByte for each byte) is dropped: the
// error wraps io.EOF so that zmq4 forgets the connection (it keeps
// connections that report timeouts).
func (c *guardConn) Write(p []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if err := c.out.feed(p); err != nil {
		return 0, err
	}
	if len(c.wbuf)+len(p) > coalesceLimit {
		// Big messages go out as they come: copying them saves nothing.
		if len(c.wbuf) > 0 {
			_, err := c.write(c.wbuf)
			c.wbuf = c.wbuf[:0]
			if err != nil {
				return 0, err
			}
		}
		return c.write(p)
	}
	if len(c.wbuf) == 0 && c.out.boundary() {
		return c.write(p) // a whole message in one call: no copy
	}
	c.wbuf = append(c.wbuf, p...)
	if !c.out.boundary() {
		return len(p), nil
	}
	_, err := c.write(c.wbuf)
	c.wbuf = c.wbuf[:0]
	if err != nil {
		return 0, err
	}
	return len(p), nil
}

// write writes b to the connection within the stalled-peer deadline.
func (c *guardConn) write(b []byte) (int, error) {
	c.Conn.SetWriteDeadline(time.Now().Add(stalledPeerTimeout.get() + time.Duration(len(b))*writeGracePerByte.get()))
	n, err := c.Conn.Write(b)
	if err != nil && errors.Is(err, os.ErrDeadlineExceeded) {
		if l := guardLog.Load(); l != nil {
			l.printf(complainConn, "dropping %s: it has not read for %v", c.RemoteAddr(), stalledPeerTimeout.get())
		}
		c.Conn.Close()
		return n, fmt.Errorf("peer stalled: %w", io.EOF)
	}
	return n, err
}

func (c *guardConn) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if n > 0 {
		if gerr := c.guard.feed(p[:n]); gerr != nil {
			c.drop(gerr)
			return 0, fmt.Errorf("%v: %w", gerr, io.EOF)
		}
		if !c.handshaken && c.guard.commands > 0 {
			c.handshaken = true
			c.Conn.SetReadDeadline(time.Time{})
		}
	}
	if err != nil && !c.handshaken && errors.Is(err, os.ErrDeadlineExceeded) {
		gerr := fmt.Errorf("no ZMTP handshake within %v", handshakeTimeout.get())
		c.drop(gerr)
		return n, fmt.Errorf("%v: %w", gerr, io.EOF)
	}
	return n, err
}

// drop logs why the connection is closed and closes it.
func (c *guardConn) drop(why error) {
	if l := guardLog.Load(); l != nil {
		l.printf(complainConn, "closing connection from %s: %v", c.RemoteAddr(), why)
	}
	c.Conn.Close()
}

// zmtpGuard follows the framing of a ZMTP 3 byte stream: a 64-byte
// greeting, then frames of a flags byte, a 1- or 8-byte size and a body.
type zmtpGuard struct {
	greeting int    // greeting bytes still to come
	more     bool   // the current frame is not the last of its message
	command  bool   // the current frame is a command
	commands int    // complete command frames so far
	limit    uint64 // the largest frame accepted; 0: no limit
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
			if g.body == 0 && g.command {
				g.commands++
			}
		case !g.inSize:
			flags := b[0]
			b = b[1:]
			g.inSize, g.sizeGot, g.sizeLen = true, 0, 1
			g.more = flags&0x01 != 0
			g.command = flags&0x04 != 0
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
			if g.limit > 0 && size > g.limit {
				return fmt.Errorf("ZMTP frame of %d bytes is over the %d-byte limit", size, g.limit)
			}
			g.body = size
			if size == 0 && g.command {
				g.commands++
			}
		}
	}
	return nil
}

// boundary reports whether the stream fed so far ends with the greeting or
// with the last frame of a message (or a command).
func (g *zmtpGuard) boundary() bool {
	return g.greeting == 0 && !g.inSize && g.body == 0 && !g.more
}
