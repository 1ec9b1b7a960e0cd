package kernel

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/go-zeromq/zmq4"

	"github.com/gopar/gopar/kernel/kerneltest"
)

const testKey = "0b7f2a0c-secret"

func TestKernelInfoOnShellAndControl(t *testing.T) {
	c := startKernel(t, kernelOptions{key: testKey})
	// "starting" is published once, without parent, and reaches a client
	// that connected at once (the publisher waits for a first subscriber).
	c.iopubBox.mu.Lock()
	all := append([]*message(nil), c.iopubBox.msgs...)
	c.iopubBox.mu.Unlock()
	var starting []*message
	for _, m := range all {
		if strings.Contains(string(m.Content), "starting") {
			starting = append(starting, m)
		}
	}
	if len(starting) != 1 || string(starting[0].Parent) != "{}" || all[0] != starting[0] {
		t.Errorf("starting status: %d messages; iopub %s", len(starting), summary(all))
	}
	for _, ch := range []struct {
		name string
		s    zmq4.Socket
		b    *box
	}{{"shell", c.shell, c.shellBox}, {"control", c.control, c.controlBox}} {
		id := c.send(ch.s, "kernel_info_request", map[string]any{})
		r := c.reply(ch.b, id)
		if r.Header.MsgType != "kernel_info_reply" {
			t.Fatalf("%s: reply type %s", ch.name, r.Header.MsgType)
		}
		got := content(t, r)
		if got["status"] != "ok" || got["protocol_version"] != "5.3" || got["implementation"] != "kerneltest" ||
			got["banner"] != "the toy engine of package kernel's tests" || got["help_links"] == nil {
			t.Errorf("%s: kernel_info_reply = %v", ch.name, got)
		}
		li, _ := got["language_info"].(map[string]any)
		if li["name"] != "toy" || li["mimetype"] != "text/plain" {
			t.Errorf("%s: language_info = %v", ch.name, li)
		}
		if want := []string{"status:busy", "status:idle"}; !slices.Equal(types(c.untilIdle(id)), want) {
			t.Errorf("%s: iopub = %v, want %v", ch.name, types(c.untilIdle(id)), want)
		}
		if r.Header.Version != "5.3" || !regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$`).MatchString(r.Header.Date) {
			t.Errorf("%s: header %+v", ch.name, r.Header)
		}
	}
}

func TestExecuteMessageOrder(t *testing.T) {
	c := startKernel(t, kernelOptions{key: testKey})
	r, io := c.execute("out:hello\nresult:42", nil)
	want := []string{"status:busy", "execute_input", "stream", "execute_result", "status:idle"}
	if !slices.Equal(types(io), want) {
		t.Fatalf("iopub order = %v, want %v", types(io), want)
	}
	if got := content(t, io[2]); got["name"] != "stdout" || got["text"] != "hello\n" {
		t.Errorf("stream = %v", got)
	}
	res := content(t, io[3])
	if res["execution_count"] != 1.0 || res["data"].(map[string]any)["text/plain"] != "42" {
		t.Errorf("execute_result = %v", res)
	}
	in := content(t, io[1])
	if in["code"] != "out:hello\nresult:42" || in["execution_count"] != 1.0 {
		t.Errorf("execute_input = %v", in)
	}
	rep := content(t, r)
	if rep["status"] != "ok" || rep["execution_count"] != 1.0 || rep["payload"] == nil || rep["user_expressions"] == nil {
		t.Errorf("execute_reply = %v", rep)
	}
	// Every message carries one session id, that of the kernel process.
	sessions := map[string]bool{r.Header.Session: true}
	for _, m := range io {
		sessions[m.Header.Session] = true
	}
	if len(sessions) != 1 {
		t.Errorf("several sessions: %v", sessions)
	}

	// The counter goes on; stderr, displays, clear and an error show up.
	r, io = c.execute("err:warn\ndisplay:pic\nclear\nfail:boom", nil)
	want = []string{"status:busy", "execute_input", "stream", "display_data", "clear_output", "error", "status:idle"}
	if !slices.Equal(types(io), want) {
		t.Fatalf("iopub order = %v, want %v", types(io), want)
	}
	if got := content(t, io[2]); got["name"] != "stderr" {
		t.Errorf("stream = %v", got)
	}
	disp := content(t, io[3])
	if disp["data"].(map[string]any)["text/plain"] != "pic" || disp["transient"].(map[string]any)["display_id"] != kerneltest.DisplayID {
		t.Errorf("display_data = %v", disp)
	}
	e := content(t, io[5])
	if e["ename"] != string(kerneltest.FailKind) || e["evalue"] != "boom" || len(e["traceback"].([]any)) != 1 {
		t.Errorf("error = %v", e)
	}
	rep = content(t, r)
	if rep["status"] != "error" || rep["execution_count"] != 2.0 || rep["ename"] != string(kerneltest.FailKind) || rep["evalue"] != "boom" || rep["traceback"] == nil {
		t.Errorf("execute_reply = %v", rep)
	}

	// Silent: no broadcast output and no new execution count.
	r, io = c.execute("out:hidden\nresult:1", map[string]any{"silent": true})
	if want := []string{"status:busy", "status:idle"}; !slices.Equal(types(io), want) {
		t.Errorf("silent iopub = %v, want %v", types(io), want)
	}
	if rep := content(t, r); rep["status"] != "ok" || rep["execution_count"] != 2.0 {
		t.Errorf("silent reply = %v", rep)
	}
	// store_history false: no count increment either.
	r, _ = c.execute("result:1", map[string]any{"store_history": false})
	if rep := content(t, r); rep["execution_count"] != 2.0 {
		t.Errorf("store_history=false reply = %v", rep)
	}

	// user_expressions and payloads come back in the reply.
	r, _ = c.execute("page:help text", map[string]any{"user_expressions": map[string]any{"x": "1+1"}})
	rep = content(t, r)
	ue := rep["user_expressions"].(map[string]any)["x"].(map[string]any)
	if ue["status"] != "ok" || ue["data"].(map[string]any)["text/plain"] != "value of 1+1" {
		t.Errorf("user_expressions = %v", rep["user_expressions"])
	}
	if p := rep["payload"].([]any); len(p) != 1 || p[0].(map[string]any)["source"] != "page" {
		t.Errorf("payload = %v", rep["payload"])
	}
	if rep["execution_count"] != 3.0 {
		t.Errorf("execution_count = %v, want 3", rep["execution_count"])
	}
}

func TestUpdateDisplayAndEnginePanic(t *testing.T) {
	c := startKernel(t, kernelOptions{key: testKey})
	_, io := c.execute("display:v1\nupdate:v2", nil)
	if want := []string{"status:busy", "execute_input", "display_data", "update_display_data", "status:idle"}; !slices.Equal(types(io), want) {
		t.Fatalf("iopub = %v, want %v", types(io), want)
	}
	up := content(t, io[3])
	if up["data"].(map[string]any)["text/plain"] != "v2" || up["transient"].(map[string]any)["display_id"] != kerneltest.DisplayID {
		t.Errorf("update_display_data = %v", up)
	}
	// A panicking engine is an error reply, not a dead kernel.
	r, _ := c.execute("panic:oops", nil)
	if rep := content(t, r); rep["status"] != "error" || rep["ename"] != "InternalError" {
		t.Errorf("reply = %v", rep)
	}
	r, _ = c.execute("result:alive", nil)
	if rep := content(t, r); rep["status"] != "ok" {
		t.Errorf("after panic: %v", rep)
	}
}

func TestSigning(t *testing.T) {
	c := startKernel(t, kernelOptions{key: testKey})

	// A forged signature and an unsigned message are dropped.
	forgedID, frames := c.build("kernel_info_request", map[string]any{})
	frames[1] = []byte(strings.Repeat("0", 64))
	c.sendFrames(c.shell, frames)
	unsignedID, frames := c.build("kernel_info_request", map[string]any{})
	frames[1] = nil
	c.sendFrames(c.shell, frames)
	// A replayed message is dropped too.
	goodID, frames := c.build("kernel_info_request", map[string]any{})
	c.sendFrames(c.shell, frames)
	c.reply(c.shellBox, goodID)
	c.sendFrames(c.shell, frames)

	// Shell answers in order: once this reply is in, the others would be too.
	lastID := c.send(c.shell, "kernel_info_request", map[string]any{})
	c.reply(c.shellBox, lastID)
	c.shellBox.mu.Lock()
	replies := 0
	for _, m := range c.shellBox.msgs {
		switch parentID(m) {
		case forgedID, unsignedID:
			t.Errorf("the kernel answered a bad message")
		case goodID:
			replies++
		}
	}
	c.shellBox.mu.Unlock()
	if replies != 1 {
		t.Errorf("the good message got %d replies, want 1 (replay must be dropped)", replies)
	}
	log := c.log.String()
	for _, want := range []string{"bad signature", "unsigned message", "replayed signature"} {
		if strings.Count(log, want) != 1 {
			t.Errorf("log has %d lines with %q, want 1:\n%s", strings.Count(log, want), want, log)
		}
	}
	// The kernel's own messages are signed with the key.
	r := c.reply(c.shellBox, lastID)
	if len(r.Header.MsgID) == 0 {
		t.Error("no header")
	}
}

func TestEmptyKeyMeansNoSigning(t *testing.T) {
	c := startKernel(t, kernelOptions{key: ""})
	if want := "has an empty key: messages are not signed"; !strings.Contains(c.log.String(), want) {
		t.Errorf("log lacks the warning %q:\n%s", want, c.log.String())
	}
	id := c.send(c.shell, "kernel_info_request", map[string]any{})
	if r := c.reply(c.shellBox, id); content(t, r)["status"] != "ok" {
		t.Errorf("reply %v", content(t, r))
	}
	// An arbitrary signature is ignored without a key.
	id, frames := c.build("kernel_info_request", map[string]any{})
	frames[1] = []byte("whatever")
	c.sendFrames(c.shell, frames)
	c.reply(c.shellBox, id)
}

func TestBadInputNeverCrashes(t *testing.T) {
	c := startKernel(t, kernelOptions{key: testKey})
	sign := func(parts ...string) []byte {
		var bs [][]byte
		for _, p := range parts {
			bs = append(bs, []byte(p))
		}
		return c.w.sign(bs...)
	}
	hdr := func(typ string) string {
		h := c.w.newHeader(typ)
		b, _ := json.Marshal(h)
		return string(b)
	}
	bad := [][][]byte{
		{[]byte("garbage")},
		{[]byte("<IDS|MSG>"), []byte("sig")},
		{[]byte("<IDS|MSG>"), sign("not json", "{}", "{}", "{}"), []byte("not json"), []byte("{}"), []byte("{}"), []byte("{}")},
		{[]byte("<IDS|MSG>"), sign("{}", "{}", "{}", "{}"), []byte("{}"), []byte("{}"), []byte("{}"), []byte("{}")},
		{[]byte("<IDS|MSG>"), sign(hdr("execute_request"), "{}", "{}", "[1,2"), []byte(hdr("execute_request")), []byte("{}"), []byte("{}"), []byte("[1,2")},
	}
	h2 := hdr("execute_request")
	bad = append(bad, [][]byte{[]byte("<IDS|MSG>"), sign(h2, "{}", "{}", "[]"), []byte(h2), []byte("{}"), []byte("{}"), []byte("[]")})
	for _, frames := range bad {
		c.sendFrames(c.shell, frames)
		c.sendFrames(c.control, frames)
	}
	// Content of the wrong shape gets an error reply.
	id := c.send(c.shell, "execute_request", map[string]any{"code": 5})
	if r := content(t, c.reply(c.shellBox, id)); r["status"] != "error" || r["ename"] != "BadRequest" {
		t.Errorf("bad content reply = %v", r)
	}
	// Unknown requests get an error reply of the matching type.
	id = c.send(c.shell, "frobnicate_request", map[string]any{})
	r := c.reply(c.shellBox, id)
	if got := content(t, r); r.Header.MsgType != "frobnicate_reply" || got["status"] != "error" || got["ename"] != "UnknownMessageType" {
		t.Errorf("unknown request reply: %s %v", r.Header.MsgType, got)
	}
	if want := []string{"status:busy", "status:idle"}; !slices.Equal(types(c.untilIdle(id)), want) {
		t.Errorf("unknown request iopub = %v", types(c.untilIdle(id)))
	}
	id = c.send(c.control, "debug_request", map[string]any{})
	if r := c.reply(c.controlBox, id); r.Header.MsgType != "debug_reply" {
		t.Errorf("debug_request reply type %s", r.Header.MsgType)
	}
	// Unknown non-requests are only logged.
	c.send(c.shell, "frobnicate", map[string]any{})
	// Huge messages (10 MB) are served.
	big := "result:big\n" + strings.Repeat("x", 10<<20)
	rep, io := c.execute(big, nil)
	if content(t, rep)["status"] != "ok" || len(io) != 4 {
		t.Errorf("huge cell: %v, iopub %v", content(t, rep)["status"], types(io))
	}
	if in := content(t, io[1]); in["code"] != big {
		t.Errorf("execute_input of the huge cell lost data")
	}
	log := c.log.String()
	for _, want := range []string{"no <IDS|MSG> delimiter", "frames after <IDS|MSG>", "header is not a JSON object", "header has no msg_type", "content is not a JSON object", `unknown message type "frobnicate"`} {
		if !strings.Contains(log, want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
	if strings.Count(log, "\n") < 12 {
		t.Errorf("expected one log line per dropped message:\n%s", log)
	}
}

func TestCompleteInspectIsComplete(t *testing.T) {
	c := startKernel(t, kernelOptions{key: testKey})
	id := c.send(c.shell, "complete_request", map[string]any{"code": "out:é\npa", "cursor_pos": 8})
	got := content(t, c.reply(c.shellBox, id))
	if got["status"] != "ok" || got["cursor_start"] != 6.0 || got["cursor_end"] != 8.0 || len(got["matches"].([]any)) != 2 || got["metadata"] == nil {
		t.Errorf("complete_reply = %v", got)
	}
	id = c.send(c.shell, "inspect_request", map[string]any{"code": "fmt", "cursor_pos": 2, "detail_level": 1})
	got = content(t, c.reply(c.shellBox, id))
	if got["status"] != "ok" || got["found"] != true || got["data"].(map[string]any)["text/plain"] != "doc of fmt at 2 (detail 1)" {
		t.Errorf("inspect_reply = %v", got)
	}
	id = c.send(c.shell, "inspect_request", map[string]any{"code": "", "cursor_pos": 0})
	if got = content(t, c.reply(c.shellBox, id)); got["found"] != false || got["data"] == nil {
		t.Errorf("inspect_reply (not found) = %v", got)
	}
	for code, want := range map[string][2]string{`out:x\`: {"incomplete", "  "}, "out:x": {"complete", ""}, "!bad": {"invalid", ""}} {
		id = c.send(c.shell, "is_complete_request", map[string]any{"code": code})
		got = content(t, c.reply(c.shellBox, id))
		indent, _ := got["indent"].(string)
		if got["status"] != want[0] || indent != want[1] {
			t.Errorf("is_complete(%q) = %v", code, got)
		}
	}
	// On control these are refused, since the engine may be busy.
	id = c.send(c.control, "complete_request", map[string]any{"code": "x", "cursor_pos": 1})
	if r := c.reply(c.controlBox, id); r.Header.MsgType != "complete_reply" || content(t, r)["status"] != "error" {
		t.Errorf("complete on control: %s %v", r.Header.MsgType, content(t, r))
	}
}

// TestShellOnlyTypesOnControl checks that the requests that need the
// engine are refused on control, with an error reply of their type.
func TestShellOnlyTypesOnControl(t *testing.T) {
	c := startKernel(t, kernelOptions{key: testKey})
	for _, typ := range []string{"execute_request", "complete_request", "inspect_request", "is_complete_request"} {
		id := c.send(c.control, typ, map[string]any{"code": "out:x", "cursor_pos": 1})
		r := c.reply(c.controlBox, id)
		got := content(t, r)
		if want := strings.TrimSuffix(typ, "_request") + "_reply"; r.Header.MsgType != want || got["status"] != "error" || got["ename"] != "BadRequest" {
			t.Errorf("%s on control: %s %v, want a BadRequest %s", typ, r.Header.MsgType, got, want)
		}
		if want := []string{"status:busy", "status:idle"}; !slices.Equal(types(c.untilIdle(id)), want) {
			t.Errorf("%s on control: iopub %v, want %v", typ, types(c.untilIdle(id)), want)
		}
	}
	if len(c.eng.Started) != 0 {
		t.Errorf("a cell ran from control: %q", <-c.eng.Started)
	}
}

func TestStopOnErrorAbortsQueued(t *testing.T) {
	queued := make(chan string, 100)
	c := startKernel(t, kernelOptions{key: testKey, hooks: &testHooks{queued: func(typ string, depth int) { queued <- typ }}})
	drain := func() {
		for len(queued) > 0 {
			<-queued
		}
	}
	drain()
	exec := func(code string, extra map[string]any) string {
		cont := map[string]any{"code": code, "silent": false}
		for k, v := range extra {
			cont[k] = v
		}
		return c.send(c.shell, "execute_request", cont)
	}
	waitQueued := func(n int) {
		for range n {
			select {
			case <-queued:
			case <-time.After(failAfter):
				t.Fatal("requests were not queued")
			}
		}
	}
	a := exec("gate:a\nfail:first", nil)
	waitQueued(1)
	<-c.eng.Started // a runs
	b := exec("result:b", nil)
	info := c.send(c.shell, "kernel_info_request", map[string]any{})
	d := exec("result:d", nil)
	waitQueued(3)
	c.eng.Open("a")
	if r := content(t, c.reply(c.shellBox, a)); r["status"] != "error" || r["execution_count"] != 1.0 {
		t.Errorf("a: %v", r)
	}
	for _, id := range []string{b, d} {
		if r := content(t, c.reply(c.shellBox, id)); r["status"] != "aborted" {
			t.Errorf("queued request: %v, want aborted", r)
		}
		if want := []string{"status:busy", "status:idle"}; !slices.Equal(types(c.untilIdle(id)), want) {
			t.Errorf("aborted iopub = %v", types(c.untilIdle(id)))
		}
	}
	if r := content(t, c.reply(c.shellBox, info)); r["status"] != "ok" {
		t.Errorf("kernel_info during abort: %v", r)
	}
	// Requests after the abort run again.
	e := exec("result:e", nil)
	if r := content(t, c.reply(c.shellBox, e)); r["status"] != "ok" || r["execution_count"] != 2.0 {
		t.Errorf("after abort: %v", r)
	}

	// With stop_on_error false, the queue goes on.
	drain()
	f := exec("gate:f\nfail:second", map[string]any{"stop_on_error": false})
	waitQueued(1)
	for len(c.eng.Started) > 0 {
		<-c.eng.Started
	}
	g := exec("result:g", nil)
	waitQueued(1)
	c.eng.Open("f")
	if r := content(t, c.reply(c.shellBox, f)); r["status"] != "error" {
		t.Errorf("f: %v", r)
	}
	if r := content(t, c.reply(c.shellBox, g)); r["status"] != "ok" {
		t.Errorf("g after stop_on_error=false: %v", r)
	}
}

// interruptTest runs a blocking cell, interrupts it with interrupt and
// checks the kernel answers and keeps serving.
func interruptTest(t *testing.T, interrupt func(c *client)) {
	c := startKernel(t, kernelOptions{key: testKey})
	id := c.send(c.shell, "execute_request", map[string]any{"code": "out:before\nblock", "silent": false})
	select {
	case <-c.eng.Started:
	case <-time.After(failAfter):
		t.Fatal("cell did not start")
	}
	interrupt(c)
	r := content(t, c.reply(c.shellBox, id))
	if r["status"] != "error" || r["ename"] != "Interrupt" || r["execution_count"] != 1.0 {
		t.Errorf("interrupted reply = %v", r)
	}
	io := c.untilIdle(id)
	if want := []string{"status:busy", "execute_input", "stream", "error", "status:idle"}; !slices.Equal(types(io), want) {
		t.Errorf("iopub = %v, want %v", types(io), want)
	}
	r2, _ := c.execute("result:still here", nil)
	if got := content(t, r2); got["status"] != "ok" || got["execution_count"] != 2.0 {
		t.Errorf("after interrupt: %v", got)
	}
}

func TestInterruptRequestOnControl(t *testing.T) {
	interruptTest(t, func(c *client) {
		// Control is served while the cell runs.
		id := c.send(c.control, "kernel_info_request", map[string]any{})
		c.reply(c.controlBox, id)
		id = c.send(c.control, "interrupt_request", map[string]any{})
		if r := c.reply(c.controlBox, id); r.Header.MsgType != "interrupt_reply" || content(t, r)["status"] != "ok" {
			t.Errorf("interrupt_reply: %v", content(t, r))
		}
	})
}

// TestInterruptWhileIdle checks that an interrupt with no running cell
// reaches the engine as InterruptIdle, and that a shutdown does not.
func TestInterruptWhileIdle(t *testing.T) {
	c := startKernel(t, kernelOptions{key: testKey})
	id := c.send(c.control, "interrupt_request", map[string]any{})
	if r := c.reply(c.controlBox, id); r.Header.MsgType != "interrupt_reply" || content(t, r)["status"] != "ok" {
		t.Fatalf("interrupt_reply: %v", content(t, r))
	}
	if n := c.eng.IdleInterrupts(); n != 1 {
		t.Errorf("InterruptIdle called %d times, want 1", n)
	}
	r, _ := c.execute("result:fine", nil)
	if got := content(t, r); got["status"] != "ok" {
		t.Errorf("after an idle interrupt: %v", got)
	}
	if n := c.eng.IdleInterrupts(); n != 1 {
		t.Errorf("InterruptIdle called %d times after a cell, want 1", n)
	}
}

func TestInterruptBySIGINT(t *testing.T) {
	interruptTest(t, func(c *client) {
		if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
			t.Fatal(err)
		}
	})
}

func TestStdinRoundTrip(t *testing.T) {
	c := startKernel(t, kernelOptions{key: testKey})
	id := c.send(c.shell, "execute_request", map[string]any{"code": "out:asking\ninput:Name? ", "allow_stdin": true})
	req := c.reply(c.stdinBox, id)
	if req.Header.MsgType != "input_request" || content(t, req)["prompt"] != "Name? " || content(t, req)["password"] != false {
		t.Fatalf("input_request = %s %v", req.Header.MsgType, content(t, req))
	}
	// The output before the prompt is already published.
	c.iopubBox.waitFor(t, "stream before input", func(ms []*message) bool {
		for _, m := range ms {
			if parentID(m) == id && m.Header.MsgType == "stream" {
				return true
			}
		}
		return false
	})
	frames, err := c.w.encode(outMsg{Header: c.w.newHeader("input_reply"), Parent: req.RawHeader, Content: map[string]any{"value": "gopher", "status": "ok"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	c.sendFrames(c.stdin, frames)
	r := content(t, c.reply(c.shellBox, id))
	if r["status"] != "ok" {
		t.Fatalf("reply = %v", r)
	}
	var text string
	for _, m := range c.untilIdle(id) {
		if m.Header.MsgType == "stream" {
			text += content(t, m)["text"].(string)
		}
	}
	if text != "asking\ngot gopher\n" {
		t.Errorf("stream = %q", text)
	}

	// Without allow_stdin, Input fails at once.
	r2, _ := c.execute("input:x", map[string]any{"allow_stdin": false})
	if got := content(t, r2); got["status"] != "error" || !strings.Contains(got["evalue"].(string), "stdin is not supported") {
		t.Errorf("no-stdin reply = %v", got)
	}

	// An interrupt ends the wait.
	id = c.send(c.shell, "execute_request", map[string]any{"code": "input:again", "allow_stdin": true})
	c.reply(c.stdinBox, id)
	c.send(c.control, "interrupt_request", map[string]any{})
	if got := content(t, c.reply(c.shellBox, id)); got["status"] != "error" || !strings.Contains(got["evalue"].(string), "context canceled") {
		t.Errorf("interrupted input reply = %v", got)
	}
}

func TestShutdown(t *testing.T) {
	for _, tc := range []struct {
		name    string
		channel string
		restart bool
	}{{"control-restart", "control", true}, {"shell", "shell", false}} {
		t.Run(tc.name, func(t *testing.T) {
			c := startKernel(t, kernelOptions{key: testKey})
			s, b := c.control, c.controlBox
			if tc.channel == "shell" {
				s, b = c.shell, c.shellBox
			}
			id := c.send(s, "shutdown_request", map[string]any{"restart": tc.restart})
			r := c.reply(b, id)
			if got := content(t, r); r.Header.MsgType != "shutdown_reply" || got["status"] != "ok" || got["restart"] != tc.restart {
				t.Errorf("shutdown_reply = %s %v", r.Header.MsgType, got)
			}
			select {
			case err := <-c.done:
				c.done <- err // for the cleanup
				if err != nil {
					t.Errorf("Serve returned %v, want nil", err)
				}
			case <-time.After(failAfter):
				t.Fatal("Serve did not return after shutdown_request")
			}
			if !c.eng.Closed() {
				t.Error("engine not closed")
			}
			io := c.untilIdle(id)
			if want := []string{"status:busy", "shutdown_reply", "status:idle"}; !slices.Equal(types(io), want) {
				t.Errorf("iopub = %v, want %v", types(io), want)
			}
		})
	}
}

func TestShutdownWhileCellRuns(t *testing.T) {
	c := startKernel(t, kernelOptions{key: testKey})
	c.send(c.shell, "execute_request", map[string]any{"code": "block"})
	<-c.eng.Started
	c.send(c.control, "shutdown_request", map[string]any{"restart": false})
	select {
	case err := <-c.done:
		c.done <- err
		if err != nil {
			t.Errorf("Serve returned %v", err)
		}
	case <-time.After(failAfter):
		t.Fatal("Serve did not return")
	}
}

func TestMillionLinesAreCoalescedAndTruncated(t *testing.T) {
	c := startKernel(t, kernelOptions{key: testKey})
	start := time.Now()
	r, io := c.execute("lines:1000000\nresult:done", nil)
	elapsed := time.Since(start)
	if content(t, r)["status"] != "ok" {
		t.Fatalf("reply %v", content(t, r))
	}
	var stdout, stderr strings.Builder
	streams := 0
	for _, m := range io {
		if m.Header.MsgType == "stream" {
			streams++
			cont := content(t, m)
			if cont["name"] == "stdout" {
				stdout.WriteString(cont["text"].(string))
			} else {
				stderr.WriteString(cont["text"].(string))
			}
		}
	}
	if streams > 2*maxBatches(elapsed) {
		t.Errorf("%d stream messages in %v, want coalescing", streams, elapsed)
	}
	if stdout.Len() > cellStreamLimit || stdout.Len() < cellStreamLimit-16 {
		t.Errorf("stdout has %d bytes, want about %d", stdout.Len(), cellStreamLimit)
	}
	if !strings.HasPrefix(stdout.String(), "0\n1\n2\n") {
		t.Errorf("stdout starts %q", stdout.String()[:20])
	}
	if n := strings.Count(stderr.String(), "[output truncated"); n != 1 {
		t.Errorf("truncation notice appears %d times in stderr %q", n, stderr.String())
	}
	if types(io)[len(io)-2] != "execute_result" {
		t.Errorf("the result must come after all output: %v", types(io)[len(io)-3:])
	}
	// The next cell has its own budget.
	_, io = c.execute("out:fresh", nil)
	if want := []string{"status:busy", "execute_input", "stream", "status:idle"}; !slices.Equal(types(io), want) {
		t.Errorf("next cell iopub = %v", types(io))
	}
	t.Logf("10^6 lines -> %d stream messages", streams)
}

func TestHistory(t *testing.T) {
	c := startKernel(t, kernelOptions{key: testKey})
	for _, code := range []string{"result:a", "out:b", "result:a", "result:c"} {
		c.execute(code, nil)
	}
	c.execute("result:silent", map[string]any{"silent": true})
	hist := func(req map[string]any) []any {
		id := c.send(c.shell, "history_request", req)
		got := content(t, c.reply(c.shellBox, id))
		if got["status"] != "ok" {
			t.Fatalf("history_reply %v", got)
		}
		return got["history"].([]any)
	}
	tests := []struct {
		req  map[string]any
		want string
	}{
		{map[string]any{"hist_access_type": "tail", "n": 2, "output": false, "raw": true}, `[[1,3,"result:a"],[1,4,"result:c"]]`},
		{map[string]any{"hist_access_type": "tail", "n": 1, "output": true, "raw": true}, `[[1,4,["result:c","c"]]]`},
		{map[string]any{"hist_access_type": "range", "session": 0, "start": 2, "stop": 4, "raw": true}, `[[1,2,"out:b"],[1,3,"result:a"]]`},
		{map[string]any{"hist_access_type": "range", "session": 1, "start": 4, "raw": true}, `[[1,4,"result:c"]]`},
		{map[string]any{"hist_access_type": "range", "session": -1, "start": 1, "raw": true}, `[]`},
		{map[string]any{"hist_access_type": "search", "pattern": "result:*", "raw": true}, `[[1,1,"result:a"],[1,3,"result:a"],[1,4,"result:c"]]`},
		{map[string]any{"hist_access_type": "search", "pattern": "result:*", "unique": true, "raw": true}, `[[1,3,"result:a"],[1,4,"result:c"]]`},
		{map[string]any{"hist_access_type": "search", "pattern": "res?lt:?", "n": 1, "raw": true}, `[[1,4,"result:c"]]`},
	}
	for _, tc := range tests {
		if got := enc(hist(tc.req)); got != tc.want {
			t.Errorf("history %v = %s, want %s", tc.req, got, tc.want)
		}
	}
	// Control serves history too.
	id := c.send(c.control, "history_request", map[string]any{"hist_access_type": "tail", "n": 1})
	if got := content(t, c.reply(c.controlBox, id)); enc(got["history"]) != `[[1,4,"result:c"]]` {
		t.Errorf("history on control = %v", got)
	}
}

func TestComms(t *testing.T) {
	c := startKernel(t, kernelOptions{key: testKey})
	id := c.send(c.shell, "comm_open", map[string]any{"comm_id": "c-1", "target_name": "jupyter.widget", "data": map[string]any{}})
	io := c.untilIdle(id)
	if want := []string{"status:busy", "comm_close", "status:idle"}; !slices.Equal(types(io), want) {
		t.Fatalf("comm_open iopub = %v, want %v", types(io), want)
	}
	if got := content(t, io[1]); got["comm_id"] != "c-1" {
		t.Errorf("comm_close = %v", got)
	}
	for _, typ := range []string{"comm_msg", "comm_close"} {
		id := c.send(c.shell, typ, map[string]any{"comm_id": "nope", "data": map[string]any{"x": 1}})
		c.untilIdle(id)
	}
	c.send(c.shell, "comm_msg", map[string]any{"comm_id": 12})
	id = c.send(c.shell, "comm_info_request", map[string]any{"target_name": "jupyter.widget"})
	if got := content(t, c.reply(c.shellBox, id)); got["status"] != "ok" || enc(got["comms"]) != "{}" {
		t.Errorf("comm_info_reply = %v", got)
	}
}

func enc(v any) string { b, _ := json.Marshal(v); return string(b) }

func TestHeartbeatEchoes(t *testing.T) {
	c := startKernel(t, kernelOptions{key: testKey})
	for _, ping := range []string{"ping", "\x00binary\xff"} {
		if err := c.hb.Send(zmq4.NewMsgString(ping)); err != nil {
			t.Fatal(err)
		}
		got, err := c.hb.Recv()
		if err != nil {
			t.Fatal(err)
		}
		if string(got.Bytes()) != ping {
			t.Errorf("heartbeat echoed %q, want %q", got.Bytes(), ping)
		}
	}
}

func TestIPCTransport(t *testing.T) {
	c := startKernel(t, kernelOptions{key: testKey, transport: "ipc"})
	r, io := c.execute("out:over ipc\nresult:1", nil)
	if content(t, r)["status"] != "ok" || len(io) != 5 {
		t.Errorf("ipc execute: %v %v", content(t, r), types(io))
	}
	if err := c.hb.Send(zmq4.NewMsgString("ping")); err != nil {
		t.Fatal(err)
	}
	if got, err := c.hb.Recv(); err != nil || string(got.Bytes()) != "ping" {
		t.Errorf("heartbeat over ipc: %q %v", got.Bytes(), err)
	}
	if _, err := os.Stat(c.conn.IP + "-1"); err != nil {
		t.Errorf("ipc socket file: %v", err)
	}
}

func TestConnectionFileErrors(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope.json")
	tests := []struct {
		path, want string
	}{
		{missing, "does not exist"},
		{"testdata/not-json.json", "not valid JSON"},
		{"testdata/bad-transport.json", `transport "udp" is not supported`},
		{"testdata/port-zero.json", "shell_port is 0"},
		{"testdata/bad-scheme.json", `signature_scheme "hmac-blake2b" is not supported (gopar supports hmac-md5, hmac-sha1, hmac-sha224, hmac-sha256, hmac-sha384, hmac-sha3_224, hmac-sha3_256, hmac-sha3_384, hmac-sha3_512, hmac-sha512)`},
		{"testdata/duplicate-ports.json", "are both 9001"},
		{"testdata/no-ip.json", "ip is empty"},
	}
	for _, tc := range tests {
		err := Serve(context.Background(), Config{ConnectionFile: tc.path, Engine: &kerneltest.Engine{}, Log: &syncBuffer{}})
		if err == nil {
			t.Errorf("%s: no error", tc.path)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, tc.path) || !strings.Contains(msg, tc.want) || strings.Contains(msg, "\n") {
			t.Errorf("%s: error %q, want one line naming the file and %q", tc.path, msg, tc.want)
		}
	}
}

func TestPortInUse(t *testing.T) {
	p := freePorts(t, 5)
	l := zmq4.NewRouter(context.Background())
	if err := l.Listen("tcp://127.0.0.1:" + strconv.Itoa(p[2])); err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	ci := connectionInfo{Transport: "tcp", IP: "127.0.0.1", ShellPort: p[0], ControlPort: p[1], StdinPort: p[2], HBPort: p[3], IOPubPort: p[4], Key: "k", SignatureScheme: "hmac-sha256"}
	path := filepath.Join(t.TempDir(), "conn.json")
	data, _ := json.Marshal(ci)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	err := Serve(context.Background(), Config{ConnectionFile: path, Engine: &kerneltest.Engine{}, Log: &syncBuffer{}})
	if err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "cannot bind stdin") || strings.Contains(err.Error(), "\n") {
		t.Errorf("error = %v", err)
	}
	// The ports bound before the failure are released.
	l2 := zmq4.NewRouter(context.Background())
	defer l2.Close()
	if err := l2.Listen("tcp://127.0.0.1:" + strconv.Itoa(p[0])); err != nil {
		t.Errorf("shell port still bound: %v", err)
	}
}

// TestRequestAfterErrorReplyRuns checks that a request sent after the
// client has seen a failed cell's reply runs: only requests queued while the
// failed cell ran are aborted.
func TestRequestAfterErrorReplyRuns(t *testing.T) {
	c := startKernel(t, kernelOptions{key: testKey})
	for i := range 20 {
		bad := c.send(c.shell, "execute_request", map[string]any{"code": "fail:boom", "silent": false})
		if r := content(t, c.reply(c.shellBox, bad)); r["status"] != "error" {
			t.Fatalf("round %d: failing cell answered %v", i, r)
		}
		next := c.send(c.shell, "execute_request", map[string]any{"code": "result:x", "silent": false})
		if r := content(t, c.reply(c.shellBox, next)); r["status"] != "ok" {
			t.Fatalf("round %d: request sent after the error reply was answered %v", i, r)
		}
	}
}

func TestSignatureSchemes(t *testing.T) {
	for scheme := range signatureSchemes {
		t.Run(scheme, func(t *testing.T) {
			c := startKernel(t, kernelOptions{key: testKey, scheme: scheme})
			r := c.reply(c.shellBox, c.send(c.shell, "kernel_info_request", map[string]any{}))
			if content(t, r)["status"] != "ok" {
				t.Errorf("kernel_info_reply %v", content(t, r))
			}
			// A message signed with another hash is dropped.
			other := "hmac-sha256"
			if scheme == other {
				other = "hmac-sha512"
			}
			frames, err := newWire(testKey, other).encode(outMsg{Header: c.w.newHeader("kernel_info_request"), Content: map[string]any{}}, nil)
			if err != nil {
				t.Fatal(err)
			}
			c.sendFrames(c.shell, frames)
			c.reply(c.shellBox, c.send(c.shell, "kernel_info_request", map[string]any{}))
			if !strings.Contains(c.log.String(), "bad signature") {
				t.Errorf("a message signed with %s was not dropped", other)
			}
		})
	}
}

// TestLongMsgTypeIsClipped sends a correctly signed request whose msg_type
// is 10 MB long: the kernel must not echo it back in full (in the reply's
// type, its parent header and its error), nor log it in full.
func TestLongMsgTypeIsClipped(t *testing.T) {
	c := startKernel(t, kernelOptions{key: testKey})
	long := strings.Repeat("x", 10<<20) + "_request"
	id := c.send(c.shell, long, map[string]any{})
	r := c.reply(c.shellBox, id)
	if size := len(r.RawHeader) + len(r.Parent) + len(r.Metadata) + len(r.Content); size > 4<<10 {
		t.Errorf("the reply is %d bytes", size)
	}
	if typ := r.Header.MsgType; !strings.HasPrefix(typ, "xxxxxxxx") || !strings.HasSuffix(typ, "_reply") {
		t.Errorf("reply type %.200q", typ)
	}
	if got := content(t, r); got["ename"] != "UnknownMessageType" || !strings.Contains(got["evalue"].(string), "(10485760 bytes)") {
		t.Errorf("reply %.300v", got)
	}
	for _, m := range c.untilIdle(id) {
		if len(m.Parent) > 4<<10 {
			t.Errorf("%s has a parent header of %d bytes", m.Header.MsgType, len(m.Parent))
		}
	}
	if n := len(c.log.String()); n > 4<<10 {
		t.Errorf("the log grew by %d bytes", n)
	}
}

func TestComplaintsAreRateLimited(t *testing.T) {
	c := startKernel(t, kernelOptions{key: testKey})
	for range 200 {
		_, frames := c.build("kernel_info_request", map[string]any{})
		frames[1] = []byte(strings.Repeat("0", 64)) // a forged signature
		c.sendFrames(c.shell, frames)
		c.send(c.shell, "frobnicate", map[string]any{})
	}
	// Shell reads in order: once this reply is in, the others were read.
	c.reply(c.shellBox, c.send(c.shell, "kernel_info_request", map[string]any{}))
	log := c.log.String()
	for _, line := range []string{"bad signature", "unknown message type"} {
		if n := strings.Count(log, line); n < 1 || n > complainBurst {
			t.Errorf("%d log lines with %q from 200 bad messages, want 1 to %d", n, line, complainBurst)
		}
	}
}
