package main

import "testing"

func TestFizzBuzz(t *testing.T) {
	cases := map[int]string{1: "1", 3: "Fizz", 5: "Buzz", 15: "FizzBuzz", 22: "22"}
	for n, want := range cases {
		if got := FizzBuzz(n); got != want {
			t.Errorf("FizzBuzz(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestRunLength(t *testing.T) {
	if got := len(Run(30)); got != 30 {
		t.Fatalf("Run(30) has %d words, want 30", got)
	}
}
