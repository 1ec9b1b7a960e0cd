package dist

import (
	"fmt"
	"strconv"
	"time"
)

// The messages between the master (the notebook's engine) and its workers,
// and the NATS subjects they travel on. P is the cluster's subject prefix
// ("gopar" unless configured), M the master's id, a random string that
// changes whenever a master starts.
//
//	P.join            worker → master, request: a worker asks to join (a join
//	                  message); the master, subscribed in queue group
//	                  "masters", answers with its id and the worker's id.
//	P.M.hb            master → workers: the master's heartbeat; a worker that
//	                  stops hearing it ends (its master is gone).
//	P.M.w.ID          master → worker ID: an op (a task, a cell, a variable, a
//	                  cancel, a goodbye). Ops that expect an answer carry a
//	                  sequence number S and the reply subject P.M.m.r.S.
//	P.M.m.r.S         worker → master: the reply to op S.
//	P.M.m.out         worker → master: output of the worker's engine.
//	P.M.m.hb          worker → master: the worker's heartbeat, with the ops
//	                  it holds.
//
// A worker publishes its output, replies and heartbeats on subjects that
// the master receives through one subscription (P.M.m.>), so the master
// sees them in the order the worker sent them: a task's output before its
// result, a result before the next heartbeat.

// Op kinds, master → worker.
const (
	opTask   byte = 1 // call Fn on each input of Data
	opExec   byte = 2 // run the cell Fn
	opDefine byte = 3 // define variable Fn with the value in Data
	opCancel byte = 4 // drop job Job's ops and cancel the running one
	opBye    byte = 5 // end the worker
)

// op is a message from the master to a worker.
type op struct {
	Kind byte
	Seq  uint64 // 0 for cancel and bye, which get no reply
	Job  uint64
	Fn   string // task: the function; exec: the source; define: the name
	Data []byte // task: the encoded inputs ([][]any); define: the encoded value
}

func (m *op) marshal() []byte {
	e := encoder{buf: make([]byte, 0, 32+len(m.Fn)+len(m.Data))}
	e.byte(m.Kind)
	e.uvarint(m.Seq)
	e.uvarint(m.Job)
	e.string(m.Fn)
	e.bytes(m.Data)
	return e.buf
}

func (m *op) unmarshal(b []byte) (err error) {
	d := decoder{buf: b}
	if m.Kind, err = d.byte(); err != nil {
		return err
	}
	if m.Seq, err = d.uvarint(); err != nil {
		return err
	}
	if m.Job, err = d.uvarint(); err != nil {
		return err
	}
	if m.Fn, err = d.string(); err != nil {
		return err
	}
	m.Data, err = d.bytes()
	return err
}

// reply is a worker's answer to an op.
type reply struct {
	Seq     uint64
	Worker  int
	Results []byte // task: uvarint count, then the encoded result of each input done
	ErrKind byte   // errKindNone, errKindError or errKindPanic
	ErrAt   int    // task: the input (within the op) that failed
	Err     string
}

func (m *reply) marshal() []byte {
	e := encoder{buf: make([]byte, 0, 24+len(m.Results)+len(m.Err))}
	e.uvarint(m.Seq)
	e.varint(int64(m.Worker))
	e.bytes(m.Results)
	e.byte(m.ErrKind)
	e.varint(int64(m.ErrAt))
	e.string(m.Err)
	return e.buf
}

func (m *reply) unmarshal(b []byte) (err error) {
	d := decoder{buf: b}
	if m.Seq, err = d.uvarint(); err != nil {
		return err
	}
	w, err := d.varint()
	if err != nil {
		return err
	}
	m.Worker = int(w)
	if m.Results, err = d.bytes(); err != nil {
		return err
	}
	if m.ErrKind, err = d.byte(); err != nil {
		return err
	}
	at, err := d.varint()
	if err != nil {
		return err
	}
	m.ErrAt = int(at)
	m.Err, err = d.string()
	return err
}

// output is text a worker's engine printed.
type output struct {
	Worker int
	Stream string // "stdout" or "stderr"
	Text   string
}

func (m *output) marshal() []byte {
	e := encoder{}
	e.varint(int64(m.Worker))
	e.string(m.Stream)
	e.string(m.Text)
	return e.buf
}

func (m *output) unmarshal(b []byte) (err error) {
	d := decoder{buf: b}
	w, err := d.varint()
	if err != nil {
		return err
	}
	m.Worker = int(w)
	if m.Stream, err = d.string(); err != nil {
		return err
	}
	m.Text, err = d.string()
	return err
}

// heartbeat is a worker's periodic sign of life: the highest op sequence
// number it has received and the ops it holds (queued or running), from
// which the master learns which ops or replies were lost on the way.
type heartbeat struct {
	Worker int
	MaxSeq uint64
	Held   []uint64
}

func (m *heartbeat) marshal() []byte {
	e := encoder{}
	e.varint(int64(m.Worker))
	e.uvarint(m.MaxSeq)
	e.uvarint(uint64(len(m.Held)))
	for _, s := range m.Held {
		e.uvarint(s)
	}
	return e.buf
}

func (m *heartbeat) unmarshal(b []byte) (err error) {
	d := decoder{buf: b}
	w, err := d.varint()
	if err != nil {
		return err
	}
	m.Worker = int(w)
	if m.MaxSeq, err = d.uvarint(); err != nil {
		return err
	}
	n, err := d.count(1)
	if err != nil {
		return err
	}
	m.Held = make([]uint64, n)
	for i := range m.Held {
		if m.Held[i], err = d.uvarint(); err != nil {
			return err
		}
	}
	return nil
}

// join is a worker's request to join a master, and the master's answer.
type join struct {
	ID     int    // request: the id the master gave a local worker (0: any); answer: the worker's id
	PID    int    // request: the worker's process id
	Host   string // request: the worker's host name
	Master string // answer: the master's id
	HB     time.Duration
	Lost   time.Duration // answer: after this long without the master's heartbeat, the worker ends
	Err    string        // answer: why the master refuses
}

func (m *join) marshal() []byte {
	e := encoder{}
	e.varint(int64(m.ID))
	e.varint(int64(m.PID))
	e.string(m.Host)
	e.string(m.Master)
	e.varint(int64(m.HB))
	e.varint(int64(m.Lost))
	e.string(m.Err)
	return e.buf
}

func (m *join) unmarshal(b []byte) error {
	d := decoder{buf: b}
	var ints [2]int64
	for i := range ints {
		x, err := d.varint()
		if err != nil {
			return err
		}
		ints[i] = x
	}
	m.ID, m.PID = int(ints[0]), int(ints[1])
	var err error
	if m.Host, err = d.string(); err != nil {
		return err
	}
	if m.Master, err = d.string(); err != nil {
		return err
	}
	hb, err := d.varint()
	if err != nil {
		return err
	}
	lost, err := d.varint()
	if err != nil {
		return err
	}
	m.HB, m.Lost = time.Duration(hb), time.Duration(lost)
	m.Err, err = d.string()
	return err
}

// subjects names the subjects of one master.
type subjects struct {
	prefix, master string
}

func (s subjects) join() string     { return s.prefix + ".join" }
func (s subjects) masterHB() string { return s.prefix + "." + s.master + ".hb" }
func (s subjects) toWorker(id int) string {
	return s.prefix + "." + s.master + ".w." + strconv.Itoa(id)
}
func (s subjects) toMaster() string { return s.prefix + "." + s.master + ".m.>" }
func (s subjects) replyTo(seq uint64) string {
	return s.prefix + "." + s.master + ".m.r." + strconv.FormatUint(seq, 10)
}
func (s subjects) output() string   { return s.prefix + "." + s.master + ".m.out" }
func (s subjects) workerHB() string { return s.prefix + "." + s.master + ".m.hb" }

// kindOf classifies a subject received on toMaster: "r" with the sequence
// number, "out" or "hb".
func (s subjects) kindOf(subject string) (kind string, seq uint64, err error) {
	base := s.prefix + "." + s.master + ".m."
	if len(subject) <= len(base) || subject[:len(base)] != base {
		return "", 0, fmt.Errorf("dist: unexpected subject %q", subject)
	}
	rest := subject[len(base):]
	switch {
	case rest == "out" || rest == "hb":
		return rest, 0, nil
	case len(rest) > 2 && rest[:2] == "r.":
		seq, err := strconv.ParseUint(rest[2:], 10, 64)
		return "r", seq, err
	}
	return "", 0, fmt.Errorf("dist: unexpected subject %q", subject)
}

// validPrefix tells whether p can prefix subjects: tokens of letters,
// digits, '-' and '_', separated by dots.
func validPrefix(p string) bool {
	if p == "" {
		return false
	}
	tok := 0
	for _, r := range p {
		switch {
		case r == '.':
			if tok == 0 {
				return false
			}
			tok = 0
		case r == '-' || r == '_' || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z') || ('0' <= r && r <= '9'):
			tok++
		default:
			return false
		}
	}
	return tok > 0
}
