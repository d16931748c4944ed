// Package policy is the policy library (政策清单): policies district staff write and publish —
// who they are for, conditions (in words and as an audience rule), benefits, materials, steps,
// whom to ask — every published version kept, searchable in Chinese, and people's favourites.
//
// Staff edit a working copy; publishing makes it the next version people read. Draft →
// published → archived; a published policy edited again stays published (people keep reading
// the last published version) until it is published again.
package policy

import (
	"encoding/json"
	"errors"
	"time"
)

// Statuses.
const (
	StatusDraft     = "draft"
	StatusPublished = "published"
	StatusArchived  = "archived"
)

// Targets a policy can be for.
var Targets = []string{"returnee", "alumnus", "merchant", "enterprise"}

// Errors callers branch on.
var (
	ErrNotFound     = errors.New("policy: not found")
	ErrStaleVersion = errors.New("policy: changed since it was read")
	// ErrNotPublished: archiving or reading as published a policy never published.
	ErrNotPublished = errors.New("policy: not published")
	ErrArchived     = errors.New("policy: archived")
)

// FieldError names an invalid field of the policy form.
type FieldError struct {
	Field   string
	Message string // Chinese, for the form
}

func (e *FieldError) Error() string { return "policy: " + e.Field + ": " + e.Message }

// Content is what staff write: the working copy, and each published version as people read it.
type Content struct {
	Title           string          `json:"title"`
	DocNo           string          `json:"doc_no"`
	Issuer          string          `json:"issuer"`
	Category        string          `json:"category"`
	Targets         []string        `json:"targets"`
	Summary         string          `json:"summary"`
	BodyHTML        string          `json:"body_html"`
	ConditionsText  string          `json:"conditions_text"`
	Rule            json.RawMessage `json:"rule,omitempty"`
	Benefits        string          `json:"benefits"`
	Materials       []string        `json:"materials"`
	Steps           []string        `json:"steps"`
	ContactDept     string          `json:"contact_dept"`
	ContactPhone    string          `json:"contact_phone"`
	EffectiveOn     *Date           `json:"effective_on"`
	ExpiresOn       *Date           `json:"expires_on"`
	SourceURL       string          `json:"source_url"`
	ApplicationCode *string         `json:"application_code"`
}

// Date is a calendar date, "2006-01-02" in JSON.
type Date struct{ time.Time }

// MarshalJSON writes the date only.
func (d Date) MarshalJSON() ([]byte, error) { return json.Marshal(d.Format(time.DateOnly)) }

// UnmarshalJSON reads "2006-01-02".
func (d *Date) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return err
	}
	d.Time = t
	return nil
}

// Policy is a policy as staff see it: the working copy and where it stands.
type Policy struct {
	ID               int64  `json:"id"`
	Status           string `json:"status"`
	Version          int    `json:"version"`
	PublishedVersion *int   `json:"published_version"`
	// Unpublished: the working copy differs from the published version.
	Unpublished bool       `json:"unpublished_changes"`
	PublishedAt *time.Time `json:"published_at"`
	UpdatedAt   time.Time  `json:"updated_at"`
	Content
}

// Published is a policy as people read it: its published version.
type Published struct {
	ID          int64     `json:"id"`
	Version     int       `json:"version"`
	PublishedAt time.Time `json:"published_at"`
	Content
}

// Item is a line of the public list.
type Item struct {
	ID          int64     `json:"id"`
	Title       string    `json:"title"`
	Category    string    `json:"category"`
	Targets     []string  `json:"targets"`
	Summary     string    `json:"summary"`
	ExpiresOn   *Date     `json:"expires_on"`
	PublishedAt time.Time `json:"published_at"`
}

// Category is one category of the library.
type Category struct {
	Code string `json:"code"`
	Name string `json:"name"`
}
