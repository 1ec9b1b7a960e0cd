package kernel

import (
	"encoding/json"
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/gopar/gopar/engine"
)

// A handler serves one message type.
type handler struct {
	// serve answers m, which came in on s.
	serve func(k *kernel, s *socket, m *message)
	// shellOnly types are refused on control: the engine serves one caller
	// at a time, and a request on control must not wait for a running cell.
	shellOnly bool
	// abortable types are aborted instead of served when they were queued
	// on shell while a cell failed with stop_on_error.
	abortable bool
}

// handlers maps each msg_type the kernel serves to its handler, as
// ipykernel's shell_handlers do. Types not marked shellOnly are served on
// shell and control alike; types missing from the table are unknown.
var handlers = map[string]handler{
	"execute_request":     {serve: (*kernel).handleExecute, shellOnly: true, abortable: true},
	"complete_request":    {serve: (*kernel).handleComplete, shellOnly: true},
	"inspect_request":     {serve: (*kernel).handleInspect, shellOnly: true},
	"is_complete_request": {serve: (*kernel).handleIsComplete, shellOnly: true},
	"kernel_info_request": {serve: (*kernel).handleKernelInfo},
	"history_request":     {serve: (*kernel).handleHistory},
	"comm_info_request":   {serve: (*kernel).handleCommInfo},
	"comm_open":           {serve: (*kernel).handleCommOpen},
	"comm_msg":            {serve: (*kernel).ignore},
	"comm_close":          {serve: (*kernel).ignore},
	"interrupt_request":   {serve: (*kernel).handleInterrupt},
	"shutdown_request":    {serve: (*kernel).handleShutdown},
}

// handleShell handles one shell message with busy/idle around it. The
// first abortLeft messages after a failed cell were queued while it ran:
// the abortable ones among them are aborted.
func (k *kernel) handleShell(m *message) {
	k.status(m, "busy")
	defer k.status(m, "idle")
	if k.abortLeft > 0 {
		k.abortLeft--
		if handlers[m.Header.MsgType].abortable {
			k.abort(k.shell, m)
			return
		}
	}
	k.dispatch(k.shell, m)
}

// handleControl handles one control message with busy/idle around it.
func (k *kernel) handleControl(m *message) {
	k.status(m, "busy")
	defer k.status(m, "idle")
	k.dispatch(k.control, m)
}

// dispatch serves m, which came in on s, with its handler.
func (k *kernel) dispatch(s *socket, m *message) {
	t := m.Header.MsgType
	h, ok := handlers[t]
	switch {
	case !ok:
		k.unknown(s, m)
	case h.shellOnly && s != k.shell:
		k.replyError(s, m, "BadRequest", t+" is served on the shell channel, not on "+s.name)
	default:
		h.serve(k, s, m)
	}
}

// abort answers m with status aborted.
func (k *kernel) abort(s *socket, m *message) {
	t := m.Header.MsgType
	k.debug("%s: aborting %s %s after an error", s.name, t, m.Header.MsgID)
	base, _ := strings.CutSuffix(t, "_request")
	k.reply(s, m, base+"_reply", map[string]any{"status": "aborted"})
}

// unknown logs m and, if it is a request, answers it with an error.
func (k *kernel) unknown(s *socket, m *message) {
	t := m.Header.MsgType
	k.complain.printf(complainUnknown, "%s: unknown message type %q", s.name, clip(t))
	if base, ok := strings.CutSuffix(t, "_request"); ok {
		base = clip(base)
		k.reply(s, m, base+"_reply", map[string]any{
			"status": "error", "ename": "UnknownMessageType",
			"evalue": fmt.Sprintf("gopar does not handle %s_request", base), "traceback": []string{},
		})
	}
}

// ignore drops m: no comms are open, so comm_msg and comm_close have
// nothing to act on.
func (k *kernel) ignore(*socket, *message) {}

func (k *kernel) handleKernelInfo(s *socket, m *message) {
	k.reply(s, m, "kernel_info_reply", k.kernelInfo())
}

func (k *kernel) handleIsComplete(s *socket, m *message) {
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
}

// cursorOr is the cursor_pos of a request, or the end of code when the
// frontend sent none.
func cursorOr(pos *int, code string) int {
	if pos != nil {
		return *pos
	}
	return len([]rune(code))
}

func (k *kernel) handleComplete(s *socket, m *message) {
	var c struct {
		Code      string `json:"code"`
		CursorPos *int   `json:"cursor_pos"`
	}
	if !k.parse(s, m, &c) {
		return
	}
	cursor := cursorOr(c.CursorPos, c.Code)
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
}

func (k *kernel) handleInspect(s *socket, m *message) {
	var c struct {
		Code        string `json:"code"`
		CursorPos   *int   `json:"cursor_pos"`
		DetailLevel int    `json:"detail_level"`
	}
	if !k.parse(s, m, &c) {
		return
	}
	cursor := cursorOr(c.CursorPos, c.Code)
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
}

func (k *kernel) handleHistory(s *socket, m *message) {
	var c historyRequest
	if !k.parse(s, m, &c) {
		return
	}
	k.reply(s, m, "history_reply", map[string]any{"status": "ok", "history": k.hist.query(c)})
}

// handleCommInfo answers that no comms are open: gopar opens none, whatever
// the target_name filter.
func (k *kernel) handleCommInfo(s *socket, m *message) {
	k.reply(s, m, "comm_info_reply", map[string]any{"status": "ok", "comms": map[string]any{}})
}

// handleCommOpen closes the comm at once: gopar has no comm targets.
func (k *kernel) handleCommOpen(s *socket, m *message) {
	var c struct {
		CommID     string `json:"comm_id"`
		TargetName string `json:"target_name"`
	}
	if err := json.Unmarshal(m.Content, &c); err != nil {
		k.complain.printf(complainContent, "%s: bad comm_open: %v", s.name, err)
		return
	}
	k.debug("%s: comm_open for unknown target %q: closing it", s.name, clip(c.TargetName))
	k.pub.publish("comm_close", m.RawHeader, map[string]any{"comm_id": c.CommID, "data": map[string]any{}}, false)
}

func (k *kernel) handleInterrupt(s *socket, m *message) {
	k.interrupt("interrupt_request")
	k.reply(s, m, "interrupt_reply", map[string]any{"status": "ok"})
}

// handleShutdown answers m, on s and on iopub, and makes Serve return.
func (k *kernel) handleShutdown(s *socket, m *message) {
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
}

// parse decodes m's content into v; on failure it replies with an error.
func (k *kernel) parse(s *socket, m *message, v any) bool {
	if err := json.Unmarshal(m.Content, v); err != nil {
		k.complain.printf(complainContent, "%s: bad %s content: %v", s.name, m.Header.MsgType, err)
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
