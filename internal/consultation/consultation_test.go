package consultation

import (
	"slices"
	"testing"
)

func TestConsultation_median(t *testing.T) {
	for _, c := range []struct {
		in   []float64
		want float64
	}{{[]float64{5}, 5}, {[]float64{30, 10, 20}, 20}, {[]float64{40, 10, 20, 30}, 25}, {[]float64{1.04, 1.06}, 1.1}} {
		if got := median(slices.Clone(c.in)); got != c.want {
			t.Errorf("median(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}

// TestConsultation_transitionTable: every status but closed has a way on; nothing leaves closed.
func TestConsultation_transitionTable(t *testing.T) {
	leaves := map[string]bool{}
	for a, tr := range transitions {
		if !slices.Contains(Statuses, tr.To) {
			t.Errorf("%s leads to unknown status %q", a, tr.To)
		}
		for _, f := range tr.From {
			leaves[f] = true
		}
	}
	for _, st := range Statuses {
		if leaves[st] == (st == StatusClosed) {
			t.Errorf("status %s: leaves = %v", st, leaves[st])
		}
	}
}
