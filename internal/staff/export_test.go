package staff

// HashPeak is the most argon2id hashes that ran at once.
func (s *Service) HashPeak() int { return int(s.peak.Load()) }
