package parlib

import (
	"context"
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
