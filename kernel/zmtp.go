package kernel

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-zeromq/zmq4"
	"github.com/go-zeromq/zmq4/transport"
)

// The kernel's ports can be reached by anyone on the machine before any
// signature is checked, and zmq4 trusts its peers: it allocates a frame's
// buffer from the size the peer announces before reading it, does each
// connection's handshake in its accept loop, one at a time, and panics on
// a malformed READY command. So the kernel binds with transports of its
// own that hand zmq4 only connections whose handshake has arrived whole
// and checked, and hold a big frame's header back from zmq4 until the
// frame's body has arrived: memory follows the bytes a peer sent, not the
// bytes it announced.

// Names of the guarded transports the kernel binds with.
const (
	guardedTCP = "gopar-tcp"
	guardedIPC = "gopar-ipc"
)

// channelSpec is what the peers of one of the kernel's sockets may send.
type channelSpec struct {
	name string // for the log
	// typ is the kernel's socket type: a peer's must be compatible.
	typ zmq4.SocketType
	// maxMessage is the largest message, all its frames together, that a
	// peer may send; a connection that announces more is closed.
	maxMessage uint64
}

// channelSpecs holds the spec of each of the kernel's channels.
//
// Shell and control carry the requests, whose content and binary buffers
// come from the user: a cell's code, a comm message with a file uploaded
// through a widget. Jupyter's server relays a browser's messages only up to
// 10 MiB (tornado's websocket limit), but clients that speak ZeroMQ
// directly (nbclient, jupyter console) have no limit: 128 MiB leaves room
// for those. Stdin carries input_reply, a line that the user typed or
// pasted: 16 MiB. The heartbeat's peers send a few bytes (jupyter_client
// sends "ping"), and iopub's peers only subscriptions (a topic prefix a few
// dozen bytes long); both also send a READY command of a few hundred bytes
// at most (the socket type, and an identity of up to 255 bytes). zmq4's PUB
// socket keeps up to 10 other messages that nobody reads, so iopub's limit
// bounds that waste too.
var channelSpecs = map[string]channelSpec{
	"shell":     {name: "shell", typ: zmq4.Router, maxMessage: 128 << 20},
	"control":   {name: "control", typ: zmq4.Router, maxMessage: 128 << 20},
	"stdin":     {name: "stdin", typ: zmq4.Router, maxMessage: 16 << 20},
	"iopub":     {name: "iopub", typ: zmq4.Pub, maxMessage: 4 << 10},
	"heartbeat": {name: "heartbeat", typ: zmq4.Rep, maxMessage: 1 << 10},
}

// defaultSpec guards a listener that Serve did not prepare: any socket
// type, the limit of shell.
var defaultSpec = channelSpec{name: "socket", maxMessage: 128 << 20}

// ZMTP framing (https://rfc.zeromq.org/spec/23/).
const (
	greetingLen = 64
	flagMore    = 0x01
	flagLong    = 0x02
	flagCommand = 0x04
)

// kernelGreeting is the greeting zmq4 sends (ZMTP 3.0, NULL mechanism, the
// as-server flag not set). The guard sends it before zmq4 runs, and drops
// zmq4's copy of it.
var kernelGreeting = func() [greetingLen]byte {
	var g [greetingLen]byte
	g[0], g[9], g[10], g[11] = 0xff, 0x7f, 3, 0
	copy(g[12:], "NULL")
	return g
}()

var (
	registerOnce sync.Once
	// guardLog receives the guard's complaints (the latest Serve's).
	guardLog atomic.Pointer[complainer]
)

// complain logs a complaint of the guard, if a kernel is serving.
func complain(kind, format string, args ...any) {
	if c := guardLog.Load(); c != nil {
		c.printf(kind, format, args...)
	}
}

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

// guardTransport is zmq4's net transport with guarded listeners.
type guardTransport struct {
	network string
}

func (g guardTransport) inner() transport.Transport { return transport.New(g.network) }

// Dial implements transport.Transport.
func (g guardTransport) Dial(ctx context.Context, d transport.Dialer, addr string) (net.Conn, error) {
	return g.inner().Dial(ctx, d, addr)
}

// Addr implements transport.Transport.
func (g guardTransport) Addr(ep string) (string, error) { return g.inner().Addr(ep) }

// Listen implements transport.Transport. It serves addr as prepareListen
// said: with the channel's spec, on the prebound socket if there is one.
func (g guardTransport) Listen(ctx context.Context, addr string) (net.Listener, error) {
	setup := listenSetup{spec: defaultSpec}
	if v, ok := pendingListens.LoadAndDelete(g.network + " " + addr); ok {
		setup = v.(listenSetup)
	}
	var (
		l   net.Listener
		err error
	)
	if f := setup.prebound; f != nil {
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
	return newGuardListener(l, setup.spec), nil
}

// listenSetup is how the guarded transport is to serve one address.
type listenSetup struct {
	spec channelSpec
	// prebound, when not nil, is a socket already listening on the
	// address (Config.Prebound).
	prebound *os.File
}

// pendingListens holds a listenSetup for each address Serve is about to
// listen on, by transport network and address, until Listen takes it.
var pendingListens sync.Map

// prepareListen makes the guarded transport serve endpoint, a
// bindEndpoint, as setup says. The returned function forgets setup if
// Listen did not take it, and closes its prebound socket.
func prepareListen(endpoint string, setup listenSetup) (forget func()) {
	key, err := guardKey(endpoint)
	if err != nil {
		if setup.prebound != nil {
			setup.prebound.Close()
		}
		return func() {}
	}
	if old, loaded := pendingListens.Swap(key, setup); loaded {
		if f := old.(listenSetup).prebound; f != nil {
			f.Close()
		}
	}
	return func() {
		if v, ok := pendingListens.LoadAndDelete(key); ok {
			if f := v.(listenSetup).prebound; f != nil {
				f.Close()
			}
		}
	}
}

// guardKey is the key of endpoint, a bindEndpoint, in pendingListens: the
// transport's network and address, as Listen gets them.
func guardKey(endpoint string) (string, error) {
	scheme, rest, _ := strings.Cut(endpoint, "://")
	g := guardTransport{network: "tcp"}
	if scheme == guardedIPC {
		g.network = "unix"
	}
	addr, err := g.Addr(rest)
	if err != nil {
		return "", err
	}
	return g.network + " " + addr, nil
}

// handshakeTimeout is how long an accepted connection may take to send its
// ZMTP greeting and READY command. A variable for tests.
var handshakeTimeout = durationVar(5 * time.Second)

// guardListener accepts connections and hands zmq4 those whose handshake
// arrived. zmq4 does each connection's handshake in its accept loop, so a
// peer that connects and says nothing would hold up everybody after it:
// here each connection's handshake runs in a goroutine of its own.
type guardListener struct {
	net.Listener
	spec  channelSpec
	ready chan *guardConn // connections whose handshake arrived
	done  chan struct{}   // closed by Close
	once  sync.Once

	mu      sync.Mutex
	pending map[*guardConn]bool // connections in their handshake
}

func newGuardListener(l net.Listener, spec channelSpec) *guardListener {
	gl := &guardListener{
		Listener: l,
		spec:     spec,
		ready:    make(chan *guardConn),
		done:     make(chan struct{}),
		pending:  map[*guardConn]bool{},
	}
	go gl.acceptLoop()
	return gl
}

// Accept returns the next connection whose handshake arrived.
func (l *guardListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.ready:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

// Close closes the listener and the connections still in their handshake.
func (l *guardListener) Close() error {
	l.once.Do(func() {
		close(l.done)
		l.mu.Lock()
		for c := range l.pending {
			c.Conn.Close()
		}
		l.pending = nil
		l.mu.Unlock()
	})
	return l.Listener.Close()
}

func (l *guardListener) closed() bool {
	select {
	case <-l.done:
		return true
	default:
		return false
	}
}

// acceptLoop accepts connections and starts their handshakes until the
// listener is closed.
func (l *guardListener) acceptLoop() {
	var delay time.Duration
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			if l.closed() || errors.Is(err, net.ErrClosed) {
				return
			}
			// Out of file descriptors, say: try again in a moment, as
			// net/http's server does.
			delay = min(max(2*delay, 5*time.Millisecond), time.Second)
			complain(complainConn, "%s: accept: %v; trying again in %v", l.spec.name, err, delay)
			select {
			case <-time.After(delay):
			case <-l.done:
				return
			}
			continue
		}
		delay = 0
		gc := newGuardConn(c, l.spec)
		l.mu.Lock()
		if l.pending == nil { // closed meanwhile
			l.mu.Unlock()
			c.Close()
			return
		}
		l.pending[gc] = true
		l.mu.Unlock()
		go l.handshake(gc)
	}
}

// handshake reads c's handshake and hands c to Accept, or drops it.
func (l *guardListener) handshake(c *guardConn) {
	err := c.handshake()
	l.mu.Lock()
	delete(l.pending, c)
	l.mu.Unlock()
	if err != nil {
		if l.closed() {
			c.Conn.Close()
		} else {
			c.drop(err)
		}
		return
	}
	select {
	case l.ready <- c:
	case <-l.done:
		c.Conn.Close()
	}
}

// readBuffer is the read buffer of a connection: zmq4 reads a frame's
// header and body with separate calls, so without it a message of n frames
// costs 2n system calls.
const readBuffer = 16 << 10

// holdMin is the size above which a frame is held back from zmq4 until it
// has arrived: zmq4 allocates at most this much for bytes not yet sent.
const holdMin = readBuffer

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

// guardConn is one accepted connection as zmq4 sees it. Its reads follow
// the ZMTP framing: they refuse a message over the channel's limit and
// hold a big frame back until it has arrived. Its writes are bounded in
// time, and send each whole ZMTP message with one write: zmq4 writes a
// frame's header and body separately and, through a wrapped connection,
// even a multipart send frame by frame, so a Jupyter message would
// otherwise leave as a dozen small TCP segments, each waking the client.
type guardConn struct {
	net.Conn
	spec     channelSpec
	r        *bufio.Reader
	dropOnce sync.Once

	// Read's state: pend is what zmq4 reads next (the peer's handshake, a
	// frame's header or a held frame), then body more bytes of the current
	// frame pass through. hdr backs pend for a header.
	pend    []byte
	body    uint64
	hdr     [9]byte
	more    bool   // the current frame is not the last of its message
	msgSize uint64 // the current message's size so far

	wmu     sync.Mutex
	swallow []byte    // what zmq4 writes next that the guard already sent
	out     zmtpGuard // the outgoing stream
	wbuf    []byte    // outgoing bytes of an unfinished message
}

func newGuardConn(c net.Conn, spec channelSpec) *guardConn {
	return &guardConn{
		Conn: c,
		spec: spec,
		r:    bufio.NewReaderSize(c, readBuffer),
		out:  zmtpGuard{greeting: greetingLen},
	}
}

// handshake does the part of the ZMTP handshake that zmq4's accept loop
// would wait for: it sends the kernel's greeting, and reads and checks the
// peer's greeting and READY command, within handshakeTimeout. zmq4 then
// finds them in the connection: Write drops zmq4's own greeting, which the
// peer already has, and Read returns the peer's.
func (c *guardConn) handshake() error {
	timeout := handshakeTimeout.get()
	c.Conn.SetDeadline(time.Now().Add(timeout))
	defer c.Conn.SetDeadline(time.Time{})
	err := c.readHandshake()
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return fmt.Errorf("no ZMTP handshake within %v", timeout)
	}
	return err
}

func (c *guardConn) readHandshake() error {
	// A libzmq peer sends the rest of its greeting only once it has the
	// start of ours, and its READY once it has all of ours.
	if _, err := c.Conn.Write(kernelGreeting[:]); err != nil {
		return err
	}
	c.swallow = kernelGreeting[:]
	hs := make([]byte, greetingLen, 2*greetingLen)
	if _, err := io.ReadFull(c.r, hs); err != nil {
		return err
	}
	if err := checkGreeting(hs); err != nil {
		return err
	}
	if err := c.nextFrame(); err != nil {
		return err
	}
	hs, err := c.readBody(append(hs, c.pend...), c.body)
	if err != nil {
		return err
	}
	c.pend, c.body = hs, 0
	frame := hs[greetingLen:]
	if frame[0]&flagCommand == 0 {
		return errors.New("the first frame is a message, not a READY command")
	}
	return c.checkReady(frame[headerLen(frame[0]):])
}

// checkGreeting checks a peer's greeting as zmq4 would (ZMTP 3 or later,
// NULL mechanism): zmq4 fails the connection otherwise, but without
// closing it.
func checkGreeting(g []byte) error {
	switch mech := g[12:32]; {
	case g[0] != 0xff || g[9]&0x01 == 0:
		return errors.New("not a ZMTP 3 greeting")
	case g[10] < 3:
		return fmt.Errorf("ZMTP %d.%d, not 3 or later", g[10], g[11])
	case string(bytes.TrimRight(mech, "\x00")) != "NULL":
		return fmt.Errorf("security mechanism %q, not NULL", bytes.TrimRight(mech, "\x00"))
	}
	return nil
}

// checkReady checks the body of a peer's first command: a READY command
// whose metadata is well formed (zmq4 panics on metadata cut short) and
// whose socket type suits the channel (zmq4 panics on a type it does not
// know, and fails the connection, without closing it, on one that does
// not suit).
func (c *guardConn) checkReady(cmd []byte) error {
	if len(cmd) == 0 || 1+int(cmd[0]) > len(cmd) {
		return errors.New("malformed first command")
	}
	if name := cmd[1 : 1+int(cmd[0])]; string(name) != zmq4.CmdReady {
		return fmt.Errorf("first command %q, not READY", name)
	}
	var peer string
	for props := cmd[1+int(cmd[0]):]; len(props) > 0; {
		klen := int(props[0])
		if 1+klen+4 > len(props) {
			return errors.New("malformed READY metadata")
		}
		key := string(props[1 : 1+klen])
		vlen := binary.BigEndian.Uint32(props[1+klen:])
		props = props[1+klen+4:]
		if uint64(vlen) > uint64(len(props)) {
			return errors.New("malformed READY metadata")
		}
		if strings.EqualFold(key, "Socket-Type") {
			peer = string(props[:vlen])
		}
		props = props[vlen:]
	}
	if c.spec.typ != "" && !slices.Contains(peerTypes[c.spec.typ], zmq4.SocketType(peer)) {
		return fmt.Errorf("a %q socket cannot talk to %s (%s)", clip(peer), c.spec.name, c.spec.typ)
	}
	return nil
}

// peerTypes lists the socket types that may talk to each of the kernel's
// socket types, as zmq4 checks them. zmq4's check panics on a socket type
// it does not know: it must only see these.
var peerTypes = map[zmq4.SocketType][]zmq4.SocketType{
	zmq4.Router: {zmq4.Req, zmq4.Dealer, zmq4.Router},
	zmq4.Pub:    {zmq4.Sub, zmq4.XSub},
	zmq4.Rep:    {zmq4.Req, zmq4.Dealer},
}

// headerLen is the length of the header of a frame with the given flags.
func headerLen(flags byte) int {
	if flags&flagLong != 0 {
		return 9
	}
	return 2
}

// Read returns the connection's bytes as zmq4 expects them, holding back
// the header of a big frame until its body has arrived. A message over the
// channel's limit closes the connection.
func (c *guardConn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	for len(c.pend) == 0 && c.body == 0 {
		if err := c.nextFrame(); err != nil {
			return 0, err
		}
	}
	if len(c.pend) > 0 {
		n := copy(p, c.pend)
		c.pend = c.pend[n:]
		if len(c.pend) == 0 {
			c.pend = nil // let a held frame go
		}
		return n, nil
	}
	n, err := c.r.Read(p[:min(uint64(len(p)), c.body)])
	c.body -= uint64(n)
	if err == io.EOF && c.body > 0 {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

// nextFrame reads the next frame's header and checks the size it
// announces. A frame of up to holdMin bytes passes at once: pend holds its
// header, and body counts the bytes that Read then passes on as they come.
// A bigger frame is held back until it has arrived: pend then holds all of
// it. io.EOF before a frame is a clean end.
func (c *guardConn) nextFrame() error {
	flags, err := c.r.ReadByte()
	if err != nil {
		return err
	}
	n := headerLen(flags)
	c.hdr[0] = flags
	if _, err := io.ReadFull(c.r, c.hdr[1:n]); err != nil {
		return unexpectedEOF(err)
	}
	size := uint64(c.hdr[1])
	if n == 9 {
		size = binary.BigEndian.Uint64(c.hdr[1:9])
	}
	if err := c.admit(flags, size); err != nil {
		c.drop(err)
		return fmt.Errorf("%v: %w", err, io.EOF) // zmq4 forgets the connection on io.EOF
	}
	if size <= holdMin {
		c.pend, c.body = c.hdr[:n], size
		return nil
	}
	frame := make([]byte, n, n+min(int(size), readBuffer))
	copy(frame, c.hdr[:n])
	frame, err = c.readBody(frame, size)
	if err != nil {
		return err
	}
	c.pend, c.body = frame, 0
	return nil
}

// admit checks a frame's size against the channel's message limit.
func (c *guardConn) admit(flags byte, size uint64) error {
	if !c.more {
		c.msgSize = 0
	}
	c.more = flags&flagMore != 0
	limit := c.spec.maxMessage
	if size > limit {
		return fmt.Errorf("%s: ZMTP frame of %d bytes is over the %d-byte message limit", c.spec.name, size, limit)
	}
	if c.msgSize+size > limit {
		return fmt.Errorf("%s: ZMTP message of over %d bytes is over the %d-byte limit", c.spec.name, c.msgSize+size, limit)
	}
	c.msgSize += size
	return nil
}

// readBody appends the next size bytes of the connection to frame, which
// grows as they come: memory follows the bytes the peer sent, not the ones
// it announced.
func (c *guardConn) readBody(frame []byte, size uint64) ([]byte, error) {
	want := len(frame) + int(size) // size is below a channel's limit
	for len(frame) < want {
		if len(frame) == cap(frame) {
			grown := make([]byte, len(frame), min(want, 2*cap(frame)+readBuffer))
			copy(grown, frame)
			frame = grown
		}
		n, err := c.r.Read(frame[len(frame):min(cap(frame), want)])
		frame = frame[:len(frame)+n]
		if err != nil && len(frame) < want {
			return nil, unexpectedEOF(err)
		}
	}
	return frame, nil
}

func unexpectedEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// drop logs, once, why the connection is closed, and closes it.
func (c *guardConn) drop(why error) {
	c.dropOnce.Do(func() {
		complain(complainConn, "closing connection from %s: %v", c.RemoteAddr(), why)
		c.Conn.Close()
	})
}

// Write drops what the guard already sent of zmq4's greeting, and buffers
// the rest until it completes a ZMTP message (or the greeting), then
// writes the message at once. A peer that does not take the data within
// stalledPeerTimeout (plus writeGracePerByte for each byte) is dropped: the
// error wraps io.EOF so that zmq4 forgets the connection (it keeps
// connections that report timeouts).
func (c *guardConn) Write(p []byte) (int, error) {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	var sent int
	if len(c.swallow) > 0 {
		n := min(len(p), len(c.swallow))
		if !bytes.Equal(p[:n], c.swallow[:n]) {
			// zmq4 changed its greeting: the peer has a wrong one.
			err := fmt.Errorf("zmq4 writes the greeting % x, not the guard's % x", p[:n], c.swallow[:n])
			c.drop(err)
			return 0, fmt.Errorf("%v: %w", err, io.EOF)
		}
		c.swallow = c.swallow[n:]
		c.out.feed(p[:n])
		p, sent = p[n:], n
		if len(p) == 0 {
			return sent, nil
		}
	}
	n, err := c.writeMessages(p)
	return sent + n, err
}

// writeMessages is Write without the greeting.
func (c *guardConn) writeMessages(p []byte) (int, error) {
	c.out.feed(p)
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
		complain(complainConn, "dropping %s: it has not read for %v", c.RemoteAddr(), stalledPeerTimeout.get())
		c.Conn.Close()
		return n, fmt.Errorf("peer stalled: %w", io.EOF)
	}
	return n, err
}

// zmtpGuard follows the framing of an outgoing ZMTP 3 byte stream: a
// 64-byte greeting, then frames of a flags byte, a 1- or 8-byte size and a
// body.
type zmtpGuard struct {
	greeting int  // greeting bytes still to come
	more     bool // the current frame is not the last of its message
	inSize   bool
	sizeBuf  [8]byte
	sizeLen  int // 1 or 8
	sizeGot  int
	body     uint64 // body bytes still to come
}

func (g *zmtpGuard) feed(b []byte) {
	for len(b) > 0 {
		switch {
		case g.greeting > 0:
			n := min(g.greeting, len(b))
			g.greeting -= n
			b = b[n:]
		case g.body > 0:
			n := min(uint64(len(b)), g.body)
			g.body -= n
			b = b[n:]
		case !g.inSize:
			flags := b[0]
			b = b[1:]
			g.inSize, g.sizeGot, g.sizeLen = true, 0, 1
			g.more = flags&flagMore != 0
			if flags&flagLong != 0 {
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
			g.body = uint64(g.sizeBuf[0])
			if g.sizeLen == 8 {
				g.body = binary.BigEndian.Uint64(g.sizeBuf[:])
			}
		}
	}
}

// boundary reports whether the stream fed so far ends with the greeting or
// with the last frame of a message (or a command).
func (g *zmtpGuard) boundary() bool {
	return g.greeting == 0 && !g.inSize && g.body == 0 && !g.more
}
