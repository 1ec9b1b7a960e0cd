package kernel

import (
	"context"
	"encoding/json"
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/gopar/gopar/engine"
)

// handleShell handles one shell message with busy/idle around it.
func (k *kernel) handleShell(m *message) {
	k.status(m, "busy")
	defer k.status(m, "idle")
	aborting := k.abortLeft > 0
	if aborting {
		k.abortLeft--
	}
	if m.Header.MsgType == "execute_request" {
		if aborting {
			k.debug("shell: aborting execute_request %s after an error", m.Header.MsgID)
			k.reply(k.shell, m, "execute_reply", map[string]any{"status": "aborted"})
			return
		}
		k.execute(m)
		return
	}
	k.dispatch(k.shell, m)
}

// handleControl handles one control message with busy/idle around it.
func (k *kernel) handleControl(m *message) {
	k.status(m, "busy")
	defer k.status(m, "idle")
	switch t := m.Header.MsgType; t {
	case "execute_request", "complete_request", "inspect_request", "is_complete_request":
		// The engine serves one caller at a time: these go on shell.
		k.replyError(k.control, m, "BadRequest", t+" is served on the shell channel, not on control")
		return
	}
	k.dispatch(k.control, m)
}

// dispatch answers every request but execute_request, on shell or control.
func (k *kernel) dispatch(s *socket, m *message) {
	t := m.Header.MsgType
	switch t {
	case "kernel_info_request":
		k.reply(s, m, "kernel_info_reply", k.kernelInfo())
	case "is_complete_request":
		var c struct {
			Code string `json:"code"`
		}
		if !k.parse(s, m, &c) {
			return
		}
		var status, indent string
		if perr := k.safely("IsComplete", func() { status, indent = k.eng.IsComplete(c.Code) }); perr != nil {
			status = engine.Unknown
		}
		content := map[string]any{"status": status}
		if status == engine.Incomplete {
			content["indent"] = indent
		}
		k.reply(s, m, "is_complete_reply", content)
	case "complete_request":
		var c struct {
			Code      string `json:"code"`
			CursorPos *int   `json:"cursor_pos"`
		}
		if !k.parse(s, m, &c) {
			return
		}
		cursor := len([]rune(c.Code))
		if c.CursorPos != nil {
			cursor = *c.CursorPos
		}
		var comp engine.Completion
		if perr := k.safely("Complete", func() { comp = k.eng.Complete(c.Code, cursor) }); perr != nil {
			k.replyError(s, m, string(perr.Kind), perr.Value)
			return
		}
		if comp.Matches == nil {
			comp.Matches = []string{}
		}
		if comp.Metadata == nil {
			comp.Metadata = map[string]any{}
		}
		if len(comp.Matches) == 0 && comp.CursorStart == 0 && comp.CursorEnd == 0 {
			comp.CursorStart, comp.CursorEnd = cursor, cursor
		}
		k.reply(s, m, "complete_reply", map[string]any{
			"status":       "ok",
			"matches":      comp.Matches,
			"cursor_start": comp.CursorStart,
			"cursor_end":   comp.CursorEnd,
			"metadata":     comp.Metadata,
		})
	case "inspect_request":
		var c struct {
			Code        string `json:"code"`
			CursorPos   *int   `json:"cursor_pos"`
			DetailLevel int    `json:"detail_level"`
		}
		if !k.parse(s, m, &c) {
			return
		}
		cursor := len([]rune(c.Code))
		if c.CursorPos != nil {
			cursor = *c.CursorPos
		}
		var in engine.Inspection
		if perr := k.safely("Inspect", func() { in = k.eng.Inspect(c.Code, cursor, c.DetailLevel) }); perr != nil {
			k.replyError(s, m, string(perr.Kind), perr.Value)
			return
		}
		data := in.Data
		if data == nil || !in.Found {
			data = engine.Bundle{}
		}
		k.reply(s, m, "inspect_reply", map[string]any{
			"status": "ok", "found": in.Found, "data": data, "metadata": map[string]any{},
		})
	case "history_request":
		var c historyRequest
		if !k.parse(s, m, &c) {
			return
		}
		k.reply(s, m, "history_reply", map[string]any{"status": "ok", "history": k.hist.query(c)})
	case "comm_info_request":
		// gopar opens no comms, whatever the target_name filter.
		k.reply(s, m, "comm_info_reply", map[string]any{"status": "ok", "comms": map[string]any{}})
	case "comm_open":
		var c struct {
			CommID     string `json:"comm_id"`
			TargetName string `json:"target_name"`
		}
		if err := json.Unmarshal(m.Content, &c); err != nil {
			k.log.Printf("%s: bad comm_open: %v", s.name, err)
			return
		}
		k.debug("%s: comm_open for unknown target %q: closing it", s.name, c.TargetName)
		k.pub.publish("comm_close", m.RawHeader, map[string]any{"comm_id": c.CommID, "data": map[string]any{}}, false)
	case "comm_msg", "comm_close":
		// No comms are open: nothing to do.
	case "interrupt_request":
		k.interrupt("interrupt_request")
		k.reply(s, m, "interrupt_reply", map[string]any{"status": "ok"})
	case "shutdown_request":
		var c struct {
			Restart bool `json:"restart"`
		}
		_ = json.Unmarshal(m.Content, &c)
		content := map[string]any{"status": "ok", "restart": c.Restart}
		k.reply(s, m, "shutdown_reply", content)
		k.pub.publish("shutdown_reply", m.RawHeader, content, false)
		k.requestStop()
		// Unblock a cell waiting for its turn to finish.
		k.interrupt("")
	default:
		k.log.Printf("%s: unknown message type %q", s.name, t)
		if base, ok := strings.CutSuffix(t, "_request"); ok {
			k.reply(s, m, base+"_reply", map[string]any{
				"status": "error", "ename": "UnknownMessageType",
				"evalue": fmt.Sprintf("gopar does not handle %s", t), "traceback": []string{},
			})
		}
	}
}

// parse decodes m's content into v; on failure it replies with an error.
func (k *kernel) parse(s *socket, m *message, v any) bool {
	if err := json.Unmarshal(m.Content, v); err != nil {
		k.log.Printf("%s: bad %s content: %v", s.name, m.Header.MsgType, err)
		k.replyError(s, m, "BadRequest", "bad content: "+err.Error())
		return false
	}
	return true
}

// replyError sends a <x>_reply with status error for request m.
func (k *kernel) replyError(s *socket, m *message, ename, evalue string) {
	base, _ := strings.CutSuffix(m.Header.MsgType, "_request")
	k.reply(s, m, base+"_reply", map[string]any{
		"status": "error", "ename": ename, "evalue": evalue, "traceback": []string{ename + ": " + evalue},
	})
}

// kernelInfo is the kernel_info_reply content.
func (k *kernel) kernelInfo() map[string]any {
	var info engine.Info
	if perr := k.safely("Info", func() { info = k.eng.Info() }); perr != nil {
		k.log.Printf("engine Info: %v", perr)
	}
	if info.Implementation == "" {
		info.Implementation = "gopar"
	}
	if info.LanguageInfo == nil {
		info.LanguageInfo = map[string]any{"name": "go"}
	}
	links := info.HelpLinks
	if links == nil {
		links = []map[string]string{}
	}
	return map[string]any{
		"status":                 "ok",
		"protocol_version":       protocolVersion,
		"implementation":         info.Implementation,
		"implementation_version": info.ImplementationVersion,
		"language_info":          info.LanguageInfo,
		"banner":                 info.Banner,
		"help_links":             links,
		"debugger":               false,
	}
}

// safely runs an engine call, turning a panic into an Error.
func (k *kernel) safely(what string, f func()) (perr *engine.Error) {
	defer func() {
		if r := recover(); r != nil {
			k.log.Printf("engine %s panicked: %v\n%s", what, r, debug.Stack())
			perr = engine.NewError(engine.InternalError, fmt.Sprintf("engine %s panicked: %v", what, r))
		}
	}()
	f()
	return nil
}

func (k *kernel) safeClose() (err error) {
	if perr := k.safely("Close", func() { err = k.eng.Close() }); perr != nil {
		return perr
	}
	return err
}

// executeRequest is the content of an execute_request.
type executeRequest struct {
	Code            string            `json:"code"`
	Silent          bool              `json:"silent"`
	StoreHistory    *bool             `json:"store_history"`
	UserExpressions map[string]string `json:"user_expressions"`
	AllowStdin      *bool             `json:"allow_stdin"`
	StopOnError     *bool             `json:"stop_on_error"`
}

func orTrue(b *bool) bool { return b == nil || *b }

// execute runs one execute_request. When it fails with stop_on_error, the
// requests queued while it ran are to be aborted.
func (k *kernel) execute(m *message) {
	var c executeRequest
	if !k.parse(k.shell, m, &c) {
		return
	}
	store := orTrue(c.StoreHistory) && !c.Silent
	if store {
		k.execCount++
	}
	count := k.execCount
	if store {
		k.hist.add(count, c.Code)
	}
	// The cell is interruptible from the moment it is announced.
	cell := &cellState{parent: m.RawHeader, identities: m.Identities, silent: c.Silent, allowStdin: orTrue(c.AllowStdin)}
	ctx, cancel := context.WithCancel(context.Background())
	k.mu.Lock()
	prev := k.cell
	k.cell = cell
	k.cancelCell = cancel
	k.mu.Unlock()
	if !c.Silent {
		k.pub.publish("execute_input", m.RawHeader, map[string]any{"code": c.Code, "execution_count": count}, false)
	}

	req := engine.ExecuteRequest{
		Code:            c.Code,
		Silent:          c.Silent,
		StoreHistory:    store,
		UserExpressions: c.UserExpressions,
		AllowStdin:      cell.allowStdin,
		ExecutionCount:  count,
	}
	var res engine.ExecuteResult
	if perr := k.safely("Execute", func() { res = k.eng.Execute(ctx, req, output{k}) }); perr != nil {
		res = engine.ExecuteResult{Err: perr}
	}

	k.mu.Lock()
	k.cancelCell = nil
	if c.Silent && prev != nil {
		k.cell = prev // late output of earlier cells keeps its place
	}
	k.mu.Unlock()
	cancel()

	if !c.Silent {
		if r := res.Result; r != nil {
			data := r.Data
			if data == nil {
				data = engine.Bundle{}
			}
			if _, ok := data["text/plain"]; !ok {
				data["text/plain"] = ""
			}
			meta := r.Metadata
			if meta == nil {
				meta = map[string]any{}
			}
			k.pub.publish("execute_result", m.RawHeader, map[string]any{
				"execution_count": count, "data": data, "metadata": meta,
			}, true)
			if s, ok := data["text/plain"].(string); ok && store {
				k.hist.setOutput(count, s)
			}
		}
		if e := res.Err; e != nil {
			k.pub.publish("error", m.RawHeader, errorContent(e), true)
		}
	}
	k.finishCell(cell)
	// Everything the cell showed goes out before its reply and idle.
	<-k.pub.flush()

	ue := res.UserExpressions
	if ue == nil {
		ue = map[string]any{}
	}
	payload := res.Payloads
	if payload == nil {
		payload = []map[string]any{}
	}
	content := map[string]any{"execution_count": count, "user_expressions": ue, "payload": payload}
	if e := res.Err; e != nil {
		content["status"] = "error"
		for key, v := range errorContent(e) {
			content[key] = v
		}
	} else {
		content["status"] = "ok"
	}
	if res.Err != nil && !c.Silent && orTrue(c.StopOnError) {
		// Counted before the reply goes out: a request the client sends
		// after seeing the reply is not one to abort.
		k.abortLeft = len(k.shellQ)
	}
	k.reply(k.shell, m, "execute_reply", content)
}

// errorContent is the error message content for e.
func errorContent(e *engine.Error) map[string]any {
	tb := e.Traceback
	if tb == nil {
		tb = []string{e.Error()}
	}
	name := e.Kind
	if name == "" {
		name = engine.OtherError
	}
	return map[string]any{"ename": string(name), "evalue": e.Value, "traceback": tb}
}
