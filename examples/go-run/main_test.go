package main

import (
	"net/http/httptest"
	"strings"
	"testing"
)

func TestConvert(t *testing.T) {
	got, err := convert(100, "C")
	if err != nil || got["F"] != 212 || got["K"] != 373.15 {
		t.Fatalf("convert(100, C) = %v, %v", got, err)
	}
	if got, _ := convert(-40, "F"); got["C"] != -40 {
		t.Fatalf("convert(-40, F) = %v", got)
	}
	if _, err := convert(-1, "K"); err == nil {
		t.Fatal("convert(-1, K): no error below absolute zero")
	}
}

func TestHandler(t *testing.T) {
	rec := httptest.NewRecorder()
	handler().ServeHTTP(rec, httptest.NewRequest("GET", "/convert?v=21&unit=C", nil))
	if rec.Code != 200 || !strings.Contains(rec.Body.String(), `"F":69.8`) {
		t.Fatalf("GET /convert: %d %s", rec.Code, rec.Body.String())
	}
}
