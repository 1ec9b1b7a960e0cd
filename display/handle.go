package display

import "github.com/gopar/gopar/engine"

// Handle is a display that can be updated in place (a Jupyter display_id).
type Handle struct {
	id string
}

// shown is implemented by values whose display is already out, such as a
// *Handle or a *Progress: Render shows nothing for them, so that a cell
// ending in display.Display(x) does not show x twice.
type shown interface{ alreadyShown() }

func (*Handle) alreadyShown() {}

// Display shows v with the richest bundle Render finds for it, and returns a
// handle to update it in place. Display(nil) shows an empty placeholder that
// a later Update fills.
func Display(v any) *Handle {
	h := &Handle{id: newID()}
	h.send(v, false)
	return h
}

// NewHandle returns a handle with a fresh display id and shows nothing yet:
// Show shows it. An Update before any Show changes nothing on screen.
func NewHandle() *Handle { return &Handle{id: newID()} }

// Show shows v as a new display with the handle's id (display_data). A
// display may be shown more than once; Update changes every copy.
func (h *Handle) Show(v any) {
	if h != nil {
		h.send(v, false)
	}
}

// Update replaces what the display shows with v (update_display_data).
func (h *Handle) Update(v any) {
	if h != nil {
		h.send(v, true)
	}
}

// ID is the display_id.
func (h *Handle) ID() string {
	if h == nil {
		return ""
	}
	return h.id
}

// String describes the handle.
func (h *Handle) String() string { return "display " + h.ID() }

func (h *Handle) send(v any, update bool) {
	d, ok := RenderDisplay(v)
	if !ok {
		d = engine.Display{Data: engine.Bundle{"text/plain": ""}}
	}
	d.ID = h.id
	d.Update = update
	emit(d)
}
