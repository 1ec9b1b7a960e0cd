// Package dist runs notebook work on worker processes, on this machine or
// others, connected through NATS: Julia's Distributed (addprocs, pmap,
// @distributed, @spawnat, @everywhere) and Python's multiprocessing.Pool,
// with Go's manners. It lives in the notebook's engine process; package
// interp exports it to cells, and `gopar worker` is a worker.
//
// In a notebook, with no setup:
//
//	dist.AddProcs(2)                    // [2 3]: two local workers (1 is the notebook)
//
//	%%everywhere
//	func test(n int) float64 { return parlib.CholeskyTask(n, uint64(n)) }
//
//	res, err := dist.Pmap("test", []any{500, 500, 500}, dist.Options{BatchSize: 1})
//	s, err := dist.Reduce(dist.Sum, "partial", 1, 100_000_001)   // @distributed (+)
//	f := dist.SpawnAt(2, "test", 500); v, err := f.Fetch()        // @spawnat 2 test(500)
//	dist.Broadcast("x", x)                                       // @everywhere x = $x
//	dist.RmProcs(dist.Workers()...)
//
// # Servers and workers
//
// The first call that needs a server starts one inside the engine process:
// an embedded NATS server on 127.0.0.1, on a random port, that admits only
// clients presenting a token generated for it. Local workers are processes
// of the same program (`gopar worker`, found with os.Executable) that the
// master starts with the server's address and token in their environment;
// they run with GOMAXPROCS=1 (Cluster.Threads), as Julia's workers run one
// thread, so that n workers use n cores. They die with the engine process
// (on Linux at once, elsewhere when the master's heartbeats stop): when the
// engine restarts, the workers, the variables sent to them and the server
// are gone, and dist starts over; the definitions of %%everywhere cells
// come back with the notebook's other definitions, here and on the workers
// that the new engine starts.
//
// Connect uses an existing NATS server or cluster instead. Workers on other
// machines then join with
//
//	gopar worker --nats nats://host:4222 [--token T | --creds FILE | --user U --password P] [--prefix P]
//
// and the notebook sees them in Workers once they have replayed the
// cells and variables sent to workers so far (WaitWorkers waits for them).
// Several notebooks can share a server if they use different prefixes.
//
// # What crosses processes
//
// Inputs, results and broadcast values are encoded as their type followed
// by their data (Marshal, Unmarshal). The encoding carries nil, bool, the
// sized and unsized ints and uints, float32, float64, complex64,
// complex128, string, and slices, arrays, maps and structs of those to any
// depth; a value in an interface (an element of []any, a map[string]any
// value) carries its own type. Named types travel as their underlying type
// and structs as the field names and types of their exported fields; a
// struct with an unexported field, a pointer, a channel, a function or a
// value that contains itself cannot be sent, and the error names its type
// and where it sits in the value ("cannot send a value of type []interface
// {}: at [1]: chan int values cannot cross processes"). The receiver
// rebuilds the same shape: an int is an int, a []float64 a []float64, and a
// struct the unnamed struct of the same fields, which is the very type of a
// struct declared in a notebook cell with those fields, so that structs
// defined in %%everywhere cells cross both ways. A worker converts each
// input to the parameter's type as Convert says (an int to a float64
// parameter, a struct to a named struct of the same fields).
//
// The format, version 1: a value is a type description followed by data.
// A type is one byte: 0 nil (only as the dynamic type of an interface), 1
// bool, 2 int, 3 int8, 4 int16, 5 int32, 6 int64, 7 uint, 8 uint8, 9 uint16,
// 10 uint32, 11 uint64, 12 uintptr, 13 float32, 14 float64, 15 complex64, 16
// complex128, 17 string, 22 interface; or 18 slice followed by the element
// type, 19 array followed by the length (uvarint) and the element type, 20
// map followed by the key and element types, 21 struct followed by the
// number of fields (uvarint) and, for each, its name (a string) and type.
// Data: a bool is one byte 0 or 1; signed integers are zig-zag varints,
// unsigned ones uvarints (encoding/binary); floats are IEEE 754 little
// endian, complex numbers two floats; a string is its length (uvarint) and
// bytes; a slice or map is its length plus one (0 for nil) followed by the
// elements (a []byte's bytes raw, a map's keys and values alternating); an
// array or struct is its elements or fields in order; an interface is a
// whole value, type and data.
//
// # How work travels
//
// Subjects are prefixed with the cluster's prefix ("gopar") and the
// master's random id (see the comment at the top of wire.go). Each op
// (a batch of inputs, a cell, a variable) is a NATS request to one worker,
// answered on a reply subject of its own; the master keeps Cluster.Window
// ops (2) in flight per worker and gives the next to whichever worker has
// room (dynamic scheduling; Options.BatchSize inputs per op). Workers send
// a heartbeat every 200 ms listing the ops they hold: an op that a worker
// never received, or whose reply was lost (a NATS node died on the way),
// is sent again; a worker that dies (a local process's exit, or no
// heartbeat for 3 s) has its ops sent to the others, and the cell says so.
// Interrupting the cell (the context; parlib.Context for the
// package-level functions) sends every worker a cancel: queued ops are
// dropped and the running call's context is cancelled.
package dist
