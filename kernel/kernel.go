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
	cfg Config
	log *log.Logger
	// debug logs routine events when Config.Debug is set.
	debug func(format string, args ...any)
	wire  *wire
	pub   *publisher
	eng   engine.Engine

	shell, control, stdin *socket

	shellQ chan *message
	stop   chan struct{} // closed when a shutdown was requested
	once   sync.Once

	// Owned by the shell executor goroutine.
	execCount int
	abortLeft int

	hist history

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
	if cfg.Log == nil {
		cfg.Log = os.Stderr
	}
	if cfg.Engine == nil {
		return fmt.Errorf("kernel: Config.Engine is nil")
	}
	ci, err := loadConnectionFile(cfg.ConnectionFile)
	if err != nil {
		return err
	}
	k := &kernel{
		cfg:    cfg,
		log:    log.New(cfg.Log, "gopar kernel: ", log.Ltime|log.Lmicroseconds),
		wire:   newWire(ci.Key),
		eng:    cfg.Engine,
		shellQ: make(chan *message, shellQueueLen),
		stop:   make(chan struct{}),
	}
	k.debug = func(string, ...any) {}
	if cfg.Debug {
		k.debug = k.log.Printf
	}

	// SIGINT interrupts the running cell (kernelspec interrupt_mode
	// "signal"). Install the handler before any socket answers.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt)
	defer signal.Stop(sigs)

	if err := registerGuardedTransports(); err != nil {
		return fmt.Errorf("kernel: %v", err)
	}
	guardLog.Store(k.log)

	sctx, closeSockets := context.WithCancel(context.Background())
	defer closeSockets()
	zlog := log.New(cfg.Log, "gopar kernel: zmq4: ", log.Ltime|log.Lmicroseconds)
	opts := []zmq4.Option{zmq4.WithLogger(zlog), zmq4.WithTimeout(sendTimeout)}
	var all []zmq4.Socket
	defer func() {
		for _, s := range all {
			s.Close()
		}
	}()
	bind := func(name string, z zmq4.Socket, port int) error {
		all = append(all, z)
		ep := ci.endpoint(port)
		if cfg.Prebound != nil {
			if f := cfg.Prebound(ci.Transport, ci.IP, port); f != nil {
				key := addPrebound(ci.bindEndpoint(port), f)
				defer dropPrebound(key) // unless Listen took it
			}
		}
		if err := z.Listen(ci.bindEndpoint(port)); err != nil {
			return fmt.Errorf("connection file %s: cannot bind %s to %s: %s", cfg.ConnectionFile, name, ep, oneLine(unwrapAll(err).Error()))
		}
		return nil
	}
	k.shell = &socket{name: "shell", z: zmq4.NewRouter(sctx, opts...)}
	k.control = &socket{name: "control", z: zmq4.NewRouter(sctx, opts...)}
	k.stdin = &socket{name: "stdin", z: zmq4.NewRouter(sctx, opts...)}
	iopub := zmq4.NewPub(sctx, opts...)
	hb := zmq4.NewRep(sctx, opts...)
	for _, b := range []struct {
		name string
		z    zmq4.Socket
		port int
	}{
		{"shell", k.shell.z, ci.ShellPort},
		{"control", k.control.z, ci.ControlPort},
		{"stdin", k.stdin.z, ci.StdinPort},
		{"iopub", iopub, ci.IOPubPort},
		{"heartbeat", hb, ci.HBPort},
	} {
		if err := bind(b.name, b.z, b.port); err != nil {
			return err
		}
	}
	if err := iopub.SetOption(zmq4.OptionHWM, pubHWM); err != nil {
		k.log.Printf("iopub: cannot set HWM: %v", err)
	}

	k.pub = newPublisher(k.wire, func(frames [][]byte) error {
		// SendMulti writes all frames with one writev.
		return iopub.SendMulti(zmq4.NewMsgFrom(frames...))
	}, k.log.Printf)
	if tp, ok := iopub.(zmq4.Topics); ok {
		k.pub.holdForSubscriber(func() bool { return len(tp.Topics()) > 0 }, subscriberWait)
	}
	k.pub.publish("status", nil, map[string]string{"execution_state": "starting"}, false)
	k.debug("listening on %s (session %s)", ci.endpoint(ci.ShellPort), k.wire.session)

	var loops sync.WaitGroup
	start := func(f func()) {
		loops.Add(1)
		go func() { defer loops.Done(); f() }()
	}
	start(func() { k.heartbeat(sctx, hb) })
	start(func() { k.receive(sctx, k.shell, k.queueShell) })
	start(func() { k.receive(sctx, k.control, k.handleControl) })
	start(func() { k.receive(sctx, k.stdin, k.handleStdin) })
	executorDone := make(chan struct{})
	go func() { defer close(executorDone); k.executor() }()
	go func() {
		for {
			select {
			case <-sigs:
				k.interrupt("SIGINT")
			case <-sctx.Done():
				return
			}
		}
	}()

	var result error
	select {
	case <-k.stop:
		k.debug("shutting down")
	case <-ctx.Done():
		result = ctx.Err()
		k.log.Printf("stopping: %v", result)
	}
	k.requestStop()
	k.interrupt("")
	engineIdle := true
	select {
	case <-executorDone:
	case <-time.After(drainTimeout):
		engineIdle = false
		k.log.Printf("the running cell did not stop within %v", drainTimeout)
	}
	k.pub.close(drainTimeout)
	if result == nil {
		// Give the socket writers a moment to hand the last replies and
		// iopub messages to the network, as ZeroMQ's linger would.
		time.Sleep(lingerTimeout)
	}
	closeSockets()
	for _, s := range all {
		s.Close()
	}
	all = nil
	waitTimeout(&loops, drainTimeout)
	if engineIdle {
		if err := k.safeClose(); err != nil {
			k.log.Printf("engine close: %v", err)
		}
	}
	return result
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
			k.log.Printf("heartbeat: %v", err)
			continue
		}
		if err := hb.Send(msg); err != nil && ctx.Err() == nil {
			k.log.Printf("heartbeat: %v", err)
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
			k.log.Printf("%s: receive: %v", s.name, err)
			continue
		}
		if zm.Type == zmq4.CmdMsg {
			continue
		}
		m, err := k.wire.decode(zm.Frames)
		if err != nil {
			k.log.Printf("%s: %v", s.name, err)
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

// status publishes the kernel's execution state for request m.
func (k *kernel) status(m *message, state string) {
	k.pub.publish("status", m.RawHeader, map[string]string{"execution_state": state}, false)
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
			k.debug("%s: no cell is running", why)
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
		k.log.Printf("stdin: ignoring %s", m.Header.MsgType)
		return
	}
	var c struct {
		Value string `json:"value"`
	}
	if err := json.Unmarshal(m.Content, &c); err != nil {
		k.log.Printf("stdin: bad input_reply: %v", err)
		return
	}
	k.mu.Lock()
	ch := k.inputWait
	k.inputWait = nil
	k.mu.Unlock()
	if ch == nil {
		k.log.Printf("stdin: input_reply while no input was asked for")
		return
	}
	ch <- c.Value // buffered, one reply per request
}
