package parlib

import (
	"context"
	"errors"
	"testing"
)

func TestCanceledFollowsSetContext(t *testing.T) {
	defer SetContext(nil)
	ctx, cancel := context.WithCancel(context.Background())
	SetContext(ctx)
	if Canceled() {
		t.Fatal("Canceled() = true before the context is cancelled")
	}
	cancel()
	if !Canceled() {
		t.Fatal("Canceled() = false after the context is cancelled")
	}
	SetContext(nil)
	if Canceled() {
		t.Fatal("Canceled() = true with the background context")
	}
}

func TestCheckCanceledPanicsWithErrCanceled(t *testing.T) {
	defer SetContext(nil)
	ctx, cancel := context.WithCancel(context.Background())
	SetContext(ctx)
	CheckCanceled() // not cancelled: returns
	cancel()
	defer func() {
		err, ok := recover().(error)
		if !ok || !errors.Is(err, ErrCanceled) || !errors.Is(err, context.Canceled) {
			t.Errorf("CheckCanceled panicked with %v; want an error wrapping ErrCanceled and context.Canceled", err)
		}
	}()
	CheckCanceled()
	t.Error("CheckCanceled returned after the cancel")
}
