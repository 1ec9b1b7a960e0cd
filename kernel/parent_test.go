package kernel

import (
	"testing"
)

func TestParentWatch(t *testing.T) {
	tests := []struct {
		name                 string
		parent, original, pp int
		gone                 bool
	}{
		{"the parent started the kernel", 100, 100, 100, false},
		{"orphaned, adopted by init", 100, 100, 1, true},
		{"orphaned, adopted by a subreaper", 100, 100, 57, true},
		{"a wrapper started the kernel", 100, 200, 200, false},
		{"the wrapper is gone", 100, 200, 1, true},
		{"the wrapper is gone, a subreaper adopted the kernel", 100, 200, 57, false}, // as ipykernel
	}
	for _, tc := range tests {
		w := parentWatch{parent: tc.parent, original: tc.original}
		if got := w.gone(tc.pp); got != tc.gone {
			t.Errorf("%s: gone(%d) = %v, want %v", tc.name, tc.pp, got, tc.gone)
		}
	}
}

func TestParentPIDFromEnv(t *testing.T) {
	for env, want := range map[string]int{"": 0, "1234": 1234, "x": 0, "-5": 0} {
		t.Setenv("JPY_PARENT_PID", env)
		if got := ParentPIDFromEnv(); got != want {
			t.Errorf("JPY_PARENT_PID=%q: %d, want %d", env, got, want)
		}
	}
}
