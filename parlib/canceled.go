package parlib

// Canceled reports whether the context set with SetContext is done: in a
// notebook, whether the running cell was interrupted. Loops in compiled code
// of one's own (a %%native cell) poll it to stop early, every few thousand
// iterations, and return what they have:
//
//	for i := range n {
//		if i%4096 == 0 && parlib.Canceled() {
//			return
//		}
//		…
//	}
//
// It costs an atomic load or two.
func Canceled() bool { return Context().Err() != nil }

// CheckCanceled panics, as parlib's own long calls do, with an error that
// wraps ErrCanceled and the context's cause if the context set with
// SetContext is done: in a notebook, the cell then ends as interrupted.
// Loops in compiled code of one's own call it every few thousand
// iterations. A goroutine that no one recovers must not call it (its panic
// would end the program): there, poll Canceled and return.
func CheckCanceled() {
	if err := cancelErr(Context()); err != nil {
		panic(err)
	}
}
