package parlib

// Canceled reports whether the context set with SetContext is done: in a
// notebook, whether the running cell was interrupted. Loops in compiled code
// of one's own (a %%native cell) poll it to stop early, every few thousand
// iterations:
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
