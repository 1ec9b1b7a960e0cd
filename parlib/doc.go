// Package parlib is gopar's compiled parallel library: the heavy kernels of
// the parallel-computing experiments (slow and trigonometric series, prime
// searches, sieves, sorting, Cholesky maps), the vocabulary to write new ones
// (threaded loops with OpenMP-style schedules, spawn/fetch tasks, groups,
// pmap, map-reduce) and the instruments to measure them (Time, Bench,
// Scaling, Machine).
//
// Names follow what users of Julia's Threads/Distributed, OpenMP, numba and
// rayon already know. Everything a notebook cell calls is non-generic, so
// that it can be exported to the yaegi interpreter; callbacks are coarse
// (one call per chunk where speed matters), because an interpreted function
// costs far more per call than compiled code.
//
// Conventions shared by the whole package:
//
//   - threads <= 0 means DefaultThreads() (initially runtime.GOMAXPROCS(0));
//     more than MaxThreads is a programming error.
//   - Bad arguments (negative sizes, nil functions, absurd thread counts)
//     panic with a message naming the function and the argument, for
//     example "parlib.Primes: n = -1 must be >= 0".
//   - A panic inside a worker goroutine never crashes the process: it is
//     recovered and comes back to the caller, as a *PanicError (an error),
//     either returned (Task.Fetch, Group.Wait, the ...Ctx forms) or re-raised
//     in the calling goroutine (For, Pmap..., kernels).
//   - Long-running calls observe the context set with SetContext (the
//     notebook engine sets one per cell) and the ...Ctx forms observe their
//     own; when it is done they stop at the next chunk and panic (or return)
//     an error that wraps ErrCanceled and the context's cause.
package parlib
