package wxfake

import "time"

// SetMaxHang shortens the hang outage's safety limit so tests can observe it.
func SetMaxHang(s *Server, d time.Duration) { s.maxHang = d }
