// Package region holds the district → township → village table that records point into, and
// its CSV import for staff.
package region

import (
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/actor"
	"huixiang/internal/audit"
	"huixiang/internal/sqldb"
)

// Levels.
const (
	LevelDistrict = 1
	LevelTownship = 2
	LevelVillage  = 3
)

// Errors.
var (
	// ErrUnknown: no such active region, or a village that is not in the given township.
	ErrUnknown = errors.New("region: unknown region")
	// ErrBadCSV: the CSV is malformed; CSVError says where.
	ErrBadCSV = errors.New("region: bad csv")
)

// CSVError names the line and the problem.
type CSVError struct {
	Line   int
	Reason string
}

func (e *CSVError) Error() string { return fmt.Sprintf("region csv line %d: %s", e.Line, e.Reason) }

// Unwrap makes errors.Is(err, ErrBadCSV) true.
func (e *CSVError) Unwrap() error { return ErrBadCSV }

// Region is one administrative division.
type Region struct {
	Code       string  `db:"code" json:"code"`
	ParentCode *string `db:"parent_code" json:"parent_code,omitempty"`
	Level      int     `db:"level" json:"level"`
	Name       string  `db:"name" json:"name"`
	IsDemo     bool    `db:"is_demo" json:"is_demo"`
}

// Service reads and imports regions. It keeps the table in process (see sqldb.Cached): the
// pickers, Resolve and Names read no MySQL on most requests.
type Service struct {
	db  *sqlx.DB
	all *sqldb.Cached[table]
}

// NewService returns a Service that keeps the regions it read for at most maxAge (0: reads on
// every use). An import through this Service is seen at once.
func NewService(db *sqlx.DB, maxAge time.Duration) *Service {
	s := &Service{db: db}
	s.all = sqldb.NewCached(maxAge, s.loadTable)
	return s
}

const columns = `code, parent_code, level, name, is_demo`

// stored is a regions row with what the cache needs besides Region.
type stored struct {
	Region
	SortOrder int  `db:"sort_order"`
	Active    bool `db:"active"`
}

// table is every region, in picker order (sort_order, code), with an index by code.
type table struct {
	rows   []stored
	byCode map[string]stored
}

func (s *Service) loadTable(ctx context.Context) (table, error) {
	var rows []stored
	if err := s.db.SelectContext(ctx, &rows, `SELECT `+columns+`, sort_order, active FROM regions ORDER BY sort_order, code`); err != nil {
		return table{}, fmt.Errorf("region: load: %w", err)
	}
	t := table{rows: rows, byCode: make(map[string]stored, len(rows))}
	for _, r := range rows {
		t.byCode[r.Code] = r
	}
	return t, nil
}

// Children lists the active children of parent; with an empty parent, the townships of every
// district (the mini program's first picker).
func (s *Service) Children(ctx context.Context, parent string) ([]Region, error) {
	out := []Region{}
	if parent != "" && !codeRE.MatchString(parent) {
		return out, nil
	}
	t, err := s.all.Get(ctx)
	if err != nil {
		return nil, fmt.Errorf("region: children: %w", err)
	}
	for _, r := range t.rows {
		if !r.Active {
			continue
		}
		if (parent == "" && r.Level == LevelTownship) || (parent != "" && r.ParentCode != nil && *r.ParentCode == parent) {
			out = append(out, r.Region)
		}
	}
	return out, nil
}

// Active lists every active region, in picker order.
func (s *Service) Active(ctx context.Context) ([]Region, error) {
	t, err := s.all.Get(ctx)
	if err != nil {
		return nil, fmt.Errorf("region: active: %w", err)
	}
	out := make([]Region, 0, len(t.rows))
	for _, r := range t.rows {
		if r.Active {
			out = append(out, r.Region)
		}
	}
	return out, nil
}

// Place is a township and village pair, resolved.
type Place struct {
	TownshipCode, TownshipName, VillageCode, VillageName string
}

// Resolve checks that township is an active township and village an active village in it.
func (s *Service) Resolve(ctx context.Context, township, village string) (Place, error) {
	if !codeRE.MatchString(township) {
		return Place{}, &UnknownError{Field: "township_code"}
	}
	if !codeRE.MatchString(village) {
		return Place{}, &UnknownError{Field: "village_code"}
	}
	t, err := s.all.Get(ctx)
	if err != nil {
		return Place{}, fmt.Errorf("region: resolve: %w", err)
	}
	var p Place
	for _, code := range []string{township, village} {
		r, ok := t.byCode[code]
		if !ok || !r.Active {
			continue
		}
		switch {
		case r.Code == township && r.Level == LevelTownship:
			p.TownshipCode, p.TownshipName = r.Code, r.Name
		case r.Code == village && r.Level == LevelVillage && r.ParentCode != nil && *r.ParentCode == township:
			p.VillageCode, p.VillageName = r.Code, r.Name
		}
	}
	if p.TownshipCode == "" {
		return Place{}, &UnknownError{Field: "township_code"}
	}
	if p.VillageCode == "" {
		return Place{}, &UnknownError{Field: "village_code"}
	}
	return p, nil
}

// UnknownError names the field whose region is unknown.
type UnknownError struct{ Field string }

func (e *UnknownError) Error() string { return "region: unknown " + e.Field }

// Unwrap makes errors.Is(err, ErrUnknown) true.
func (e *UnknownError) Unwrap() error { return ErrUnknown }

// Names maps codes to names, for lists that show many records.
func (s *Service) Names(ctx context.Context) (map[string]string, error) {
	t, err := s.all.Get(ctx)
	if err != nil {
		return nil, fmt.Errorf("region: names: %w", err)
	}
	m := make(map[string]string, len(t.rows))
	for _, r := range t.rows {
		m[r.Code] = r.Name
	}
	return m, nil
}

// Upsert writes one region (used by the seed and the import).
func Upsert(ctx context.Context, db sqlx.ExtContext, r Region, sortOrder int) error {
	now := time.Now().UTC()
	_, err := db.ExecContext(ctx, `
		INSERT INTO regions (code, parent_code, level, name, is_demo, sort_order, active, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, TRUE, ?, ?)
		ON DUPLICATE KEY UPDATE parent_code = VALUES(parent_code), level = VALUES(level), name = VALUES(name),
			is_demo = VALUES(is_demo), sort_order = VALUES(sort_order), active = TRUE, updated_at = VALUES(updated_at)`,
		r.Code, r.ParentCode, r.Level, r.Name, r.IsDemo, sortOrder, now, now)
	if err != nil {
		return fmt.Errorf("region: upsert %s: %w", r.Code, err)
	}
	return nil
}

var codeRE = regexp.MustCompile(`^[0-9]{6,12}$`)

// ImportResult counts what an import did.
type ImportResult struct {
	Rows int `json:"rows"`
}

// ImportCSV reads `code,parent_code,level,name[,is_demo]` lines (a header line first) and
// upserts them in one transaction: a file with any bad line changes nothing. Parents must exist
// already or come earlier in the file.
func (s *Service) ImportCSV(ctx context.Context, actor actor.Actor, r io.Reader) (ImportResult, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if err != nil {
		return ImportResult{}, &CSVError{Line: 1, Reason: "cannot read header"}
	}
	if len(header) > 0 {
		header[0] = strings.TrimPrefix(header[0], "\ufeff") // Excel's UTF-8 BOM
	}
	want := []string{"code", "parent_code", "level", "name"}
	for i, w := range want {
		if i >= len(header) || strings.TrimSpace(strings.ToLower(header[i])) != w {
			return ImportResult{}, &CSVError{Line: 1, Reason: "header must be code,parent_code,level,name[,is_demo]"}
		}
	}
	var res ImportResult
	err = sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		line := 1
		for {
			rec, err := cr.Read()
			if errors.Is(err, io.EOF) {
				break
			}
			line++
			if err != nil {
				return &CSVError{Line: line, Reason: "malformed CSV"}
			}
			if len(rec) < 4 {
				return &CSVError{Line: line, Reason: "needs 4 columns"}
			}
			reg := Region{Code: strings.TrimSpace(rec[0]), Name: strings.TrimSpace(rec[3])}
			if !codeRE.MatchString(reg.Code) {
				return &CSVError{Line: line, Reason: "code must be 6-12 digits"}
			}
			lvl, err := strconv.Atoi(strings.TrimSpace(rec[2]))
			if err != nil || lvl < LevelDistrict || lvl > LevelVillage {
				return &CSVError{Line: line, Reason: "level must be 1, 2 or 3"}
			}
			reg.Level = lvl
			if n := len([]rune(reg.Name)); n == 0 || n > 64 {
				return &CSVError{Line: line, Reason: "name must be 1-64 characters"}
			}
			if p := strings.TrimSpace(rec[1]); p != "" {
				var plevel int
				err := tx.GetContext(ctx, &plevel, `SELECT level FROM regions WHERE code = ?`, p)
				if errors.Is(err, sql.ErrNoRows) || (err == nil && plevel != lvl-1) {
					return &CSVError{Line: line, Reason: "parent_code " + p + " is not a region one level up"}
				}
				if err != nil {
					return err
				}
				reg.ParentCode = &p
			} else if lvl != LevelDistrict {
				return &CSVError{Line: line, Reason: "only a district may have no parent"}
			}
			if len(rec) > 4 {
				reg.IsDemo = strings.EqualFold(strings.TrimSpace(rec[4]), "true") || strings.TrimSpace(rec[4]) == "1"
			}
			if err := Upsert(ctx, tx, reg, line); err != nil {
				return err
			}
			res.Rows++
		}
		e := actor.Audit("region.import", "region", "")
		e.Detail = map[string]any{"rows": res.Rows}
		return audit.Write(ctx, tx, e)
	})
	s.all.Invalidate() // after the commit (or the rollback): the next read sees what MySQL holds
	return res, err
}
