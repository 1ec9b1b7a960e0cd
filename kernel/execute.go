package kernel

import (
	"context"

	"github.com/gopar/gopar/engine"
)

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

// handleExecute runs one execute_request. When it fails with
// stop_on_error, the requests queued while it ran are to be aborted.
func (k *kernel) handleExecute(s *socket, m *message) {
	var c executeRequest
	if !k.parse(s, m, &c) {
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
			k.pub.publishNow("execute_result", m.RawHeader, map[string]any{
				"execution_count": count, "data": data, "metadata": meta,
			}, true)
			if s, ok := data["text/plain"].(string); ok && store {
				k.hist.setOutput(count, s)
			}
		}
		if e := res.Err; e != nil {
			k.pub.publishNow("error", m.RawHeader, errorContent(e), true)
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
	k.reply(s, m, "execute_reply", content)
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
