package projectteam_test

import (
	"testing"

	"huixiang/internal/projectteam"
)

func TestMedian(t *testing.T) {
	for _, c := range []struct {
		in   []int
		want float64
		ok   bool
	}{
		{nil, 0, false},
		{[]int{7}, 7, true},
		{[]int{30, 10, 20}, 20, true},
		{[]int{40, 10, 30, 20}, 25, true},
		{[]int{5, 5, 6, 100}, 5.5, true},
		{[]int{0, 0}, 0, true},
	} {
		in := append([]int(nil), c.in...)
		got, ok := projectteam.Median(c.in)
		if got != c.want || ok != c.ok {
			t.Errorf("Median(%v) = %v, %v; want %v, %v", c.in, got, ok, c.want, c.ok)
		}
		for i := range in {
			if in[i] != c.in[i] {
				t.Fatalf("Median changed its input: %v", c.in)
			}
		}
	}
}

func TestSummarise_changeAgainstBaselineAndTarget(t *testing.T) {
	days := map[string][]int{
		projectteam.Approval: {20, 30, 40},    // median 30 vs 40: −25%
		projectteam.Land:     {90, 110},       // median 100 vs 100: 0%
		projectteam.Start:    {200, 150, 170}, // median 170, no baseline
	}
	base := map[string]int{projectteam.Approval: 40, projectteam.Land: 100, projectteam.Production: 365}
	s := projectteam.Summarise(2031, days, base)
	if len(s.Items) != 6 || s.TargetChangePercent != -20 || s.Year != 2031 {
		t.Fatalf("summary = %+v", s)
	}
	a := s.Items[0]
	if a.N != 3 || *a.MedianDays != 30 || *a.BaselineDays != 40 || *a.ChangePercent != -25 || !*a.Met {
		t.Fatalf("approval = %+v", a)
	}
	l := s.Items[1]
	if *l.MedianDays != 100 || *l.ChangePercent != 0 || *l.Met {
		t.Fatalf("land = %+v", l)
	}
	st := s.Items[4]
	if st.N != 3 || *st.MedianDays != 170 || st.BaselineDays != nil || st.ChangePercent != nil || st.Met != nil {
		t.Fatalf("start without a baseline = %+v", st)
	}
	p := s.Items[5]
	if p.N != 0 || p.MedianDays != nil || *p.BaselineDays != 365 || p.ChangePercent != nil {
		t.Fatalf("production without projects = %+v", p)
	}
	// overall: (30 + 100) against (40 + 100) = −7.1%
	if s.OverallChange == nil || *s.OverallChange != -7.1 || *s.OverallMet {
		t.Fatalf("overall = %v", s.OverallChange)
	}
	if none := projectteam.Summarise(2031, nil, base); none.OverallChange != nil {
		t.Fatal("no milestone reached: no overall change")
	}
	if got := projectteam.ChangePercent(80, 100); got != -20 {
		t.Fatalf("ChangePercent(80, 100) = %v", got)
	}
}
