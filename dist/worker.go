package dist

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/gopar/gopar/engine"
)

// Environment variables a worker reads (flags override them). The NATS_
// ones are those NATS users know; a master sets them all for the local
// workers it starts.
const (
	EnvURL      = "NATS_URL"      // server URLs, comma-separated
	EnvToken    = "NATS_TOKEN"    // token authentication
	EnvUser     = "NATS_USER"     // user name…
	EnvPassword = "NATS_PASSWORD" // …and password
	EnvCreds    = "NATS_CREDS"    // a credentials file (JWT and NKey seed)
	EnvPrefix   = "GOPAR_DIST_PREFIX"
	envID       = "GOPAR_DIST_ID"    // the id a master gave a local worker
	envLocal    = "GOPAR_DIST_LOCAL" // "1" in local workers
)

// DefaultPrefix is the subject prefix of masters and workers that are not
// told otherwise.
const DefaultPrefix = "gopar"

// WorkerConfig says how a worker reaches its master. The zero value
// connects to nats://127.0.0.1:4222 without credentials.
type WorkerConfig struct {
	// URL is the NATS server, or several servers of a cluster separated by
	// commas ("nats://a:4222,nats://b:4222"). Credentials may be in the URL
	// (nats://TOKEN@host, nats://USER:PASSWORD@host).
	URL string
	// Token, User and Password, and Creds (a credentials file) authenticate
	// the worker as the server requires.
	Token, User, Password, Creds string
	// Prefix is the subject prefix shared with the master (DefaultPrefix
	// when empty).
	Prefix string
	// ID is the id that a master gave the local worker it started; 0 for
	// a worker that joins whichever master of Prefix answers.
	ID int
	// Local is set in workers that a master started on its own machine:
	// they ignore interrupts from the terminal (the master cancels their
	// work itself).
	Local bool
	// Log receives the worker's own messages (joined, master gone); nil
	// means os.Stderr.
	Log io.Writer
}

// WorkerConfigFromEnv returns the configuration that the environment
// variables (NATS_URL, NATS_TOKEN, NATS_USER, NATS_PASSWORD, NATS_CREDS,
// GOPAR_DIST_PREFIX) give.
func WorkerConfigFromEnv() WorkerConfig {
	id, _ := strconv.Atoi(os.Getenv(envID))
	return WorkerConfig{
		URL: os.Getenv(EnvURL), Token: os.Getenv(EnvToken), User: os.Getenv(EnvUser),
		Password: os.Getenv(EnvPassword), Creds: os.Getenv(EnvCreds), Prefix: os.Getenv(EnvPrefix),
		ID: id, Local: os.Getenv(envLocal) == "1",
	}
}

// RegisterFlags defines the flags of `gopar worker` on fs, with the
// configuration's current values (say, from WorkerConfigFromEnv) as
// defaults: --nats, --token, --creds, --user, --password and --prefix.
func (c *WorkerConfig) RegisterFlags(fs *flag.FlagSet) {
	url := c.URL
	if url == "" {
		url = nats.DefaultURL
	}
	fs.StringVar(&c.URL, "nats", url, "NATS server `URL`s, comma-separated (env "+EnvURL+")")
	// Secrets keep the environment's values without showing them as
	// defaults in the help.
	set := func(p *string) func(string) error { return func(s string) error { *p = s; return nil } }
	fs.Func("token", "authentication `token` (env "+EnvToken+")", set(&c.Token))
	fs.StringVar(&c.Creds, "creds", c.Creds, "credentials `file` (env "+EnvCreds+")")
	fs.StringVar(&c.User, "user", c.User, "user `name` (env "+EnvUser+")")
	fs.Func("password", "`password` (env "+EnvPassword+")", set(&c.Password))
	prefix := c.Prefix
	if prefix == "" {
		prefix = DefaultPrefix
	}
	fs.StringVar(&c.Prefix, "prefix", prefix, "subject `prefix` shared with the notebook (env "+EnvPrefix+")")
}

// natsOptions are the connection options of a client of the cluster: a
// name, the credentials, and reconnection to another server of a cluster
// when one goes away (bounded: about a minute of attempts).
func natsOptions(name string, token, user, password, creds string) []nats.Option {
	opts := []nats.Option{
		nats.Name(name),
		nats.MaxReconnects(240),
		nats.ReconnectWait(250 * time.Millisecond),
		nats.ReconnectJitter(50*time.Millisecond, 50*time.Millisecond),
		nats.NoCallbacksAfterClientClose(),
	}
	if token != "" {
		opts = append(opts, nats.Token(token))
	}
	if user != "" || password != "" {
		opts = append(opts, nats.UserInfo(user, password))
	}
	if creds != "" {
		opts = append(opts, nats.UserCredentials(creds))
	}
	return opts
}

// ErrMasterGone is returned by RunWorker when the master stopped sending
// heartbeats (its notebook's engine ended) or said goodbye.
var ErrMasterGone = errors.New("dist: the master is gone")

// RunWorker connects to the NATS server, creates the worker's engine with
// newHost, joins a master and serves its tasks until ctx is done, the
// master removes the worker (RmProcs) or the master is gone. It returns
// nil when the master removed the worker or ctx ended, ErrMasterGone when
// the master went away.
func RunWorker(ctx context.Context, cfg WorkerConfig, newHost NewHost) error {
	if cfg.Prefix == "" {
		cfg.Prefix = DefaultPrefix
	}
	if !validPrefix(cfg.Prefix) {
		return fmt.Errorf("dist: invalid subject prefix %q", cfg.Prefix)
	}
	if cfg.URL == "" {
		cfg.URL = nats.DefaultURL
	}
	inWorker.Store(true)
	defer inWorker.Store(false)
	logw := cfg.Log
	if logw == nil {
		logw = os.Stderr
	}
	host, _ := os.Hostname()
	w := &worker{wake: make(chan struct{}, 1), bye: make(chan struct{}), fns: map[string]reflect.Value{}, log: logw}
	nc, err := nats.Connect(cfg.URL, natsOptions(fmt.Sprintf("gopar worker %s:%d", host, os.Getpid()),
		cfg.Token, cfg.User, cfg.Password, cfg.Creds)...)
	if err != nil {
		return fmt.Errorf("dist: connecting to %s: %w", cfg.URL, err)
	}
	defer nc.Close()
	w.nc = nc
	h, err := newHost(&workerOutput{w: w})
	if err != nil {
		return fmt.Errorf("dist: starting the worker's engine: %w", err)
	}
	w.host = h
	if c, ok := h.(io.Closer); ok {
		defer c.Close()
	}
	ans, err := w.join(ctx, cfg, host)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	w.id, w.hb, w.lost = ans.ID, ans.HB, ans.Lost
	w.subj = subjects{prefix: cfg.Prefix, master: ans.Master}
	w.masterSeen.Store(time.Now().UnixNano())
	if _, err := nc.Subscribe(w.subj.toWorker(w.id), w.receive); err != nil {
		return err
	}
	if _, err := nc.Subscribe(w.subj.masterHB(), func(m *nats.Msg) {
		w.masterSeen.Store(time.Now().UnixNano())
		if string(m.Data) == "bye" {
			w.stop(ErrMasterGone)
		}
	}); err != nil {
		return err
	}
	// The subscriptions are on the server before the first heartbeat, which
	// tells the master that the worker is ready for ops.
	if err := nc.Flush(); err != nil {
		return err
	}
	w.online.Store(true)
	w.sendHeartbeat()
	go w.beat(ctx)
	err = w.serve(ctx)
	_ = nc.Flush()
	return err
}

// worker is the state of RunWorker.
type worker struct {
	nc       *nats.Conn
	host     Host
	id       int
	subj     subjects
	hb, lost time.Duration
	log      io.Writer

	online     atomic.Bool  // joined: output and heartbeats may be sent
	masterSeen atomic.Int64 // unix nanoseconds of the master's last heartbeat

	mu        sync.Mutex
	queue     []*op
	maxSeq    uint64
	running   *op
	cancelRun context.CancelFunc
	wake      chan struct{} // a new op is queued
	bye       chan struct{} // closed by stop
	byeErr    error
	stopped   bool

	fns map[string]reflect.Value // Lookup's answers, until the next cell or variable
}

// join asks the master of cfg.Prefix to take the worker, until one answers
// or ctx ends.
func (w *worker) join(ctx context.Context, cfg WorkerConfig, host string) (*join, error) {
	req := (&join{ID: cfg.ID, PID: os.Getpid(), Host: host}).marshal()
	subj := subjects{prefix: cfg.Prefix}.join()
	wait := 100 * time.Millisecond
	said := false
	for {
		rctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		m, err := w.nc.RequestWithContext(rctx, subj, req)
		cancel()
		if err == nil {
			var ans join
			if err := ans.unmarshal(m.Data); err != nil {
				return nil, err
			}
			if ans.Err != "" {
				return nil, fmt.Errorf("dist: the master refused: %s", ans.Err)
			}
			if said || !cfg.Local {
				fmt.Fprintf(w.log, "gopar worker: joined master %s as worker %d\n", ans.Master, ans.ID)
			}
			return &ans, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if cfg.ID != 0 {
			// A local worker's master is there, or gone for good.
			return nil, fmt.Errorf("dist: joining the master: %w", err)
		}
		if !said {
			fmt.Fprintf(w.log, "gopar worker: waiting for a notebook (subject %s on %s)…\n", subj, cfg.URL)
			said = true
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(wait):
		}
		wait = min(2*wait, 2*time.Second)
	}
}

// stop ends serve with err (nil: removed by the master).
func (w *worker) stop(err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stopped {
		return
	}
	w.stopped, w.byeErr = true, err
	if w.cancelRun != nil {
		w.cancelRun()
	}
	close(w.bye)
}

// receive handles an op from the master: cancels and goodbyes at once,
// the rest in order by serve.
func (w *worker) receive(m *nats.Msg) {
	if len(m.Data) == 0 {
		return // a status message
	}
	var o op
	if err := o.unmarshal(m.Data); err != nil {
		fmt.Fprintf(w.log, "gopar worker: %v\n", err)
		return
	}
	switch o.Kind {
	case opCancel:
		w.cancel(o.Job)
		return
	case opBye:
		w.stop(nil)
		return
	}
	w.mu.Lock()
	if o.Seq > w.maxSeq {
		w.maxSeq = o.Seq
	}
	dup := w.running != nil && w.running.Seq == o.Seq
	for _, q := range w.queue {
		dup = dup || q.Seq == o.Seq
	}
	if !dup {
		w.queue = append(w.queue, &o)
	}
	w.mu.Unlock()
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// cancel drops the queued ops of job and cancels the running one if it
// belongs to job.
func (w *worker) cancel(job uint64) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.queue = slices.DeleteFunc(w.queue, func(o *op) bool { return o.Job == job })
	if w.running != nil && w.running.Job == job && w.cancelRun != nil {
		w.cancelRun()
	}
}

// beat sends heartbeats and watches the master's, until serve ends.
func (w *worker) beat(ctx context.Context) {
	t := time.NewTicker(w.hb)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-w.bye:
			return
		case <-t.C:
		}
		w.sendHeartbeat()
		if time.Since(time.Unix(0, w.masterSeen.Load())) > w.lost {
			w.stop(ErrMasterGone)
		}
	}
}

// sendHeartbeat publishes a heartbeat. The state it reports and its place
// among the replies agree: both are published with w.mu held, so a reply
// comes before every heartbeat that no longer lists its op.
func (w *worker) sendHeartbeat() {
	w.mu.Lock()
	defer w.mu.Unlock()
	hb := heartbeat{Worker: w.id, MaxSeq: w.maxSeq}
	if w.running != nil {
		hb.Held = append(hb.Held, w.running.Seq)
	}
	for _, o := range w.queue {
		hb.Held = append(hb.Held, o.Seq)
	}
	_ = w.nc.Publish(w.subj.workerHB(), hb.marshal())
}

// serve runs the queued ops one at a time.
func (w *worker) serve(ctx context.Context) error {
	for {
		w.mu.Lock()
		if w.stopped {
			err := w.byeErr
			w.mu.Unlock()
			return err
		}
		if len(w.queue) == 0 {
			w.mu.Unlock()
			select {
			case <-ctx.Done():
				return nil
			case <-w.bye:
			case <-w.wake:
			}
			continue
		}
		o := w.queue[0]
		w.queue = w.queue[1:]
		octx, cancel := context.WithCancel(ctx)
		w.running, w.cancelRun = o, cancel
		w.mu.Unlock()

		r := w.run(octx, o)
		w.mu.Lock()
		if r != nil && octx.Err() == nil {
			_ = w.nc.Publish(w.subj.replyTo(o.Seq), r.marshal())
		}
		w.running, w.cancelRun = nil, nil
		w.mu.Unlock()
		cancel()
	}
}

// run runs one op and returns its reply.
func (w *worker) run(ctx context.Context, o *op) *reply {
	r := &reply{Seq: o.Seq, Worker: w.id}
	fail := func(err error) *reply {
		r.ErrKind, r.Err = errKind(err)
		return r
	}
	switch o.Kind {
	case opExec:
		clear(w.fns)
		if err := w.host.Exec(ctx, o.Fn); err != nil {
			return fail(err)
		}
		return r
	case opDefine:
		clear(w.fns)
		v, err := Unmarshal(o.Data)
		if err != nil {
			return fail(err)
		}
		rv := reflect.ValueOf(v)
		if v == nil {
			rv = reflect.Zero(reflect.TypeFor[any]())
		}
		if err := w.host.Define(o.Fn, rv); err != nil {
			return fail(err)
		}
		return r
	case opTask:
		return w.task(ctx, o, r)
	}
	return fail(fmt.Errorf("unknown op %d", o.Kind))
}

// task calls the op's function on each of its inputs.
func (w *worker) task(ctx context.Context, o *op, r *reply) *reply {
	fail := func(at int, err error) *reply {
		r.ErrAt = at
		r.ErrKind, r.Err = errKind(err)
		return r
	}
	x, err := Unmarshal(o.Data)
	if err != nil {
		return fail(0, err)
	}
	inputs, ok := x.([][]any)
	if !ok {
		return fail(0, errCorrupt)
	}
	fn, ok := w.fns[o.Fn]
	if !ok {
		if fn, err = w.host.Lookup(o.Fn); err != nil {
			return fail(0, err)
		}
		if fn.Kind() != reflect.Func {
			return fail(0, fmt.Errorf("%s is not a function but a %s", o.Fn, fn.Type()))
		}
		w.fns[o.Fn] = fn
	}
	var res encoder
	res.uvarint(uint64(len(inputs)))
	var out *reply
	// One Run for the whole batch: the engine's setup and output flush are
	// paid once per op, not per input.
	w.host.Run(ctx, func() {
		for i, args := range inputs {
			if ctx.Err() != nil {
				return
			}
			v, cerr := call(fn, args)
			if cerr != nil {
				r.Results = w.partial(res.buf, i)
				out = fail(i, cerr)
				return
			}
			mark := len(res.buf)
			if err := res.value(v); err != nil {
				res.buf = res.buf[:mark]
				r.Results = w.partial(res.buf, i)
				out = fail(i, fmt.Errorf("its result: %w", err))
				return
			}
		}
		r.Results = res.buf
		out = r
	})
	if ctx.Err() != nil {
		return nil
	}
	return out
}

// partial rewrites the results encoded so far with their count, n.
func (w *worker) partial(buf []byte, n int) []byte {
	var e encoder
	e.uvarint(uint64(n))
	_, k := readUvarint(buf)
	return append(e.buf, buf[k:]...)
}

func readUvarint(b []byte) (uint64, int) {
	d := decoder{buf: b}
	x, err := d.uvarint()
	if err != nil {
		return 0, 0
	}
	return x, len(b) - len(d.buf)
}

// workerOutput is the worker's engine.Output: it sends what the engine
// prints to the master, which shows it as "From worker N: …". It publishes
// on the connection that carries the replies, so a task's output reaches
// the master before the task's result.
type workerOutput struct {
	w *worker
}

var _ engine.Output = (*workerOutput)(nil)

// Stream implements engine.Output.
func (o *workerOutput) Stream(name, text string) {
	w := o.w
	if w == nil || !w.online.Load() || text == "" {
		if w != nil && text != "" {
			fmt.Fprint(w.log, text)
		}
		return
	}
	m := output{Worker: w.id, Stream: name, Text: text}
	_ = w.nc.Publish(w.subj.output(), m.marshal())
}

// Display implements engine.Output: a worker's displays show as their
// text/plain form.
func (o *workerOutput) Display(d engine.Display) {
	if s, ok := d.Data["text/plain"].(string); ok {
		o.Stream("stdout", s+"\n")
	}
}

// Clear implements engine.Output; a worker cannot clear the notebook's
// output.
func (o *workerOutput) Clear(bool) {}

// Input implements engine.Output: workers have no stdin.
func (o *workerOutput) Input(context.Context, string, bool) (string, error) {
	return "", engine.ErrNoStdin
}
