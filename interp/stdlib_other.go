//go:build !unix

package interp

import "reflect"

// syscallOverrides are gopar's syscall.Exit, which ends the cell as
// os.Exit does.
var syscallOverrides = map[string]reflect.Value{
	"Exit": reflect.ValueOf(func(code int) { panic(exitError{code}) }),
}
