package dist

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// Cluster is the master of a set of workers: the notebook's side of
// package dist. The package-level functions (AddProcs, Pmap, …) use the
// Default cluster; a program may make others. Set the configuration
// fields before the first call; the zero value is ready to use and runs an
// embedded NATS server on 127.0.0.1 when it first needs one.
type Cluster struct {
	// Prefix is the subject prefix that the master and its workers share
	// (DefaultPrefix when empty); workers started by hand join the master
	// of their --prefix.
	Prefix string
	// Command starts a local worker; the master adds the environment that
	// tells the worker where to connect. Default: this executable with the
	// argument "worker" (`gopar worker`).
	Command []string
	// Env is added to the environment of local workers.
	Env []string
	// Threads is GOMAXPROCS of local workers: 1 by default, as Julia's
	// addprocs workers have one thread, so that n workers use n cores and
	// parallelism comes from the processes.
	Threads int
	// Stdout and Stderr receive the workers' output ("From worker N: …")
	// and the master's notes (a lost worker); nil means os.Stdout and
	// os.Stderr as they are at the time of writing, which in a notebook is
	// the running cell.
	Stdout, Stderr io.Writer
	// Heartbeat is the interval of the master's and the workers'
	// heartbeats (default 200 ms); LostAfter is how long a worker may go
	// unheard before it counts as lost (default 3 s). A local worker that
	// dies is noticed at once, without waiting.
	Heartbeat, LostAfter time.Duration
	// Window is how many ops the master keeps in flight on one worker
	// (default 2: one running, one waiting), so that a worker never waits
	// for a round trip between two tasks.
	Window int
	// AutoProcs is how many local workers a Pmap, Reduce or SpawnAt starts
	// when the cluster runs its embedded server and has no worker yet (0:
	// none, the call fails). The Default cluster starts one per CPU, as
	// Python's Pool() does.
	AutoProcs int
	// JoinTimeout bounds how long AddProcs waits for a local worker to be
	// ready (default 1 minute).
	JoinTimeout time.Duration

	startMu sync.Mutex // held while starting and closing
	url     string     // the servers, when Connect gave them; else the embedded server's
	opts    []nats.Option
	token   string // the embedded server's
	srv     *server.Server
	nc      *nats.Conn
	subj    subjects
	monStop chan struct{}
	monDone chan struct{}

	mu       sync.Mutex
	started  bool
	closed   bool
	workers  map[int]*member
	nextID   int
	nextSeq  uint64
	nextJob  uint64
	uses     uint64
	flights  map[uint64]*flight
	log      []logEntry    // cells and variables every worker gets, in order
	capacity chan struct{} // closed (and replaced) when a worker may take more ops

	outMu   sync.Mutex
	partial map[outKey]string // the unfinished last line of each worker's streams
}

// member is a worker as the master sees it.
type member struct {
	id    int
	pid   int
	host  string
	proc  *localProc // nil for a worker that joined by itself
	local bool

	// guarded by Cluster.mu
	joined   bool // its first heartbeat arrived: it listens
	ready    bool // it has replayed the log: it takes tasks
	replayed int
	lastHB   time.Time
	inflight int // task ops in flight
	stale    int // ops it holds that the master no longer waits for (cancelled ones still running)
	staleFor time.Time
	noted    bool // the master said it is stuck
	lastUse  uint64
	removing bool // RmProcs: its end is not a loss
	gone     bool
	why      string
	readyCh  chan struct{}
	goneCh   chan struct{}
}

// flight is an op sent to a worker and not answered yet.
type flight struct {
	seq     uint64
	w       *member
	subject string
	msg     []byte
	sent    time.Time
	resends int
	counted bool // a task: counts against the worker's window
	owner   *inbox
	tag     int // the owner's: a batch index, or a worker id
}

// logEntry is a cell (opExec) or a variable (opDefine) for every worker.
type logEntry struct {
	kind byte
	fn   string
	data []byte
}

type outKey struct {
	worker int
	stream string
}

// event is what an op's owner learns: the op's reply, or that its worker
// was lost.
type event struct {
	f    *flight
	r    *reply
	lost string
}

// inbox queues events for one owner (a job, an Everywhere, a replay).
type inbox struct {
	mu  sync.Mutex
	evs []event
	sig chan struct{}
}

func newInbox() *inbox { return &inbox{sig: make(chan struct{}, 1)} }

func (b *inbox) push(ev event) {
	b.mu.Lock()
	b.evs = append(b.evs, ev)
	b.mu.Unlock()
	select {
	case b.sig <- struct{}{}:
	default:
	}
}

func (b *inbox) take() []event {
	b.mu.Lock()
	defer b.mu.Unlock()
	evs := b.evs
	b.evs = nil
	return evs
}

// ErrClosed is returned by a Cluster's methods after Close.
var ErrClosed = errors.New("dist: the cluster is closed")

// errNoWorkers is the error of a call that needs workers when there are
// none.
var errNoWorkers = errors.New("dist: no workers: start some with dist.AddProcs(n), or `gopar worker --nats URL` on other machines")

func (c *Cluster) heartbeat() time.Duration {
	if c.Heartbeat > 0 {
		return c.Heartbeat
	}
	return 200 * time.Millisecond
}

func (c *Cluster) lostAfter() time.Duration {
	if c.LostAfter > 0 {
		return c.LostAfter
	}
	return 3 * time.Second
}

func (c *Cluster) window() int {
	if c.Window > 0 {
		return c.Window
	}
	return 2
}

func (c *Cluster) prefix() string {
	if c.Prefix != "" {
		return c.Prefix
	}
	return DefaultPrefix
}

// Connect makes the cluster use the NATS servers at url (several URLs of a
// cluster separated by commas; credentials in the URL, as
// nats://TOKEN@host:4222 or nats://USER:PASSWORD@host:4222, or a
// credentials file in $NATS_CREDS) instead of an embedded server. Call it
// before anything else; workers then join with `gopar worker --nats URL`,
// and AddProcs starts local ones connected to the same servers.
func (c *Cluster) Connect(url string) error {
	if inWorker.Load() {
		return errInWorker
	}
	c.startMu.Lock()
	defer c.startMu.Unlock()
	started, err := c.running()
	switch {
	case err != nil:
		return err
	case started && c.url == url && c.srv == nil:
		return nil
	case started:
		return errors.New("dist: Connect must come before the cluster starts (before AddProcs, Pmap…)")
	}
	c.url = url
	c.opts = natsOptions("gopar notebook", "", "", "", os.Getenv(EnvCreds))
	return c.startLocked()
}

// start starts the cluster if it has not started: the embedded server
// unless Connect was called, the master's connection and subscriptions.
func (c *Cluster) start() error {
	if inWorker.Load() {
		return errInWorker
	}
	if started, err := c.running(); err != nil || started {
		return err
	}
	c.startMu.Lock()
	defer c.startMu.Unlock()
	return c.startLocked()
}

// running reports whether the cluster has started, or ErrClosed once it
// is closed.
func (c *Cluster) running() (bool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return false, ErrClosed
	}
	return c.started, nil
}

// startLocked starts the cluster (startMu held).
func (c *Cluster) startLocked() error {
	if started, err := c.running(); err != nil || started {
		return err
	}
	if !validPrefix(c.prefix()) {
		return fmt.Errorf("dist: invalid subject prefix %q", c.prefix())
	}
	if c.url == "" {
		if err := c.startServer(); err != nil {
			return err
		}
	}
	nc, err := nats.Connect(c.url, c.opts...)
	if err != nil {
		c.stopServer()
		return fmt.Errorf("dist: connecting to %s: %w", redact(c.url), err)
	}
	c.nc = nc
	c.subj = subjects{prefix: c.prefix(), master: randomID(8)}
	if _, err := nc.Subscribe(c.subj.toMaster(), c.receive); err != nil {
		return c.abort(err)
	}
	if _, err := nc.QueueSubscribe(c.subj.join(), "masters", c.onJoin); err != nil {
		return c.abort(err)
	}
	if err := nc.Flush(); err != nil {
		return c.abort(err)
	}
	c.mu.Lock()
	c.started = true
	if c.workers == nil {
		c.workers = map[int]*member{}
	}
	c.flights = map[uint64]*flight{}
	c.capacity = make(chan struct{})
	if c.nextID == 0 {
		c.nextID = 2 // as in Julia: 1 is the notebook itself
	}
	c.mu.Unlock()
	c.monStop, c.monDone = make(chan struct{}), make(chan struct{})
	go c.monitor()
	return nil
}

func (c *Cluster) abort(err error) error {
	c.nc.Close()
	c.nc = nil
	c.stopServer()
	return fmt.Errorf("dist: %w", err)
}

// startServer starts the embedded NATS server: 127.0.0.1, a random port,
// a random token.
func (c *Cluster) startServer() error {
	c.token = randomID(24)
	srv, err := server.NewServer(&server.Options{
		ServerName:    "gopar-" + randomID(4),
		Host:          "127.0.0.1",
		Port:          server.RANDOM_PORT,
		Authorization: c.token,
		NoLog:         true,
		NoSigs:        true,
		MaxPayload:    64 << 20,
	})
	if err != nil {
		return fmt.Errorf("dist: starting the embedded NATS server: %w", err)
	}
	srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		srv.Shutdown()
		return errors.New("dist: the embedded NATS server did not start")
	}
	c.srv = srv
	c.url = srv.ClientURL()
	c.opts = append(natsOptions("gopar notebook", c.token, "", "", ""), nats.ReconnectBufSize(-1))
	return nil
}

func (c *Cluster) stopServer() {
	if c.srv != nil {
		c.srv.Shutdown()
		c.srv.WaitForShutdown()
		c.srv = nil
		c.url = ""
	}
}

// URL is the NATS server URL the cluster uses (without credentials), or ""
// before it starts. With the embedded server, workers on other machines
// cannot reach it: it listens on 127.0.0.1.
func (c *Cluster) URL() string {
	c.startMu.Lock()
	defer c.startMu.Unlock()
	return redact(c.url)
}

// redact removes credentials from URLs.
func redact(urls string) string {
	parts := strings.Split(urls, ",")
	for i, u := range parts {
		if at := strings.LastIndex(u, "@"); at >= 0 {
			if s := strings.Index(u, "://"); s >= 0 && s < at {
				parts[i] = u[:s+3] + "***" + u[at:]
			}
		}
	}
	return strings.Join(parts, ",")
}

func randomID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Close ends every worker (local ones exit; workers that joined by
// themselves are told the master is gone) and stops the embedded server.
// The cluster cannot be used after.
func (c *Cluster) Close() error {
	c.startMu.Lock()
	defer c.startMu.Unlock()
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	started := c.started
	var ws []*member
	for _, w := range c.workers {
		w.removing = true
		ws = append(ws, w)
	}
	c.mu.Unlock()
	if !started {
		return nil
	}
	close(c.monStop)
	<-c.monDone
	_ = c.nc.Publish(c.subj.masterHB(), []byte("bye"))
	_ = c.nc.Flush()
	for _, w := range ws {
		c.endProc(w)
		c.lose(w, "the cluster closed")
	}
	c.nc.Close()
	c.stopServer()
	return nil
}

// monitor sends the master's heartbeats and declares lost the workers
// that have not sent theirs for LostAfter, until Close.
func (c *Cluster) monitor() {
	defer close(c.monDone)
	t := time.NewTicker(c.heartbeat())
	defer t.Stop()
	for {
		select {
		case <-c.monStop:
			return
		case <-t.C:
		}
		_ = c.nc.Publish(c.subj.masterHB(), nil)
		now := time.Now()
		var late []*member
		c.mu.Lock()
		for _, w := range c.workers {
			if w.joined && now.Sub(w.lastHB) > c.lostAfter() {
				late = append(late, w)
			}
		}
		c.mu.Unlock()
		for _, w := range late {
			c.lose(w, fmt.Sprintf("no heartbeat for %v", c.lostAfter()))
		}
	}
}

// onJoin answers a worker's request to join.
func (c *Cluster) onJoin(m *nats.Msg) {
	var req join
	if err := req.unmarshal(m.Data); err != nil {
		return
	}
	ans := join{Master: c.subj.master, HB: c.heartbeat(), Lost: c.lostAfter()}
	c.mu.Lock()
	switch {
	case c.closed:
		ans.Err = "the notebook is closing"
	case req.ID != 0:
		w := c.workers[req.ID]
		// w.pid is 0 until startLocal has noted the process it started.
		if w == nil || !w.local || (w.pid != 0 && w.pid != req.PID) || w.joined {
			ans.Err = fmt.Sprintf("no local worker %d with process id %d is expected", req.ID, req.PID)
		} else {
			ans.ID = w.id
			w.pid, w.host = req.PID, req.Host
		}
	default:
		w := c.newMemberLocked()
		w.pid, w.host = req.PID, req.Host
		ans.ID = w.id
	}
	c.mu.Unlock()
	_ = m.Respond(ans.marshal())
}

// newMemberLocked adds a worker with the next id (c.mu held).
func (c *Cluster) newMemberLocked() *member {
	w := &member{id: c.nextID, readyCh: make(chan struct{}), goneCh: make(chan struct{})}
	c.nextID++
	c.workers[w.id] = w
	return w
}

// receive handles what workers send the master: replies, output and
// heartbeats, in the order each worker sent them.
func (c *Cluster) receive(m *nats.Msg) {
	if len(m.Data) == 0 {
		return // a status message (no responders)
	}
	kind, seq, err := c.subj.kindOf(m.Subject)
	if err != nil {
		return
	}
	switch kind {
	case "r":
		var r reply
		if r.unmarshal(m.Data) != nil {
			return
		}
		c.mu.Lock()
		f := c.flights[seq]
		if f == nil || f.w.id != r.Worker {
			c.mu.Unlock()
			return // answered already, or its job was cancelled
		}
		delete(c.flights, seq)
		if f.counted {
			f.w.inflight--
			c.signalLocked()
		}
		c.mu.Unlock()
		c.flushOutput(r.Worker)
		f.owner.push(event{f: f, r: &r})
	case "out":
		var o output
		if o.unmarshal(m.Data) != nil {
			return
		}
		c.printOutput(o.Worker, o.Stream, o.Text)
	case "hb":
		var hb heartbeat
		if hb.unmarshal(m.Data) != nil {
			return
		}
		c.onHeartbeat(&hb)
	}
}

// onHeartbeat notes that a worker lives, starts the replay of a worker
// that just joined, and sends again the ops that the heartbeat shows were
// lost on the way (the worker never got them, or its reply went missing).
func (c *Cluster) onHeartbeat(hb *heartbeat) {
	now := time.Now()
	c.mu.Lock()
	defer c.mu.Unlock()
	w := c.workers[hb.Worker]
	if w == nil || w.gone {
		if !c.closed {
			// A worker the master dropped: it should end.
			_ = c.nc.Publish(c.subj.toWorker(hb.Worker), (&op{Kind: opBye}).marshal())
		}
		return
	}
	w.lastHB = now
	if !w.joined {
		w.joined = true
		go c.replay(w)
	}
	held := make(map[uint64]bool, len(hb.Held))
	stale := 0
	for _, s := range hb.Held {
		held[s] = true
		if f := c.flights[s]; f == nil || f.w != w {
			stale++
		}
	}
	c.noteStaleLocked(w, stale, now)
	grace := max(4*c.heartbeat(), time.Second)
	var lost bool
	for _, f := range c.flights {
		if f.w != w || held[f.seq] {
			continue
		}
		if (f.seq <= hb.MaxSeq && now.Sub(f.sent) > c.heartbeat()) || now.Sub(f.sent) > grace {
			if f.resends >= 5 {
				lost = true
				break
			}
			f.resends++
			f.sent = now
			_ = c.nc.PublishMsg(&nats.Msg{Subject: f.subject, Reply: c.subj.replyTo(f.seq), Data: f.msg})
		}
	}
	if lost {
		go c.lose(w, "it does not receive or answer what the notebook sends")
	}
}

// noteStaleLocked records how many ops w holds that nobody waits for: a
// cancelled call that goes on running (an interpreted loop cannot be
// stopped from outside). Such a worker gets no new work until it is done;
// if that lasts, the notebook hears of it once (c.mu held).
func (c *Cluster) noteStaleLocked(w *member, stale int, now time.Time) {
	if stale == 0 {
		if w.stale > 0 {
			c.signalLocked()
		}
		w.stale, w.noted = 0, false
		return
	}
	if w.stale == 0 {
		w.staleFor = now
	}
	w.stale = stale
	if !w.noted && now.Sub(w.staleFor) > c.lostAfter() {
		w.noted = true
		go c.note(fmt.Sprintf("dist: worker %d is still running an interrupted call, and gets no new work until it returns; "+
			"dist.RmProcs(%d) ends it", w.id, w.id))
	}
}

// sendLocked sends o to w as a new flight owned by owner (c.mu held).
func (c *Cluster) sendLocked(w *member, o *op, owner *inbox, tag int, counted bool) *flight {
	c.nextSeq++
	o.Seq = c.nextSeq
	f := &flight{seq: o.Seq, w: w, subject: c.subj.toWorker(w.id), msg: o.marshal(), sent: time.Now(),
		counted: counted, owner: owner, tag: tag}
	c.flights[f.seq] = f
	if counted {
		w.inflight++
	}
	_ = c.nc.PublishMsg(&nats.Msg{Subject: f.subject, Reply: c.subj.replyTo(f.seq), Data: f.msg})
	return f
}

// signalLocked wakes whoever waits for a worker to take more ops (c.mu
// held).
func (c *Cluster) signalLocked() {
	close(c.capacity)
	c.capacity = make(chan struct{})
}

// cancelOwner forgets the flights of owner and tells their workers to
// drop job's ops.
func (c *Cluster) cancelOwner(owner *inbox, job uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ws := map[*member]bool{}
	now := time.Now()
	for seq, f := range c.flights {
		if f.owner != owner {
			continue
		}
		delete(c.flights, seq)
		if f.counted {
			f.w.inflight--
		}
		ws[f.w] = true
		// Until its next heartbeat shows the op gone, the worker may be
		// busy with it: no new work for it.
		if f.w.stale == 0 {
			f.w.staleFor = now
		}
		f.w.stale++
	}
	if len(ws) > 0 {
		c.signalLocked()
	}
	msg := (&op{Kind: opCancel, Job: job}).marshal()
	for w := range ws {
		_ = c.nc.Publish(c.subj.toWorker(w.id), msg)
	}
}

// lose removes a worker that died, was removed or stopped answering, and
// hands its unanswered ops back to their owners, who send them elsewhere.
func (c *Cluster) lose(w *member, why string) {
	c.mu.Lock()
	if w.gone {
		c.mu.Unlock()
		return
	}
	w.gone, w.why = true, why
	close(w.goneCh)
	if c.workers[w.id] == w {
		delete(c.workers, w.id)
	}
	var lost []*flight
	tasks := 0
	for seq, f := range c.flights {
		if f.w == w {
			delete(c.flights, seq)
			lost = append(lost, f)
			if f.counted {
				tasks++
			}
		}
	}
	quiet := w.removing || c.closed
	if c.started && !c.closed {
		c.signalLocked()
		_ = c.nc.Publish(c.subj.toWorker(w.id), (&op{Kind: opBye}).marshal())
	}
	c.mu.Unlock()
	if w.proc != nil {
		w.proc.kill()
	}
	if !quiet {
		msg := fmt.Sprintf("dist: worker %d was lost (%s)", w.id, why)
		if tasks > 0 {
			verb := "are"
			if tasks == 1 {
				verb = "is"
			}
			msg += fmt.Sprintf("; its %d unfinished task%s %s sent to other workers", tasks, plural(tasks), verb)
		}
		c.note(msg)
	}
	c.flushOutput(w.id)
	for _, f := range lost {
		f.owner.push(event{f: f, lost: why})
	}
}

// note prints a line of the master's on Stderr.
func (c *Cluster) note(msg string) {
	c.outMu.Lock()
	defer c.outMu.Unlock()
	fmt.Fprintln(c.stderr(), msg)
}

func (c *Cluster) stdout() io.Writer {
	if c.Stdout != nil {
		return c.Stdout
	}
	return os.Stdout
}

func (c *Cluster) stderr() io.Writer {
	if c.Stderr != nil {
		return c.Stderr
	}
	return os.Stderr
}

// printOutput shows a worker's output, each line prefixed "From worker N:"
// as Julia does; an unfinished last line waits for the rest (or for the
// worker's next reply).
func (c *Cluster) printOutput(id int, stream, text string) {
	c.outMu.Lock()
	defer c.outMu.Unlock()
	if c.partial == nil {
		c.partial = map[outKey]string{}
	}
	k := outKey{id, stream}
	text = c.partial[k] + text
	i := strings.LastIndexByte(text, '\n')
	c.partial[k] = text[i+1:]
	if i < 0 {
		return
	}
	c.writeLines(id, stream, text[:i])
}

// flushOutput shows what remains of a worker's unfinished lines.
func (c *Cluster) flushOutput(id int) {
	c.outMu.Lock()
	defer c.outMu.Unlock()
	for _, s := range []string{"stdout", "stderr"} {
		k := outKey{id, s}
		if p := c.partial[k]; p != "" {
			delete(c.partial, k)
			c.writeLines(id, s, p)
		}
	}
}

// writeLines writes lines with the worker's prefix (c.outMu held).
func (c *Cluster) writeLines(id int, stream, text string) {
	dst := c.stdout()
	if stream == "stderr" {
		dst = c.stderr()
	}
	var b strings.Builder
	for _, l := range strings.Split(text, "\n") {
		fmt.Fprintf(&b, "From worker %d:\t%s\n", id, l)
	}
	_, _ = io.WriteString(dst, b.String())
}

// Workers returns the ids of the workers ready for tasks, in increasing
// order.
func (c *Cluster) Workers() []int {
	c.mu.Lock()
	defer c.mu.Unlock()
	var ids []int
	for id, w := range c.workers {
		if w.ready {
			ids = append(ids, id)
		}
	}
	slices.Sort(ids)
	return ids
}

// RmProcs removes workers: each ends its work in progress, then exits
// (local workers) or leaves (workers that joined by themselves). Unknown
// ids are ignored.
func (c *Cluster) RmProcs(ctx context.Context, ids ...int) error {
	var ws []*member
	c.mu.Lock()
	for _, id := range ids {
		if w := c.workers[id]; w != nil {
			w.removing = true
			ws = append(ws, w)
			_ = c.nc.Publish(c.subj.toWorker(id), (&op{Kind: opBye}).marshal())
		}
	}
	c.mu.Unlock()
	for _, w := range ws {
		if w.proc != nil {
			select {
			case <-w.proc.done:
			case <-ctx.Done():
				w.proc.kill()
				<-w.proc.done
			case <-time.After(10 * time.Second):
				w.proc.kill()
				<-w.proc.done
			}
		}
		c.lose(w, "removed")
	}
	return ctx.Err()
}

// endProc ends a local worker: a goodbye, then a kill if it lingers.
func (c *Cluster) endProc(w *member) {
	if w.proc == nil {
		return
	}
	_ = c.nc.Publish(c.subj.toWorker(w.id), (&op{Kind: opBye}).marshal())
	_ = c.nc.Flush()
	select {
	case <-w.proc.done:
	case <-time.After(2 * time.Second):
		w.proc.kill()
		<-w.proc.done
	}
}

// Info describes a worker, as Procs lists it.
type Info struct {
	// ID is the worker's id.
	ID int
	// Host and PID are where the worker runs.
	Host string
	PID  int
	// Local is set for a worker that this notebook started.
	Local bool
}

// Procs describes the workers ready for tasks, by id.
func (c *Cluster) Procs() []Info {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []Info
	for _, w := range c.workers {
		if w.ready {
			out = append(out, Info{ID: w.id, Host: w.host, PID: w.pid, Local: w.local})
		}
	}
	slices.SortFunc(out, func(a, b Info) int { return a.ID - b.ID })
	return out
}

// WaitWorkers waits until at least n workers are ready, for workers that
// join by themselves (`gopar worker --nats URL` on other machines).
func (c *Cluster) WaitWorkers(ctx context.Context, n int) error {
	if err := c.start(); err != nil {
		return err
	}
	for {
		c.mu.Lock()
		ready := 0
		for _, w := range c.workers {
			if w.ready {
				ready++
			}
		}
		ch := c.capacity
		c.mu.Unlock()
		if ready >= n {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("dist: %d of %d workers after waiting: %w", ready, n, context.Cause(ctx))
		}
	}
}
