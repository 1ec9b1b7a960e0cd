package nativert

import "testing"

func TestCallsAreCountedAndOrdered(t *testing.T) {
	if _, busy := Oldest(); busy || Running() != 0 {
		t.Fatal("calls in progress at the start")
	}
	exit1 := Enter()
	select {
	case <-Started():
	default:
		t.Error("the first call did not signal Started")
	}
	first := Last()
	exit2 := Enter()
	if o, busy := Oldest(); !busy || o != first || Running() != 2 || Last() != first+1 {
		t.Errorf("Oldest() = %d, %v; Running() = %d, Last() = %d; want %d, true, 2, %d", o, busy, Running(), Last(), first, first+1)
	}
	exit1()
	if o, _ := Oldest(); o != first+1 || Running() != 1 {
		t.Errorf("after the first call ended: Oldest() = %d, Running() = %d", o, Running())
	}
	exit2()
	if _, busy := Oldest(); busy || Running() != 0 {
		t.Error("calls in progress after both ended")
	}
}
