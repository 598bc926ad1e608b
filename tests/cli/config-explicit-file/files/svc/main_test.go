package main

import "testing"

func TestServerStarts(t *testing.T) {}
