// Package kernel is the Jupyter side of gopar: it reads a connection file,
// binds the five ZeroMQ sockets (go-zeromq/zmq4), signs and verifies
// messages, dispatches requests by msg_type and publishes output on iopub.
// It knows nothing of Go-the-language: cells run in an engine.Engine.
//
// Serve is the entry point:
//
//	err := kernel.Serve(ctx, kernel.Config{ConnectionFile: path, Engine: eng, Log: os.Stderr})
package kernel

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"os"
	"os/signal"
	"sync"
	"time"

	"github.com/go-zeromq/zmq4"

	"github.com/gopar/gopar/engine"
)

// Config configures Serve.
type Config struct {
	// ConnectionFile is the path of the Jupyter connection file.
	ConnectionFile string
	// Engine runs the cells. Serve calls its Close when it returns.
	Engine engine.Engine
	// Log receives the kernel's log lines. Nil means the process's stderr
	// as it was when Serve started (the engine may swap os.Stderr later).
	Log io.Writer
	// Debug adds routine events (listening, interrupts, aborts, shutdown)
	// to the log; without it only problems are logged.
	Debug bool
	// Prebound, when set, returns a socket already listening on a port of
	// the connection file (its transport, ip and port), or nil: Serve
	// serves that port on it instead of binding it. gopar binds its ports
	// during program initialisation (internal/prebind) so that a client's
	// first connection is not refused.
	Prebound func(transport, ip string, port int) *os.File
	// ParentPID, when above 1, is the process that started the kernel
	// (ParentPIDFromEnv): when it is gone, Serve shuts down as after a
	// shutdown_request, so that a frontend that dies without one does not
	// leave the kernel running. Ignored on Windows, where Jupyter's
	// JPY_PARENT_PID is a handle.
	ParentPID int

	// hooks lets tests observe internal events; nil outside tests.
	hooks *testHooks
}

// testHooks are callbacks for tests.
type testHooks struct {
	// queued is called after a shell message was queued, with the queue's
	// length.
	queued func(msgType string, depth int)
}

// Timeouts of the shutdown sequence and of socket sends.
const (
	sendTimeout   = 5 * time.Second
	drainTimeout  = 3 * time.Second
	lingerTimeout = 100 * time.Millisecond
	shellQueueLen = 1024
	pubHWM        = 100_000
	// subscriberWait is how long after start iopub messages wait for a
	// first subscriber, so that a client that just connected sees them.
	subscriberWait = time.Second
)

// socket is one bound ROUTER socket; sends are serialised.
type socket struct {
	name string
	z    zmq4.Socket
	mu   sync.Mutex
}

// kernel is the state of one Serve call.
type kernel struct {
	cfg  Config
	conn *connectionInfo
	log  *log.Logger
	// complain logs what peers and careless input cause, rate-limited.
	complain *complainer
	// debug logs routine events when Config.Debug is set.
	debug func(format string, args ...any)
	wire  *wire
	pub   *publisher
	eng   engine.Engine

	shell, control, stdin *socket
	iopub, hb             zmq4.Socket

	// sockCtx is the sockets' context; closeSockets cancels it, which ends
	// the goroutines that serve them.
	sockCtx       context.Context
	cancelSockets context.CancelFunc
	sockets       []zmq4.Socket  // to close at the end
	loops         sync.WaitGroup // the goroutines reading the sockets

	shellQ       chan *message
	stop         chan struct{} // closed when a shutdown was requested
	once         sync.Once
	executorDone chan struct{} // closed when the executor returned

	// Owned by the shell executor goroutine.
	execCount int
	abortLeft int

	hist history

	// parent watches Config.ParentPID from the start.
	parent parentWatch

	mu         sync.Mutex
	cancelCell context.CancelFunc // of the running cell
	cell       *cellState         // where Output goes
	inputWait  chan string        // the pending Input's reply channel
}

// Serve runs the kernel until a shutdown_request (it then returns nil) or
// until ctx is done (it returns ctx.Err()). A missing or invalid connection
// file, or a port that cannot be bound, returns an error whose one-line
// message names the file and what is wrong.
func Serve(ctx context.Context, cfg Config) error {
	k, err := newKernel(cfg)
	if err != nil {
		return err
	}
	// SIGINT interrupts the running cell (kernelspec interrupt_mode
	// "signal"). Install the handler before any socket answers.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt)
	defer signal.Stop(sigs)

	if err := k.bind(); err != nil {
		k.closeSockets()
		return err
	}
	err = k.run(ctx, sigs)
	k.shutdown(err == nil)
	return err
}

// newKernel checks cfg and reads its connection file.
func newKernel(cfg Config) (*kernel, error) {
	if cfg.Log == nil {
		cfg.Log = os.Stderr
	}
	if cfg.Engine == nil {
		return nil, fmt.Errorf("kernel: Config.Engine is nil")
	}
	ci, err := loadConnectionFile(cfg.ConnectionFile)
	if err != nil {
		return nil, err
	}
	logger := log.New(cfg.Log, "gopar kernel: ", log.Ltime|log.Lmicroseconds)
	k := &kernel{
		cfg:          cfg,
		conn:         ci,
		log:          logger,
		complain:     newComplainer(logger),
		wire:         newWire(ci.Key, ci.SignatureScheme),
		eng:          cfg.Engine,
		shellQ:       make(chan *message, shellQueueLen),
		stop:         make(chan struct{}),
		executorDone: make(chan struct{}),
		parent:       newParentWatch(cfg.ParentPID),
	}
	k.debug = func(string, ...any) {}
	if cfg.Debug {
		k.debug = k.log.Printf
	}
	k.sockCtx, k.cancelSockets = context.WithCancel(context.Background())
	if ci.Key == "" {
		k.log.Printf("connection file %s has an empty key: messages are not signed, and anyone who can reach the ports can run code as this user", cfg.ConnectionFile)
	}
	return k, nil
}

// bind makes the five sockets and binds each to its port of the connection
// file. On error, the caller closes what was made with closeSockets.
func (k *kernel) bind() error {
	if err := registerGuardedTransports(); err != nil {
		return fmt.Errorf("kernel: %v", err)
	}
	guardLog.Store(k.complain)

	zlog := log.New(complainWriter{k.complain, complainZMQ}, "zmq4: ", 0)
	opts := []zmq4.Option{zmq4.WithLogger(zlog), zmq4.WithTimeout(sendTimeout)}
	k.shell = &socket{name: "shell", z: zmq4.NewRouter(k.sockCtx, opts...)}
	k.control = &socket{name: "control", z: zmq4.NewRouter(k.sockCtx, opts...)}
	k.stdin = &socket{name: "stdin", z: zmq4.NewRouter(k.sockCtx, opts...)}
	k.iopub = zmq4.NewPub(k.sockCtx, opts...)
	k.hb = zmq4.NewRep(k.sockCtx, opts...)
	ci := k.conn
	for _, b := range []struct {
		name string
		z    zmq4.Socket
		port int
	}{
		{"shell", k.shell.z, ci.ShellPort},
		{"control", k.control.z, ci.ControlPort},
		{"stdin", k.stdin.z, ci.StdinPort},
		{"iopub", k.iopub, ci.IOPubPort},
		{"heartbeat", k.hb, ci.HBPort},
	} {
		k.sockets = append(k.sockets, b.z)
		if err := k.listen(b.name, b.z, b.port); err != nil {
			return err
		}
	}
	if err := k.iopub.SetOption(zmq4.OptionHWM, pubHWM); err != nil {
		k.log.Printf("iopub: cannot set HWM: %v", err)
	}
	return nil
}

// listen binds z, the socket called name, to port: on the socket that
// Config.Prebound hands over for the port, if any.
func (k *kernel) listen(name string, z zmq4.Socket, port int) error {
	ci := k.conn
	setup := listenSetup{spec: channelSpecs[name]}
	if k.cfg.Prebound != nil {
		setup.prebound = k.cfg.Prebound(ci.Transport, ci.IP, port)
	}
	defer prepareListen(ci.bindEndpoint(port), setup)() // unless Listen took it
	if err := z.Listen(ci.bindEndpoint(port)); err != nil {
		return fmt.Errorf("connection file %s: cannot bind %s to %s: %s",
			k.cfg.ConnectionFile, name, ci.endpoint(port), oneLine(unwrapAll(err).Error()))
	}
	return nil
}

// run announces the kernel on iopub and serves the sockets until a
// shutdown_request (it then returns nil) or until ctx is done (it returns
// ctx.Err()). Every SIGINT on sigs interrupts the running cell.
func (k *kernel) run(ctx context.Context, sigs <-chan os.Signal) error {
	k.startPublisher()
	k.debug("listening on %s (session %s)", k.conn.endpoint(k.conn.ShellPort), k.wire.session)

	k.startLoop(func() { k.heartbeat(k.sockCtx, k.hb) })
	k.startLoop(func() { k.receive(k.sockCtx, k.shell, k.queueShell) })
	k.startLoop(func() { k.receive(k.sockCtx, k.control, k.handleControl) })
	k.startLoop(func() { k.receive(k.sockCtx, k.stdin, k.handleStdin) })
	go func() { defer close(k.executorDone); k.executor() }()
	go k.relaySignals(sigs)
	go k.watchParent()

	select {
	case <-k.stop:
		k.debug("shutting down")
		return nil
	case <-ctx.Done():
		k.log.Printf("stopping: %v", ctx.Err())
		return ctx.Err()
	}
}

// startPublisher starts the iopub publisher and publishes the "starting"
// status, which waits a moment for a first subscriber.
func (k *kernel) startPublisher() {
	k.pub = newPublisher(k.wire, func(frames [][]byte) error {
		// SendMulti writes all frames with one writev.
		return k.iopub.SendMulti(zmq4.NewMsgFrom(frames...))
	}, k.log.Printf)
	if tp, ok := k.iopub.(zmq4.Topics); ok {
		k.pub.holdForSubscriber(func() bool { return len(tp.Topics()) > 0 }, subscriberWait)
	}
	k.pub.publish("status", nil, map[string]string{"execution_state": "starting"}, false)
}

// startLoop runs f in a goroutine that shutdown waits for.
func (k *kernel) startLoop(f func()) {
	k.loops.Add(1)
	go func() { defer k.loops.Done(); f() }()
}

// relaySignals interrupts the running cell on each signal until the
// sockets are closed.
func (k *kernel) relaySignals(sigs <-chan os.Signal) {
	for {
		select {
		case <-sigs:
			k.interrupt("SIGINT")
		case <-k.sockCtx.Done():
			return
		}
	}
}

// shutdown stops the kernel: it stops the running cell, sends what iopub
// holds, closes the sockets and, if the cell stopped, the engine. After a
// shutdown_request (graceful), the last replies get a moment to leave.
func (k *kernel) shutdown(graceful bool) {
	engineIdle := k.stopExecutor()
	k.pub.close(drainTimeout)
	if graceful {
		// Give the socket writers a moment to hand the last replies and
		// iopub messages to the network, as ZeroMQ's linger would.
		time.Sleep(lingerTimeout)
	}
	k.closeSockets()
	waitTimeout(&k.loops, drainTimeout)
	if engineIdle {
		if err := k.safeClose(); err != nil {
			k.log.Printf("engine close: %v", err)
		}
	}
}

// stopExecutor stops the shell executor, interrupting the running cell, and
// reports whether it ended within drainTimeout.
func (k *kernel) stopExecutor() bool {
	k.requestStop()
	k.interrupt("")
	select {
	case <-k.executorDone:
		return true
	case <-time.After(drainTimeout):
		k.log.Printf("the running cell did not stop within %v", drainTimeout)
		return false
	}
}

// closeSockets ends the goroutines serving the sockets and closes the
// sockets.
func (k *kernel) closeSockets() {
	k.cancelSockets()
	for _, s := range k.sockets {
		s.Close()
	}
	k.sockets = nil
}

// unwrapAll returns the innermost wrapped error.
func unwrapAll(err error) error {
	for {
		u, ok := err.(interface{ Unwrap() error })
		if !ok || u.Unwrap() == nil {
			return err
		}
		err = u.Unwrap()
	}
}

func waitTimeout(wg *sync.WaitGroup, d time.Duration) {
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(d):
	}
}

// requestStop makes Serve return.
func (k *kernel) requestStop() {
	k.once.Do(func() { close(k.stop) })
}

func (k *kernel) stopping() bool {
	select {
	case <-k.stop:
		return true
	default:
		return false
	}
}

// heartbeat echoes every message back, raw.
func (k *kernel) heartbeat(ctx context.Context, hb zmq4.Socket) {
	for {
		msg, err := hb.Recv()
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			k.complain.printf(complainReceive, "heartbeat: %v", err)
			continue
		}
		if err := hb.Send(msg); err != nil && ctx.Err() == nil {
			k.complain.printf(complainReceive, "heartbeat: %v", err)
		}
	}
}

// receive reads messages from s, drops bad ones with one log line each, and
// hands the others to handle.
func (k *kernel) receive(ctx context.Context, s *socket, handle func(*message)) {
	for {
		zm, err := s.z.Recv()
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			k.complain.printf(complainReceive, "%s: receive: %v", s.name, err)
			continue
		}
		if zm.Type == zmq4.CmdMsg {
			continue
		}
		m, err := k.wire.decode(zm.Frames)
		if err != nil {
			k.complain.printf(complainMessage, "%s: %v", s.name, err)
			continue
		}
		if k.stopping() {
			continue
		}
		handle(m)
	}
}

// send signs and sends m on s.
func (k *kernel) send(s *socket, m outMsg) error {
	frames, err := k.wire.encode(m, nil)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.z.Send(zmq4.NewMsgFrom(frames...))
}

// reply answers request m on s.
func (k *kernel) reply(s *socket, m *message, msgType string, content any) {
	out := outMsg{
		Identities: m.Identities,
		Header:     k.wire.newHeader(msgType),
		Parent:     m.RawHeader,
		Content:    content,
	}
	if err := k.send(s, out); err != nil {
		k.log.Printf("%s: cannot send %s: %v", s.name, msgType, err)
	}
}

// status publishes the kernel's execution state for request m. Idle ends
// the request, and goes out from the calling goroutine when it can (see
// publisher.publishNow).
func (k *kernel) status(m *message, state string) {
	content := map[string]string{"execution_state": state}
	if state == "idle" {
		k.pub.publishNow("status", m.RawHeader, content, false)
		return
	}
	k.pub.publish("status", m.RawHeader, content, false)
}

// queueShell puts a shell message on the execution queue.
func (k *kernel) queueShell(m *message) {
	select {
	case k.shellQ <- m:
	case <-k.stop:
		return
	}
	if h := k.cfg.hooks; h != nil && h.queued != nil {
		h.queued(m.Header.MsgType, len(k.shellQ))
	}
}

// executor handles shell messages one at a time, in arrival order.
func (k *kernel) executor() {
	for {
		select {
		case <-k.stop:
			return
		case m := <-k.shellQ:
			if k.stopping() {
				return
			}
			k.handleShell(m)
		}
	}
}

// interrupt cancels the running cell, if any.
func (k *kernel) interrupt(why string) bool {
	k.mu.Lock()
	cancel := k.cancelCell
	k.mu.Unlock()
	if cancel == nil {
		if why != "" {
			// An interrupt from the user while no cell runs stops what
			// earlier cells left running, if the engine can.
			k.debug("%s: no cell is running", why)
			if ii, ok := k.eng.(engine.IdleInterrupter); ok {
				ii.InterruptIdle()
			}
		}
		return false
	}
	if why != "" {
		k.debug("%s: interrupting the running cell", why)
	}
	cancel()
	return true
}

// handleStdin delivers input_reply messages to the waiting Input call.
func (k *kernel) handleStdin(m *message) {
	if m.Header.MsgType != "input_reply" {
		k.complain.printf(complainUnknown, "stdin: ignoring %s", clip(m.Header.MsgType))
		return
	}
	var c struct {
		Value string `json:"value"`
	}
	if err := json.Unmarshal(m.Content, &c); err != nil {
		k.complain.printf(complainContent, "stdin: bad input_reply: %v", err)
		return
	}
	k.mu.Lock()
	ch := k.inputWait
	k.inputWait = nil
	k.mu.Unlock()
	if ch == nil {
		k.complain.printf(complainContent, "stdin: input_reply while no input was asked for")
		return
	}
	ch <- c.Value // buffered, one reply per request
}
