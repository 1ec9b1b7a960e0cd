package dist

import (
	"context"
	"errors"
	"fmt"
	"go/token"
	"slices"
	"strings"
)

// Everywhere runs the Go source src on every worker, as a cell (Julia's
// @everywhere; the %%everywhere magic runs the cell here too, then calls
// Everywhere). Workers added later run it as well, in order with the other
// cells and variables sent to workers, before their first task. It waits
// for every worker and returns their errors together, each naming its
// worker; output comes back as "From worker N: …". Before the cluster has
// started, it only records src for the workers to come.
func (c *Cluster) Everywhere(ctx context.Context, src string) error {
	return c.toAll(ctx, logEntry{kind: opExec, fn: src})
}

// Broadcast defines the variable name, holding v, on every worker, and on
// the workers added later (Julia's `@everywhere x = $x`). v must be a value
// that can cross processes (see Marshal); the workers' variable has the
// type v arrives with.
func (c *Cluster) Broadcast(ctx context.Context, name string, v any) error {
	if !token.IsIdentifier(name) {
		return fmt.Errorf("dist.Broadcast: %q is not a Go identifier", name)
	}
	data, err := Marshal(v)
	if err != nil {
		return fmt.Errorf("dist.Broadcast %s: %w", name, err)
	}
	return c.toAll(ctx, logEntry{kind: opDefine, fn: name, data: data})
}

// toAll appends e to the log and sends it to the ready workers; the
// workers still replaying the log get it there.
func (c *Cluster) toAll(ctx context.Context, e logEntry) error {
	if inWorker.Load() {
		return errInWorker
	}
	owner := newInbox()
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return ErrClosed
	}
	c.log = append(c.log, e)
	if !c.started {
		c.mu.Unlock()
		return nil
	}
	c.nextJob++
	job := c.nextJob
	n := 0
	for _, w := range c.workers {
		if w.ready && !w.gone {
			c.sendLocked(w, &op{Kind: e.kind, Job: job, Fn: e.fn, Data: e.data}, owner, w.id, false)
			n++
		}
	}
	c.mu.Unlock()
	var errs []error
	for n > 0 {
		select {
		case <-owner.sig:
		case <-ctx.Done():
			c.cancelOwner(owner, job)
			return fmt.Errorf("dist: cancelled: %w", context.Cause(ctx))
		}
		for _, ev := range owner.take() {
			n--
			switch {
			case ev.lost != "":
				errs = append(errs, fmt.Errorf("worker %d was lost (%s)", ev.f.tag, ev.lost))
			case ev.r.ErrKind != errKindNone:
				errs = append(errs, fmt.Errorf("worker %d: %w", ev.f.tag, errorFrom(ev.r.ErrKind, ev.r.Err)))
			}
		}
	}
	slices.SortFunc(errs, func(a, b error) int { return strings.Compare(a.Error(), b.Error()) })
	return errors.Join(errs...)
}

// replay sends a worker that just joined the log of cells and variables,
// in order, then makes it ready for tasks.
func (c *Cluster) replay(w *member) {
	owner := newInbox()
	for {
		c.mu.Lock()
		if w.gone || c.closed {
			c.mu.Unlock()
			return
		}
		if w.replayed == len(c.log) {
			w.ready = true
			close(w.readyCh)
			c.signalLocked()
			c.mu.Unlock()
			return
		}
		e := c.log[w.replayed]
		c.sendLocked(w, &op{Kind: e.kind, Fn: e.fn, Data: e.data}, owner, w.id, false)
		c.mu.Unlock()
		select {
		case <-owner.sig:
		case <-w.goneCh:
			return
		}
		for _, ev := range owner.take() {
			if ev.lost != "" {
				return
			}
			if ev.r.ErrKind != errKindNone {
				what := "cell"
				if e.kind == opDefine {
					what = "variable " + e.fn
				}
				c.note(fmt.Sprintf("dist: worker %d: replaying %s: %v", w.id, what, errorFrom(ev.r.ErrKind, ev.r.Err)))
			}
		}
		c.mu.Lock()
		w.replayed++
		c.mu.Unlock()
	}
}
