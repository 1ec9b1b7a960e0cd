package kernel

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/gopar/gopar/engine"
)

// cellState is the execute_request that output is attributed to.
type cellState struct {
	parent     json.RawMessage // the request's header
	identities [][]byte        // the frontend's routing identities
	silent     bool
	allowStdin bool

	// Guarded by kernel.mu.
	streamBytes int  // stream text published so far
	truncated   bool // the truncation notice was written
	dropped     int  // stream bytes dropped after truncation
}

// output is the engine.Output of a kernel: it sends to the current cell.
type output struct{ k *kernel }

var _ engine.Output = output{}

func (o output) current() *cellState {
	o.k.mu.Lock()
	defer o.k.mu.Unlock()
	return o.k.cell
}

// Stream implements engine.Output. Past cellStreamLimit bytes per cell, a
// notice is written once and the rest is dropped.
func (o output) Stream(name, text string) {
	k := o.k
	if name != "stderr" {
		name = "stdout"
	}
	k.mu.Lock()
	cell := k.cell
	if cell == nil || cell.silent || text == "" {
		k.mu.Unlock()
		return
	}
	if cell.truncated {
		cell.dropped += len(text)
		k.mu.Unlock()
		return
	}
	notice := ""
	if room := cellStreamLimit - cell.streamBytes; len(text) > room {
		cut := room
		for cut > 0 && cut < len(text) && !isRuneStart(text[cut]) {
			cut--
		}
		cell.dropped += len(text) - cut
		text = text[:cut]
		cell.truncated = true
		notice = fmt.Sprintf("\n[output truncated: this cell wrote more than %s; the rest of its output is not shown]\n", formatBytes(cellStreamLimit))
	}
	cell.streamBytes += len(text)
	k.mu.Unlock()
	k.pub.stream(cell.parent, name, text)
	if notice != "" {
		k.pub.stream(cell.parent, "stderr", notice)
	}
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// formatBytes writes n as "2.0 MB".
func formatBytes(n int) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d bytes", n)
}

// finishCell logs how much output of cell was dropped.
func (k *kernel) finishCell(cell *cellState) {
	k.mu.Lock()
	dropped := cell.dropped
	k.mu.Unlock()
	if dropped > 0 {
		k.log.Printf("cell output truncated: %s dropped", formatBytes(dropped))
	}
}

// Display implements engine.Output.
func (o output) Display(d engine.Display) {
	cell := o.current()
	if cell == nil || cell.silent {
		return
	}
	data := d.Data
	if data == nil {
		data = engine.Bundle{}
	}
	meta := d.Metadata
	if meta == nil {
		meta = map[string]any{}
	}
	content := map[string]any{"data": data, "metadata": meta, "transient": map[string]any{}}
	if d.ID != "" {
		content["transient"] = map[string]any{"display_id": d.ID}
	}
	if d.Update && d.ID != "" {
		o.k.pub.update(cell.parent, d.ID, content)
		return
	}
	o.k.pub.publish("display_data", cell.parent, content, true)
}

// Clear implements engine.Output.
func (o output) Clear(wait bool) {
	cell := o.current()
	if cell == nil || cell.silent {
		return
	}
	o.k.pub.publish("clear_output", cell.parent, map[string]any{"wait": wait}, true)
}

// Input implements engine.Output: it sends an input_request on stdin to the
// frontend that sent the running cell and waits for its input_reply.
func (o output) Input(ctx context.Context, prompt string, password bool) (string, error) {
	k := o.k
	cell := o.current()
	if cell == nil || !cell.allowStdin {
		return "", engine.ErrNoStdin
	}
	// Show the cell's pending output before the prompt.
	select {
	case <-k.pub.flush():
	case <-ctx.Done():
		return "", ctx.Err()
	}
	reply := make(chan string, 1)
	k.mu.Lock()
	if k.inputWait != nil {
		k.mu.Unlock()
		return "", fmt.Errorf("another input request is pending")
	}
	k.inputWait = reply
	k.mu.Unlock()
	defer func() {
		k.mu.Lock()
		if k.inputWait == reply {
			k.inputWait = nil
		}
		k.mu.Unlock()
	}()

	sent := make(chan error, 1)
	go func() {
		sent <- k.send(k.stdin, outMsg{
			Identities: cell.identities,
			Header:     k.wire.newHeader("input_request"),
			Parent:     cell.parent,
			Content:    map[string]any{"prompt": prompt, "password": password},
		})
	}()
	for {
		select {
		case err := <-sent:
			if err != nil {
				return "", fmt.Errorf("sending input_request: %w", err)
			}
			sent = nil
		case v := <-reply:
			return v, nil
		case <-ctx.Done():
			return "", ctx.Err()
		case <-k.stop:
			return "", context.Canceled
		}
	}
}
