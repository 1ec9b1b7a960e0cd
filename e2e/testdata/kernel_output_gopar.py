"""Output that belongs to a cell, through the real kernel.

    kernel_output_gopar.py

In one kernel: a goroutine of an earlier cell floods stdout while a cell
prints its own lines ("background-budget"); a cell closes os.Stdout and
the next prints ("stdout-close"); a goroutine of an earlier cell prints
while a later cell runs ("late-output"). It prints one GOPAR-CASE line per
case with what the cells sent; the Go test (e2e/output_test.go) checks
them.
"""

from goparkernel import Kernel, report

OWN_LINES = 1500


def main():
    k = Kernel()
    try:
        setup = k.run("release := make(chan bool)\n"
                      "bgDone := make(chan bool)\n"
                      "go func() {\n"
                      "\t<-release\n"
                      "\tline := strings.Repeat(\"b\", 999)\n"
                      "\tfor i := 0; i < 5000; i++ {\n"
                      "\t\tfmt.Println(line)\n"
                      "\t}\n"
                      "\tclose(bgDone)\n"
                      "}()")
        cell = k.run("close(release)\n"
                     "for i := 0; i < %d; i++ {\n"
                     "\tfmt.Println(\"own\", i, strings.Repeat(\"o\", 990))\n"
                     "}\n"
                     "<-bgDone" % OWN_LINES)
        report("background-budget", setup=setup["reply"], setup_count=setup["reply"].get("execution_count"),
               reply=cell["reply"], own=cell["stdout"].count("own "), own_want=OWN_LINES,
               background=cell["stdout"].count("b" * 999 + "\n"), stderr=cell["stderr"])

        closing = k.run("_ = os.Stdout.Close()")
        after = k.run("fmt.Println(\"after\")\nos.Stdout.WriteString(\"direct\\n\")")
        report("stdout-close", reply=closing["reply"], took=closing["took"], after_reply=after["reply"],
               after=after["stdout"], after_took=after["took"])

        k.run("later := make(chan bool)\nprinted := make(chan bool)\n"
              "go func() { <-later; fmt.Println(\"late line\"); close(printed) }()")
        late = k.run("close(later)\n<-printed")
        report("late-output", reply=late["reply"], stdout=late["stdout"])
    finally:
        k.close()


if __name__ == "__main__":
    main()
