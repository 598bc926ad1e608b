// go-basic prints a FizzBuzz run and a word count, a tiny stdlib-only CLI.
package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// FizzBuzz returns the FizzBuzz word for n.
func FizzBuzz(n int) string {
	switch {
	case n%15 == 0:
		return "FizzBuzz"
	case n%3 == 0:
		return "Fizz"
	case n%5 == 0:
		return "Buzz"
	default:
		return strconv.Itoa(n)
	}
}

// Run returns FizzBuzz words from 1 to limit.
func Run(limit int) []string {
	out := make([]string, 0, limit)
	for i := 1; i <= limit; i++ {
		out = append(out, FizzBuzz(i))
	}
	return out
}

func main() {
	limit := 15
	if len(os.Args) > 1 {
		n, err := strconv.Atoi(os.Args[1])
		if err != nil || n < 0 {
			fmt.Fprintf(os.Stderr, "usage: %s [LIMIT]\n", os.Args[0])
			os.Exit(2)
		}
		limit = n
	}
	words := Run(limit)
	fmt.Println(strings.Join(words, " "))
	fmt.Printf("%d words\n", len(words))
}
