package kernel

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// capture is a fake iopub socket.
type capture struct {
	mu   sync.Mutex
	w    *wire
	msgs []*message
	sent chan struct{}
}

func newCapture(w *wire) *capture { return &capture{w: w, sent: make(chan struct{}, 1<<16)} }

func (c *capture) send(frames [][]byte) error {
	m, err := c.w.decode(frames)
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.msgs = append(c.msgs, m)
	c.mu.Unlock()
	c.sent <- struct{}{}
	return nil
}

func (c *capture) all() []*message {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*message(nil), c.msgs...)
}

func newTestPublisher(t *testing.T) (*publisher, *capture) {
	w := newWire("k", "")
	c := newCapture(newWire("k", ""))
	p := newPublisher(w, c.send, t.Logf)
	t.Cleanup(func() { p.close(time.Second) })
	return p, c
}

func waitFlush(t *testing.T, p *publisher) {
	t.Helper()
	select {
	case <-p.flush():
	case <-time.After(failAfter):
		t.Fatal("flush did not complete")
	}
}

func TestPublisherKeepsOrderAndCoalescesStreams(t *testing.T) {
	p, c := newTestPublisher(t)
	// Hold the queue until everything is in it: the publisher would
	// otherwise race the test and might send the first update before the
	// second one comes.
	var queued atomic.Bool
	p.holdForSubscriber(queued.Load, failAfter)
	parent := json.RawMessage(`{"msg_id":"a"}`)
	p.stream(parent, "stdout", "one ")
	p.stream(parent, "stderr", "err1 ")
	p.stream(parent, "stdout", "two ")
	p.publish("display_data", parent, map[string]any{"data": map[string]any{}}, true)
	p.stream(parent, "stdout", "three")
	p.update(parent, "d", map[string]any{"v": 1})
	p.update(parent, "d", map[string]any{"v": 2}) // replaces the pending one
	queued.Store(true)
	waitFlush(t, p)
	var got []string
	for _, m := range c.all() {
		s := m.Header.MsgType
		if s == "stream" || s == "update_display_data" {
			s += string(m.Content)
		}
		got = append(got, s)
	}
	want := []string{
		`stream{"name":"stdout","text":"one two "}`,
		`stream{"name":"stderr","text":"err1 "}`,
		"display_data",
		`stream{"name":"stdout","text":"three"}`,
		`update_display_data{"v":2}`,
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("sent\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestPublisherBatchesStreamsInTime(t *testing.T) {
	p, c := newTestPublisher(t)
	parent := json.RawMessage(`{"msg_id":"a"}`)
	start := time.Now()
	// Writes over ~300 ms come out in a few messages, about streamDelay apart.
	for i := 0; time.Since(start) < 300*time.Millisecond; i++ {
		p.stream(parent, "stdout", "x")
		if i%1000 == 0 {
			time.Sleep(time.Millisecond) // a writer that produces output over time
		}
	}
	waitFlush(t, p)
	n := len(c.all())
	if max := maxBatches(time.Since(start)); n > max || n < 2 {
		t.Errorf("%d stream messages in %v, want between 2 and %d", n, time.Since(start), max)
	}
}

func TestPublisherPacesOutput(t *testing.T) {
	p, c := newTestPublisher(t)
	parent := json.RawMessage(`{"msg_id":"a"}`)
	// Pretend the window is full of recent messages.
	p.mu.Lock()
	now := time.Now()
	for range windowMsgs {
		p.history = append(p.history, sent{at: now})
	}
	if d := p.paceDelay(now, 0); d < rateWindow-10*time.Millisecond || d > rateWindow+10*time.Millisecond {
		t.Errorf("pace delay with a full window = %v, want about %v", d, rateWindow)
	}
	p.history = []sent{{at: now, bytes: windowBytes}}
	if d := p.paceDelay(now, 10); d <= 0 {
		t.Errorf("byte budget not enforced")
	}
	if d := p.paceDelay(now.Add(rateWindow+time.Millisecond), 10); d != 0 {
		t.Errorf("old messages still count: %v", d)
	}
	p.history = nil
	p.mu.Unlock()
	p.publish("display_data", parent, map[string]any{}, true)
	waitFlush(t, p)
	if len(c.all()) != 1 {
		t.Errorf("sent %d", len(c.all()))
	}
}

func TestPublisherHoldsForFirstSubscriber(t *testing.T) {
	p, c := newTestPublisher(t)
	var mu sync.Mutex
	subscribed := false
	p.holdForSubscriber(func() bool { mu.Lock(); defer mu.Unlock(); return subscribed }, failAfter)
	p.publish("status", nil, map[string]string{"execution_state": "starting"}, false)
	done := p.flush()
	select {
	case <-done:
		t.Fatal("message sent before anyone subscribed")
	case <-time.After(20 * time.Millisecond): // the guard polls every millisecond
	}
	mu.Lock()
	subscribed = true
	mu.Unlock()
	select {
	case <-done:
	case <-time.After(failAfter):
		t.Fatal("held message never sent")
	}
	if len(c.all()) != 1 {
		t.Errorf("sent %d messages", len(c.all()))
	}
}

func TestPublisherDisplayBackpressure(t *testing.T) {
	p, _ := newTestPublisher(t)
	parent := json.RawMessage(`{"msg_id":"a"}`)
	// More displays than maxPending never deadlock: the sender drains them.
	for range 3 * maxPending {
		p.publish("display_data", parent, map[string]any{}, true)
	}
	waitFlush(t, p)
}

// maxBatches is the most stream messages per stream that may be sent in d,
// with flushes at most every ~50 ms.
func maxBatches(d time.Duration) int { return int(d/(40*time.Millisecond)) + 2 }

func TestPublishNowSendsAtOnceWhenIdle(t *testing.T) {
	p, c := newTestPublisher(t)
	parent := json.RawMessage(`{"msg_id":"a"}`)
	waitFlush(t, p)
	p.publishNow("execute_result", parent, map[string]any{"data": map[string]any{}}, true)
	// Sent from this goroutine, before publishNow returned: nothing to
	// wait for, and a flush has nothing to wait for either.
	if got := c.all(); len(got) != 1 || got[0].Header.MsgType != "execute_result" {
		t.Fatalf("after publishNow, sent %s", summary(got))
	}
	select {
	case <-p.flush():
	default:
		t.Error("flush waits although nothing is queued or being sent")
	}
	p.mu.Lock()
	n := len(p.history)
	p.mu.Unlock()
	if n != 1 {
		t.Errorf("pacing history has %d entries after one output message, want 1", n)
	}
}

func TestPublishNowQueuesBehindPendingMessages(t *testing.T) {
	p, c := newTestPublisher(t)
	var queued atomic.Bool
	p.holdForSubscriber(queued.Load, failAfter)
	parent := json.RawMessage(`{"msg_id":"a"}`)
	p.stream(parent, "stdout", "out")
	p.publish("display_data", parent, map[string]any{"data": map[string]any{}}, true)
	p.publishNow("execute_result", parent, map[string]any{"data": map[string]any{}}, true)
	p.publishNow("status", parent, map[string]string{"execution_state": "idle"}, false)
	if n := len(c.all()); n != 0 {
		t.Fatalf("%d messages sent while the publisher holds them", n)
	}
	queued.Store(true)
	waitFlush(t, p)
	if got, want := strings.Join(types(c.all()), " "), "stream display_data execute_result status:idle"; got != want {
		t.Errorf("sent %s, want %s", got, want)
	}
}

// TestPublishNowNeverSendsConcurrently has goroutines publish through the
// queue and at once side by side: the socket sees one send at a time, and
// each goroutine's messages in the order it published them.
func TestPublishNowNeverSendsConcurrently(t *testing.T) {
	w := newWire("k", "")
	c := newCapture(newWire("k", ""))
	var inSend, overlaps atomic.Int32
	send := func(frames [][]byte) error {
		if inSend.Add(1) > 1 {
			overlaps.Add(1)
		}
		defer inSend.Add(-1)
		time.Sleep(10 * time.Microsecond) // widen the window
		return c.send(frames)
	}
	p := newPublisher(w, send, t.Logf)
	defer p.close(time.Second)
	const n = 200
	var wg sync.WaitGroup
	for g, now := range []bool{false, true, true} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			parent := json.RawMessage(fmt.Sprintf(`{"msg_id":"g%d"}`, g))
			for i := range n {
				content := map[string]int{"i": i}
				if now {
					p.publishNow("status", parent, content, false)
				} else {
					p.publish("status", parent, content, false)
				}
				time.Sleep(time.Duration(g+1) * 20 * time.Microsecond) // let the queue run dry now and then
			}
		}()
	}
	wg.Wait()
	waitFlush(t, p)
	if n := overlaps.Load(); n > 0 {
		t.Errorf("%d sends overlapped another", n)
	}
	next := map[string]int{}
	msgs := c.all()
	for _, m := range msgs {
		var cont struct{ I int }
		if err := json.Unmarshal(m.Content, &cont); err != nil {
			t.Fatal(err)
		}
		g := parentID(m)
		if cont.I != next[g] {
			t.Fatalf("%s: message %d came after %d", g, cont.I, next[g]-1)
		}
		next[g]++
	}
	if len(msgs) != 3*n {
		t.Errorf("sent %d messages, want %d", len(msgs), 3*n)
	}
}
