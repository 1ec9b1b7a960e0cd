package std

import (
	"bytes"
	"io"
	"log"
	"reflect"
	"strings"
	"testing"
)

// TestLoggerHasEveryMethod checks that cells' Logger has every method of
// the log.Logger of the Go that runs the test, and that its Fatal
// methods panic instead of exiting.
func TestLoggerHasEveryMethod(t *testing.T) {
	ours := reflect.TypeOf((*Logger)(nil))
	go_ := reflect.TypeOf((*log.Logger)(nil))
	for i := range go_.NumMethod() {
		m := go_.Method(i)
		om, ok := ours.MethodByName(m.Name)
		if !ok {
			t.Errorf("Logger lacks %s", m.Name)
			continue
		}
		if om.Type.NumIn() != m.Type.NumIn() || om.Type.NumOut() != m.Type.NumOut() {
			t.Errorf("Logger.%s is %v, log.Logger's %v", m.Name, om.Type, m.Type)
		}
	}
	var buf bytes.Buffer
	lg := Log["New"].Interface().(func(io.Writer, string, int) *Logger)(&buf, "a:", 0)
	lg.SetPrefix("b:")
	for _, f := range []func(){func() { lg.Fatal("x") }, func() { lg.Fatalf("%s", "x") }, func() { lg.Fatalln("x") }} {
		func() {
			defer func() {
				if recover() == nil {
					t.Error("a Fatal method did not panic")
				}
			}()
			f()
		}()
	}
	if got := buf.String(); strings.Count(got, "b:x\n") != 3 {
		t.Errorf("logged %q", got)
	}
}
