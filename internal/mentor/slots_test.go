package mentor

import (
	"testing"
	"time"

	"huixiang/internal/cn"
)

func TestMentorSlots_openSlotsAndFits(t *testing.T) {
	t.Parallel()
	// Monday 2031-03-03; Sunday and the Wednesday off.
	monday := time.Date(2031, 3, 3, 0, 0, 0, 0, cn.Zone)
	a := Availability{Weekly: []Window{{Weekday: 1, Start: "09:00", End: "10:30"}, {Weekday: 3, Start: "14:00", End: "16:00"},
		{Weekday: 7, Start: "23:00", End: "24:00"}}, Exceptions: []Exception{{From: "2031-03-12", To: "2031-03-12"}}}
	if err := a.check(); err != nil {
		t.Fatal(err)
	}
	now := monday.Add(7 * time.Hour) // 07:00: 09:00 is just 2 hours away
	booked := map[int64]bool{monday.AddDate(0, 0, 2).Add(14 * time.Hour).UnixMilli(): true}
	slots := OpenSlots(a, 30, now, booked)
	var got []string
	for _, s := range slots {
		got = append(got, s.Start.Format("01-02 15:04"))
	}
	want := []string{
		"03-03 09:00", "03-03 09:30", "03-03 10:00", // Monday (10:00-10:30 fits)
		"03-05 14:30", "03-05 15:00", "03-05 15:30", // Wednesday, 14:00 booked
		"03-09 23:00", "03-09 23:30", // Sunday to midnight
		"03-10 09:00", "03-10 09:30", "03-10 10:00", // next Monday; Wednesday 03-12 is off
		"03-16 23:00", "03-16 23:30",
	}
	if len(got) != len(want) {
		t.Fatalf("slots = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("slots = %v, want %v", got, want)
		}
	}
	if _, off := slots[0].Start.Zone(); off != 8*3600 {
		t.Fatalf("slot zone offset %d, want +08:00", off)
	}
	switch {
	case IsOpen(a, 30, now.Add(time.Minute), monday.Add(9*time.Hour)):
		t.Fatal("a slot within 2 hours is open")
	case !IsOpen(a, 30, now, monday.Add(9*time.Hour+30*time.Minute)):
		t.Fatal("09:30 is not open")
	case IsOpen(a, 30, now, monday.Add(9*time.Hour+15*time.Minute)):
		t.Fatal("09:15 is off the grid and open")
	case IsOpen(a, 30, now, monday.AddDate(0, 0, 9).Add(14*time.Hour)):
		t.Fatal("a slot on the day off is open")
	case IsOpen(a, 30, now, monday.AddDate(0, 0, 14).Add(9*time.Hour)):
		t.Fatal("a slot beyond 14 days is open")
	}
	from, to := weekOf(monday.AddDate(0, 0, 6).Add(23 * time.Hour)) // Sunday night
	if !from.Equal(monday) || !to.Equal(monday.AddDate(0, 0, 7)) {
		t.Fatalf("week = %v – %v", from, to)
	}
}

func TestMentorSlots_availabilityChecked(t *testing.T) {
	t.Parallel()
	for _, a := range []Availability{
		{Weekly: []Window{{Weekday: 0, Start: "09:00", End: "10:00"}}},
		{Weekly: []Window{{Weekday: 1, Start: "10:00", End: "09:00"}}},
		{Weekly: []Window{{Weekday: 1, Start: "9:00", End: "10:00"}}},
		{Weekly: []Window{{Weekday: 1, Start: "09:10", End: "10:00"}}},
		{Weekly: []Window{{Weekday: 1, Start: "09:00", End: "11:00"}, {Weekday: 1, Start: "10:00", End: "12:00"}}},
		{Exceptions: []Exception{{From: "2031-03-05", To: "2031-03-04"}}},
		{Exceptions: []Exception{{From: "tomorrow", To: "2031-03-04"}}},
	} {
		if err := a.check(); err == nil {
			t.Errorf("%+v accepted", a)
		}
	}
}
