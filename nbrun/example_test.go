package nbrun_test

import (
	"fmt"

	"github.com/gopar/gopar/nbrun"
)

// A notebook read from JSON holds multi-line sources as one string; written
// back, they become lists of lines, as Jupyter writes them.
func ExampleParseNotebook() {
	nb, err := nbrun.ParseNotebook([]byte(`{
 "cells": [{"cell_type": "code", "id": "a1", "metadata": {}, "execution_count": null,
            "outputs": [], "source": ["x := 6 * 7\n", "x"]}],
 "metadata": {}, "nbformat": 4, "nbformat_minor": 5}`))
	if err != nil {
		panic(err)
	}
	fmt.Printf("%q\n", nb.Cells[0].Source)
	b, _ := nb.Encode()
	fmt.Print(string(b))
	// Output:
	// "x := 6 * 7\nx"
	// {
	//  "cells": [
	//   {
	//    "cell_type": "code",
	//    "execution_count": null,
	//    "id": "a1",
	//    "metadata": {},
	//    "outputs": [],
	//    "source": [
	//     "x := 6 * 7\n",
	//     "x"
	//    ]
	//   }
	//  ],
	//  "metadata": {},
	//  "nbformat": 4,
	//  "nbformat_minor": 5
	// }
}
