package cellsyntax

import (
	"iter"
	"maps"
)

// predeclared maps Go's predeclared identifiers (the universe block) to
// their kind.
var predeclared = map[string]string{
	"append": "func", "cap": "func", "clear": "func", "close": "func", "complex": "func",
	"copy": "func", "delete": "func", "imag": "func", "len": "func", "make": "func",
	"max": "func", "min": "func", "new": "func", "panic": "func", "print": "func",
	"println": "func", "real": "func", "recover": "func",
	"any": "type", "bool": "type", "byte": "type", "comparable": "type", "complex64": "type",
	"complex128": "type", "error": "type", "float32": "type", "float64": "type", "int": "type",
	"int8": "type", "int16": "type", "int32": "type", "int64": "type", "rune": "type",
	"string": "type", "uint": "type", "uint8": "type", "uint16": "type", "uint32": "type",
	"uint64": "type", "uintptr": "type",
	"true": "const", "false": "const", "iota": "const",
	"nil": "var",
}

// IsPredeclared tells whether name is one of Go's predeclared identifiers:
// a builtin function, a basic type, any, comparable, error, true, false,
// iota or nil.
func IsPredeclared(name string) bool {
	_, ok := predeclared[name]
	return ok
}

// Predeclared yields Go's predeclared identifiers with their kind: "func",
// "type", "const", or "var" for nil. The order is unspecified.
func Predeclared() iter.Seq2[string, string] { return maps.All(predeclared) }
