"""Interrupts through the real kernel, and what works after them.

    kernel_interrupt_gopar.py

In one kernel, a cell defines add and one callable of each kind (a
function, a method, closures held in a variable, a map and a struct field,
and a closure whose body runs in parlib.Spawn's goroutine), each able to
block in four ways (an endless loop, time.Sleep, a channel receive, a long
parlib.For). Then, for each kind and way, a cell calls it, blocking, and is
interrupted (SIGINT, as jupyter_client does); a cell then calls every
callable without blocking: each must give 5. Then a cell deadlocks on a
mutex and is interrupted, and the next cells must run; last, a goroutine
left printing by an earlier cell must stop at an interrupt that comes while
no cell runs. It prints one GOPAR-CASE line per case; the Go test
(e2e/trust_test.go) checks them.
"""

from queue import Empty

from goparkernel import Kernel, report

BODY = """{
	switch mode {
	case 1:
		for {
		}
	case 2:
		time.Sleep(time.Hour)
	case 3:
		<-make(chan int)
	case 4:
		parlib.For(1<<40, func(i int) {})
	}
	return a + b
}"""

SETUP = """func add(a, b int) int { return a + b }

func addF(mode, a, b int) int %(body)s

type adder struct{}

func (adder) Add(mode, a, b int) int %(body)s

type holder struct{ f func(int, int, int) int }

addV := func(mode, a, b int) int %(body)s
addM := map[string]func(int, int, int) int{"add": func(mode, a, b int) int %(body)s}
addS := holder{f: func(mode, a, b int) int %(body)s}
spawnAdd := func(mode, a, b int) int {
	t := parlib.Spawn(func() any %(body)s)
	v, err := t.Fetch()
	if err != nil {
		return -1
	}
	return v.(int)
}
""" % {"body": BODY}

KINDS = {
    "func": "addF(%d, 2, 3)",
    "method": "adder{}.Add(%d, 2, 3)",
    "closure-var": "addV(%d, 2, 3)",
    "closure-map": 'addM["add"](%d, 2, 3)',
    "closure-struct": "addS.f(%d, 2, 3)",
    "parlib-spawn": "spawnAdd(%d, 2, 3)",
}
MODES = {1: "for", 2: "sleep", 3: "chan", 4: "parlib.For"}

CHECK = "fmt.Println(add(2, 3), " + ", ".join(call % 0 for call in KINDS.values()) + ")"
CHECK_WANT = " ".join(["5"] * (len(KINDS) + 1)) + "\n"


def run_bounded(k, code, limit=20):
    """Run code; if it has not answered within limit seconds, interrupt it
    (and say so) rather than hang the whole script."""
    try:
        out = k.run(code, timeout=limit)
        out["hung"] = False
        return out
    except Empty:
        k.km.interrupt_kernel()
        try:
            k.run("1", timeout=60)
        except Empty:
            pass
        return {"hung": True, "reply": {}, "stdout": "", "stderr": "", "result": None}


def interrupt_bounded(k, code, limit=20):
    """k.interrupt, giving up (with an empty reply) after limit seconds."""
    try:
        return k.interrupt(code, timeout=limit)
    except Empty:
        return {"reply": {"status": "no reply"}, "interrupted_after": -1}


def main():
    k = Kernel()
    try:
        setup = k.run(SETUP)
        report("setup", reply=setup["reply"], check=run_bounded(k, CHECK)["stdout"], want=CHECK_WANT)
        for kind, call in KINDS.items():
            for mode, how in MODES.items():
                intr = interrupt_bounded(k, call % mode)
                after = run_bounded(k, CHECK)
                report("%s/%s" % (kind, how), reply=intr["reply"], interrupted_after=intr["interrupted_after"],
                       check=after["stdout"], check_stderr=after["stderr"], check_reply=after["reply"],
                       hung=after["hung"], want=CHECK_WANT)

        # A mutex deadlock: compiled code no interrupt stops.
        intr = interrupt_bounded(k, "var mu sync.Mutex\nmu.Lock()\nmu.Lock()")
        nxt = run_bounded(k, "1 + 1", limit=30)
        after = run_bounded(k, CHECK)
        report("mutex-deadlock", reply=intr["reply"], interrupted_after=intr["interrupted_after"],
               next=nxt["result"], next_took=nxt.get("took"), next_stderr=nxt["stderr"], hung=nxt["hung"],
               check=after["stdout"], want=CHECK_WANT)

        # An interrupt while no cell runs stops a goroutine an earlier cell
        # left printing; the next cells see no more of its output.
        run_bounded(k, "go func() {\n\tfor {\n\t\tfmt.Println(\"tick\")\n\t\ttime.Sleep(20 * time.Millisecond)\n\t}\n}()")
        ticking = run_bounded(k, "time.Sleep(200 * time.Millisecond)")
        k.km.interrupt_kernel()
        run_bounded(k, "time.Sleep(200 * time.Millisecond)")  # output already on its way
        later = run_bounded(k, "time.Sleep(300 * time.Millisecond)")
        after = run_bounded(k, CHECK)
        report("idle-interrupt", ticking=ticking["stdout"].count("tick"), later=later["stdout"].count("tick"),
               hung=ticking["hung"] or later["hung"], check=after["stdout"], want=CHECK_WANT)
    finally:
        k.close()


if __name__ == "__main__":
    main()
