package std

import (
	"io"
	"log"
	"reflect"
)

// Logger is log.Logger as cells see it. log.Logger's Fatal methods call
// os.Exit, which would end the kernel, so yaegi's tables give cells a
// wrapper instead, written for an older Go: it lacks SetPrefix. This one
// embeds the real logger, so that it has every method of log.Logger,
// except that Fatal, Fatalf and Fatalln panic, as log.Fatal does in
// cells.
type Logger struct{ *stdLogger }

// stdLogger names log.Logger for an unexported embedded field: cells
// cannot reach the real Fatal methods through it.
type stdLogger = log.Logger

// Fatal is Print followed by a panic (log.Logger's would end the kernel).
func (l *Logger) Fatal(v ...any) { l.stdLogger.Panic(v...) }

// Fatalf is Printf followed by a panic.
func (l *Logger) Fatalf(format string, v ...any) { l.stdLogger.Panicf(format, v...) }

// Fatalln is Println followed by a panic.
func (l *Logger) Fatalln(v ...any) { l.stdLogger.Panicln(v...) }

// defaultLogger is log.Default as cells see it.
var defaultLogger = &Logger{log.Default()}

// Log are the names of package log that cells get in place of yaegi's.
var Log = map[string]reflect.Value{
	"New":     reflect.ValueOf(func(out io.Writer, prefix string, flag int) *Logger { return &Logger{log.New(out, prefix, flag)} }),
	"Default": reflect.ValueOf(func() *Logger { return defaultLogger }),
	"Logger":  reflect.ValueOf((*Logger)(nil)),
}
