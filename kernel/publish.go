package kernel

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"
)

// Limits of the iopub publisher. They keep a flooding cell within the
// notebook server's default rate limits (iopub_data_rate_limit 1e6 bytes/s
// and iopub_msg_rate_limit 1000 msg/s, averaged over 3 s).
const (
	// streamDelay is how long stream text is coalesced before it is sent.
	streamDelay = 50 * time.Millisecond
	// cellStreamLimit is the stream text one cell may publish; the rest is
	// dropped after a notice.
	cellStreamLimit = 2 << 20
	// rateWindow, windowBytes and windowMsgs pace output messages.
	rateWindow  = 3 * time.Second
	windowBytes = 2_400_000
	windowMsgs  = 2_700
	// maxPending bounds queued display messages; Display waits beyond it.
	maxPending = 1000
)

type itemKind int

const (
	itemMsg itemKind = iota
	itemStream
	itemBarrier
)

// item is one entry of the publisher's ordered queue.
type item struct {
	kind itemKind
	msg  outMsg // itemMsg
	// output marks messages that count toward the rate limits.
	output bool
	// displayID is set for update_display_data, so that pending updates of
	// the same display coalesce.
	displayID string

	// itemStream
	name     string
	parent   json.RawMessage
	text     strings.Builder
	deadline time.Time

	done chan struct{} // itemBarrier
}

// sent records one published output message for pacing.
type sent struct {
	at    time.Time
	bytes int
}

// publisher owns the iopub socket: every iopub message goes through its
// queue and one goroutine sends them, in order. Enqueueing never blocks on
// the socket; stream text is coalesced per stream name. publishNow may send
// a message from the caller's goroutine instead, when nothing is queued or
// being sent: one message is sent at a time, in queue order, either way.
type publisher struct {
	w    *wire
	send func(frames [][]byte) error
	logf func(format string, args ...any)

	mu      sync.Mutex
	space   *sync.Cond // signalled when the queue shrinks
	q       []*item
	pending int // queued items of kind itemMsg with output set
	closed  bool
	// sending is set while a message taken from the queue (by run) or
	// given to publishNow is being sent: run takes nothing meanwhile, and
	// publishNow pokes it when it is done.
	sending bool
	wake    chan struct{}
	quit    chan struct{}
	stopped chan struct{}

	// history is what was sent in the last rateWindow, for pacing.
	history []sent

	// Slow-joiner guard: until subscribed
	// reports a subscriber or holdUntil passes, messages wait.
	subscribed func() bool
	holdUntil  time.Time
}

// subscriberPoll is how often the slow-joiner guard looks for a subscriber.
const subscriberPoll = time.Millisecond

// holdForSubscriber makes the publisher keep its messages until subscribed
// reports true, for at most d from now. ZeroMQ drops PUB messages that no
// one subscribed to yet, and a client that has just started (jupyter_client
// waits for iopub traffic after its first kernel_info_reply) would miss the
// kernel's first status messages and retry only 200 ms later. zmq4 has no
// subscription event, hence the polling, limited to the first d.
func (p *publisher) holdForSubscriber(subscribed func() bool, d time.Duration) {
	p.mu.Lock()
	p.subscribed = subscribed
	p.holdUntil = time.Now().Add(d)
	p.mu.Unlock()
	p.poke()
}

func newPublisher(w *wire, send func([][]byte) error, logf func(string, ...any)) *publisher {
	p := &publisher{
		w:       w,
		send:    send,
		logf:    logf,
		wake:    make(chan struct{}, 1),
		quit:    make(chan struct{}),
		stopped: make(chan struct{}),
	}
	p.space = sync.NewCond(&p.mu)
	go p.run()
	return p
}

func (p *publisher) poke() {
	select {
	case p.wake <- struct{}{}:
	default:
	}
}

// publish queues a message. Kernel messages (status, execute_input, ...)
// never wait; engine output waits while too many are queued.
func (p *publisher) publish(msgType string, parent json.RawMessage, content any, output bool) {
	p.enqueue(&item{kind: itemMsg, output: output, msg: outMsg{Header: p.w.newHeader(msgType), Parent: parent, Content: content}})
}

// publishNow is publish for the messages that end a request (its result,
// its status idle): when nothing is queued or being sent, and neither the
// slow-joiner guard nor pacing holds messages back, it sends the message at
// once from the calling goroutine, else it queues it as publish does. The
// caller, which would next wait for a flush or for its next request, saves
// two switches to the publisher's goroutine and back, some 20 to 60 µs each
// on a small, busy machine. Like publish it never waits for a subscriber:
// the socket queues what it is given.
func (p *publisher) publishNow(msgType string, parent json.RawMessage, content any, output bool) {
	it := &item{kind: itemMsg, output: output, msg: outMsg{Header: p.w.newHeader(msgType), Parent: parent, Content: content}}
	t := time.Now()
	p.mu.Lock()
	if p.closed || p.sending || len(p.q) > 0 || p.subscribed != nil || (output && p.paceDelay(t, 0) > 0) {
		p.mu.Unlock()
		p.enqueue(it)
		return
	}
	if output {
		p.history = append(p.history, sent{at: t})
	}
	p.sending = true
	p.mu.Unlock()
	p.sendMsg(it.msg)
	p.mu.Lock()
	p.sending = false
	queued := len(p.q) > 0
	p.mu.Unlock()
	if queued {
		p.poke() // what came meanwhile waited for this message
	}
}

func (p *publisher) enqueue(it *item) {
	p.mu.Lock()
	if it.output {
		for p.pending >= maxPending && !p.closed {
			p.space.Wait()
		}
		p.pending++
	}
	p.q = append(p.q, it)
	p.mu.Unlock()
	p.poke()
}

// update queues an update_display_data, replacing a pending update of the
// same display from the same cell.
func (p *publisher) update(parent json.RawMessage, id string, content any) {
	p.mu.Lock()
	for i := len(p.q) - 1; i >= 0; i-- {
		it := p.q[i]
		if it.kind == itemBarrier {
			break
		}
		if it.kind == itemMsg && it.displayID == id && string(it.msg.Parent) == string(parent) {
			it.msg.Content = content
			it.msg.Header = p.w.newHeader("update_display_data")
			p.mu.Unlock()
			return
		}
	}
	p.mu.Unlock()
	p.enqueue(&item{kind: itemMsg, output: true, displayID: id,
		msg: outMsg{Header: p.w.newHeader("update_display_data"), Parent: parent, Content: content}})
}

// stream queues stream text, appending to a pending item of the same stream
// and cell when no other message follows it.
func (p *publisher) stream(parent json.RawMessage, name, text string) {
	if text == "" {
		return
	}
	p.mu.Lock()
	for i := len(p.q) - 1; i >= 0; i-- {
		it := p.q[i]
		if it.kind != itemStream {
			break
		}
		if it.name == name && string(it.parent) == string(parent) {
			it.text.WriteString(text)
			p.mu.Unlock()
			return
		}
	}
	it := &item{kind: itemStream, name: name, parent: parent, deadline: time.Now().Add(streamDelay)}
	it.text.WriteString(text)
	p.q = append(p.q, it)
	p.mu.Unlock()
	p.poke()
}

// flush returns a channel closed once everything queued before the call has
// been handed to the socket: at once when nothing is queued or being sent.
func (p *publisher) flush() <-chan struct{} {
	it := &item{kind: itemBarrier, done: make(chan struct{})}
	p.mu.Lock()
	if p.closed || (len(p.q) == 0 && !p.sending) {
		p.mu.Unlock()
		close(it.done)
		return it.done
	}
	p.q = append(p.q, it)
	p.mu.Unlock()
	p.poke()
	return it.done
}

// close stops the run goroutine after it sent what is queued, or after
// timeout.
func (p *publisher) close(timeout time.Duration) {
	select {
	case <-p.flush():
	case <-time.After(timeout):
	}
	p.mu.Lock()
	p.closed = true
	p.space.Broadcast()
	p.mu.Unlock()
	close(p.quit)
	<-p.stopped
}

// next returns the item to send now, or how long to wait for one (0: until
// woken).
func (p *publisher) next(t time.Time) (*item, time.Duration) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.q) == 0 || p.sending {
		return nil, 0 // a sender pokes when it is done
	}
	head := p.q[0]
	if p.subscribed != nil && head.kind != itemBarrier {
		if p.subscribed() || !t.Before(p.holdUntil) {
			p.subscribed = nil
		} else {
			return nil, subscriberPoll
		}
	}
	if head.kind == itemStream && t.Before(head.deadline) {
		followed := false
		for _, it := range p.q[1:] {
			if it.kind != itemStream {
				followed = true
				break
			}
		}
		if !followed {
			return nil, head.deadline.Sub(t)
		}
	}
	paced := head.kind == itemStream || head.output
	n := 0
	if head.kind == itemStream {
		n = head.text.Len()
	}
	if paced {
		if d := p.paceDelay(t, n); d > 0 {
			return nil, d
		}
		p.history = append(p.history, sent{at: t, bytes: n})
	}
	p.q[0] = nil
	p.q = p.q[1:]
	p.sending = head.kind != itemBarrier // run clears it when sent
	if head.kind == itemMsg && head.output {
		p.pending--
		p.space.Broadcast()
	}
	return head, -1
}

// paceDelay tells how long to wait before sending n more stream bytes
// (n == 0 for another output message).
func (p *publisher) paceDelay(t time.Time, n int) time.Duration {
	cut := t.Add(-rateWindow)
	i := 0
	for i < len(p.history) && !p.history[i].at.After(cut) {
		i++
	}
	p.history = p.history[i:]
	if len(p.history) == 0 {
		return 0
	}
	bytes := 0
	for _, s := range p.history {
		bytes += s.bytes
	}
	if len(p.history)+1 > windowMsgs || (n > 0 && bytes+n > windowBytes) {
		return p.history[0].at.Sub(cut) + time.Millisecond
	}
	return 0
}

func (p *publisher) run() {
	defer close(p.stopped)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	for {
		it, wait := p.next(time.Now())
		if it == nil {
			if wait > 0 {
				timer.Reset(wait)
				select {
				case <-timer.C:
				case <-p.wake:
					timer.Stop()
				case <-p.quit:
					return
				}
			} else {
				select {
				case <-p.wake:
				case <-p.quit:
					return
				}
			}
			continue
		}
		switch it.kind {
		case itemBarrier:
			close(it.done)
			continue
		case itemStream:
			text := it.text.String()
			p.sendMsg(outMsg{
				Header:  p.w.newHeader("stream"),
				Parent:  it.parent,
				Content: map[string]string{"name": it.name, "text": text},
			})
		case itemMsg:
			p.sendMsg(it.msg)
		}
		p.mu.Lock()
		p.sending = false
		p.mu.Unlock()
	}
}

func (p *publisher) sendMsg(m outMsg) {
	topic := []byte(fmt.Sprintf("kernel.%s.%s", p.w.session, m.Header.MsgType))
	frames, err := p.w.encode(m, topic)
	if err != nil {
		p.logf("iopub: cannot encode %s: %v", m.Header.MsgType, err)
		return
	}
	if err := p.send(frames); err != nil {
		p.logf("iopub: cannot send %s: %v", m.Header.MsgType, err)
	}
}
