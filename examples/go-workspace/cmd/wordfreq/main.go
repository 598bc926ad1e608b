// Command wordfreq prints the most frequent words of its arguments (or of a built-in sample).
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"example.com/wordfreq/textstat"
)

const sample = `The quick brown fox jumps over the lazy dog. The dog sleeps; the fox runs.
A fox is quick, a dog is lazy, and the quick fox wins.`

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("wordfreq", flag.ContinueOnError)
	n := fs.Int("n", 5, "how many words to print")
	if err := fs.Parse(args); err != nil {
		return err
	}
	text := strings.Join(fs.Args(), " ")
	if text == "" {
		text = sample
	}
	for _, c := range textstat.Top(text, *n) {
		fmt.Fprintf(out, "%4d %s\n", c.N, c.Word)
	}
	return nil
}

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		os.Exit(2)
	}
}
