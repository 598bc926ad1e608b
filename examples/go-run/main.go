// tempconv: a tiny HTTP service converting temperatures, standard library only. The image runs it
// the way it is run on a laptop, with `go run .`.
package main

import (
	"encoding/json"
	"fmt"
	"log"
	"math"
	"net/http"
	"os"
	"strconv"
)

// convert turns a value in unit ("C", "F" or "K") into the other two, rounded to 0.01.
func convert(v float64, unit string) (map[string]float64, error) {
	var c float64
	switch unit {
	case "C", "c":
		c = v
	case "F", "f":
		c = (v - 32) * 5 / 9
	case "K", "k":
		c = v - 273.15
	default:
		return nil, fmt.Errorf("unknown unit %q (want C, F or K)", unit)
	}
	if c < -273.15 {
		return nil, fmt.Errorf("%.2f C is below absolute zero", c)
	}
	r := func(x float64) float64 { return math.Round(x*100) / 100 }
	return map[string]float64{"C": r(c), "F": r(c*9/5 + 32), "K": r(c + 273.15)}, nil
}

func handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /", func(w http.ResponseWriter, _ *http.Request) {
		fmt.Fprintln(w, "tempconv: GET /convert?v=21&unit=C")
	})
	mux.HandleFunc("GET /convert", func(w http.ResponseWriter, r *http.Request) {
		v, err := strconv.ParseFloat(r.URL.Query().Get("v"), 64)
		if err != nil {
			http.Error(w, "v must be a number", http.StatusBadRequest)
			return
		}
		out, err := convert(v, r.URL.Query().Get("unit"))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(out)
	})
	return mux
}

func main() {
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	log.Printf("tempconv on :%s", port)
	log.Fatal(http.ListenAndServe(":"+port, handler()))
}
