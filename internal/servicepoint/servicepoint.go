// Package servicepoint is the service network (服务网点): parks and incubation bases at district,
// township and village level, 就业服务站, 零工驿站, 返乡创业联络站 and 双招双引工作站 — where they are,
// when they open, whom to call — listed by township or by distance from the person.
package servicepoint

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"
)

// Kinds and levels, with the words people read.
var (
	Kinds = []Label{
		{"park", "创业园区/孵化基地"},
		{"employment_station", "就业服务站"},
		{"gig_station", "零工驿站"},
		{"liaison_station", "返乡创业联络站"},
		{"investment_station", "双招双引工作站"},
	}
	Levels = []Label{{"district", "区级"}, {"township", "镇级"}, {"village", "村级"}}
)

// Label is a code and its words.
type Label struct {
	Code string `json:"code"`
	Name string `json:"name"`
}

// Errors callers branch on.
var (
	ErrNotFound     = errors.New("servicepoint: not found")
	ErrStaleVersion = errors.New("servicepoint: changed since it was read")
)

// FieldError names an invalid field of the form.
type FieldError struct {
	Field   string
	Message string // Chinese, for the form
}

func (e *FieldError) Error() string { return "servicepoint: " + e.Field + ": " + e.Message }

// Input is what staff write.
type Input struct {
	Name             string   `json:"name"`
	Kind             string   `json:"kind"`
	Level            string   `json:"level"`
	TownshipCode     *string  `json:"township_code"`
	Address          string   `json:"address"`
	Lat              *float64 `json:"lat"`
	Lng              *float64 `json:"lng"`
	OpeningHours     string   `json:"opening_hours"`
	Phone            string   `json:"phone"`
	Services         string   `json:"services"`
	BusinessesHosted *int     `json:"businesses_hosted"`
}

// Point is a service point as the API answers it.
type Point struct {
	ID       int64  `json:"id"`
	Version  int    `json:"version"`
	Active   bool   `json:"active"`
	KindName string `json:"kind_name"`
	// TownshipName is the region's name (null for district-level points).
	TownshipName *string `json:"township_name"`
	// DistanceM is the distance from the asker in metres, when they gave their location.
	DistanceM *int      `json:"distance_m,omitempty"`
	UpdatedAt time.Time `json:"updated_at"`
	Input
}

var phonePattern = regexp.MustCompile(`^[0-9][0-9 -]{5,30}$`)

func labelOf(list []Label, code string) (string, bool) {
	i := slices.IndexFunc(list, func(l Label) bool { return l.Code == code })
	if i < 0 {
		return "", false
	}
	return list[i].Name, true
}

func check(in *Input) error {
	for _, p := range []*string{&in.Name, &in.Address, &in.OpeningHours, &in.Phone, &in.Services} {
		*p = strings.TrimSpace(*p)
	}
	if in.TownshipCode != nil && strings.TrimSpace(*in.TownshipCode) == "" {
		in.TownshipCode = nil
	}
	for _, l := range []struct {
		field, value, name string
		max                int
	}{{"name", in.Name, "名称", 100}, {"address", in.Address, "地址", 200}, {"opening_hours", in.OpeningHours, "开放时间", 100},
		{"services", in.Services, "服务内容", 500}} {
		if n := utf8.RuneCountInString(l.value); n > l.max {
			return &FieldError{l.field, fmt.Sprintf("%s最多 %d 个字，现在 %d 个", l.name, l.max, n)}
		}
	}
	switch {
	case in.Name == "":
		return &FieldError{"name", "请填写名称"}
	case !validCode(Kinds, in.Kind):
		return &FieldError{"kind", "请选择网点类型"}
	case !validCode(Levels, in.Level):
		return &FieldError{"level", "请选择级别（区级、镇级、村级）"}
	case in.Level != "district" && in.TownshipCode == nil:
		return &FieldError{"township_code", "镇级、村级网点请选择所在镇（街道）"}
	case in.Phone != "" && !phonePattern.MatchString(in.Phone):
		return &FieldError{"phone", "电话只能是数字和“-”，例如 0715-8321234"}
	case (in.Lat == nil) != (in.Lng == nil):
		return &FieldError{"lat", "经纬度要一起填写"}
	case in.Lat != nil && (*in.Lat < 3 || *in.Lat > 54 || *in.Lng < 73 || *in.Lng > 136):
		return &FieldError{"lat", "经纬度不在中国境内，请检查（应为 GCJ-02 坐标，例如 29.8529, 114.2985）"}
	case in.BusinessesHosted != nil && (*in.BusinessesHosted < 0 || in.Kind != "park"):
		return &FieldError{"businesses_hosted", "入驻企业数只用于园区，且不能为负数"}
	}
	return nil
}

func validCode(list []Label, code string) bool { _, ok := labelOf(list, code); return ok }

func e6(v *float64) any {
	if v == nil {
		return nil
	}
	return int64(math.Round(*v * 1e6))
}

// Service keeps the service network.
type Service struct {
	db  *sqlx.DB
	now func() time.Time
}

// NewService returns the service network on db (now: time.Now when nil).
func NewService(db *sqlx.DB, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{db: db, now: now}
}

type row struct {
	ID               int64          `db:"id"`
	Name             string         `db:"name"`
	Kind             string         `db:"kind"`
	Level            string         `db:"level"`
	TownshipCode     sql.NullString `db:"township_code"`
	TownshipName     sql.NullString `db:"township_name"`
	Address          string         `db:"address"`
	LatE6            sql.NullInt64  `db:"lat_e6"`
	LngE6            sql.NullInt64  `db:"lng_e6"`
	OpeningHours     string         `db:"opening_hours"`
	Phone            string         `db:"phone"`
	Services         string         `db:"services"`
	BusinessesHosted *int           `db:"businesses_hosted"`
	Active           bool           `db:"active"`
	Version          int            `db:"version"`
	UpdatedAt        time.Time      `db:"updated_at"`
}

const selectPoints = `SELECT s.id, s.name, s.kind, s.level, s.township_code, g.name AS township_name, s.address,
	s.lat_e6, s.lng_e6, s.opening_hours, s.phone, s.services, s.businesses_hosted, s.active, s.version, s.updated_at
	FROM service_points s LEFT JOIN regions g ON g.code = s.township_code`

func (r *row) point() Point {
	p := Point{ID: r.ID, Version: r.Version, Active: r.Active, UpdatedAt: r.UpdatedAt, Input: Input{
		Name: r.Name, Kind: r.Kind, Level: r.Level, Address: r.Address, OpeningHours: r.OpeningHours,
		Phone: r.Phone, Services: r.Services, BusinessesHosted: r.BusinessesHosted}}
	p.KindName, _ = labelOf(Kinds, r.Kind)
	if r.TownshipCode.Valid {
		p.TownshipCode = &r.TownshipCode.String
	}
	if r.TownshipName.Valid {
		p.TownshipName = &r.TownshipName.String
	}
	if r.LatE6.Valid && r.LngE6.Valid {
		lat, lng := float64(r.LatE6.Int64)/1e6, float64(r.LngE6.Int64)/1e6
		p.Lat, p.Lng = &lat, &lng
	}
	return p
}

// checkTownship: a township code must be a township (level 2) of the regions.
func checkTownship(ctx context.Context, db sqlx.QueryerContext, in *Input) error {
	if in.TownshipCode == nil {
		return nil
	}
	var ok bool
	if err := sqlx.GetContext(ctx, db, &ok, `SELECT EXISTS (SELECT 1 FROM regions WHERE code = ? AND level = 2)`, *in.TownshipCode); err != nil {
		return fmt.Errorf("servicepoint: check township: %w", err)
	}
	if !ok {
		return &FieldError{"township_code", "没有这个镇（街道）"}
	}
	return nil
}

// Create adds a point.
func (s *Service) Create(ctx context.Context, in Input) (*Point, error) {
	if err := check(&in); err != nil {
		return nil, err
	}
	if err := checkTownship(ctx, s.db, &in); err != nil {
		return nil, err
	}
	now := s.now().UTC()
	res, err := s.db.ExecContext(ctx, `INSERT INTO service_points (name, kind, level, township_code, address, lat_e6, lng_e6,
			opening_hours, phone, services, businesses_hosted, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, in.Name, in.Kind, in.Level, in.TownshipCode, in.Address,
		e6(in.Lat), e6(in.Lng), in.OpeningHours, in.Phone, in.Services, in.BusinessesHosted, now, now)
	if err != nil {
		return nil, fmt.Errorf("servicepoint: insert: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return nil, err
	}
	return s.Get(ctx, id)
}

// Update rewrites the point read at version (ErrStaleVersion when it changed since).
func (s *Service) Update(ctx context.Context, id int64, version int, in Input) (*Point, error) {
	if err := check(&in); err != nil {
		return nil, err
	}
	if err := checkTownship(ctx, s.db, &in); err != nil {
		return nil, err
	}
	res, err := s.db.ExecContext(ctx, `UPDATE service_points SET name = ?, kind = ?, level = ?, township_code = ?, address = ?,
			lat_e6 = ?, lng_e6 = ?, opening_hours = ?, phone = ?, services = ?, businesses_hosted = ?, updated_at = ?,
			version = version + 1
		WHERE id = ? AND version = ? AND active`, in.Name, in.Kind, in.Level, in.TownshipCode, in.Address, e6(in.Lat), e6(in.Lng),
		in.OpeningHours, in.Phone, in.Services, in.BusinessesHosted, s.now().UTC(), id, version)
	if err != nil {
		return nil, fmt.Errorf("servicepoint: update %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		p, err := s.Get(ctx, id)
		if err != nil {
			return nil, err
		}
		if !p.Active {
			return nil, ErrNotFound
		}
		return nil, ErrStaleVersion
	}
	return s.Get(ctx, id)
}

// Remove takes a point off the lists (kept inactive); removing it again is fine.
func (s *Service) Remove(ctx context.Context, id int64) error {
	res, err := s.db.ExecContext(ctx, `UPDATE service_points SET active = FALSE, version = version + 1, updated_at = ?
		WHERE id = ? AND active`, s.now().UTC(), id)
	if err != nil {
		return fmt.Errorf("servicepoint: remove %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		if _, err := s.Get(ctx, id); err != nil {
			return err
		}
	}
	return nil
}

// Get is one point, active or not.
func (s *Service) Get(ctx context.Context, id int64) (*Point, error) {
	var r row
	err := sqlx.GetContext(ctx, s.db, &r, selectPoints+` WHERE s.id = ?`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("servicepoint: get %d: %w", id, err)
	}
	p := r.point()
	return &p, nil
}

// Query narrows the list; From, when set, sorts it by distance from there (GCJ-02).
type Query struct {
	Kind     string
	Township string
	From     *LatLng
}

// LatLng is a GCJ-02 position.
type LatLng struct{ Lat, Lng float64 }

// MaxListed bounds one list: the district has tens of points, not thousands.
const MaxListed = 500

// List is the active points: the nearest first when q.From is set (points without coordinates
// last), otherwise district-level first, then by township and name.
func (s *Service) List(ctx context.Context, q Query) ([]Point, error) {
	where := []string{"s.active"}
	var args []any
	if q.Kind != "" {
		where, args = append(where, "s.kind = ?"), append(args, q.Kind)
	}
	if q.Township != "" {
		where, args = append(where, "s.township_code = ?"), append(args, q.Township)
	}
	var rows []row
	if err := sqlx.SelectContext(ctx, s.db, &rows, selectPoints+` WHERE `+strings.Join(where, " AND ")+`
		ORDER BY s.level = 'district' DESC, s.township_code, s.name, s.id LIMIT `+fmt.Sprint(MaxListed), args...); err != nil {
		return nil, fmt.Errorf("servicepoint: list: %w", err)
	}
	out := make([]Point, len(rows))
	for i := range rows {
		out[i] = rows[i].point()
		if q.From != nil && out[i].Lat != nil {
			d := int(math.Round(Distance(*q.From, LatLng{*out[i].Lat, *out[i].Lng})))
			out[i].DistanceM = &d
		}
	}
	if q.From != nil {
		sort.SliceStable(out, func(i, j int) bool {
			a, b := out[i].DistanceM, out[j].DistanceM
			switch {
			case a == nil:
				return false
			case b == nil:
				return true
			}
			return *a < *b
		})
	}
	return out, nil
}

// Distance is the great-circle distance in metres (haversine on a 6,371 km sphere): at the
// scale of a district GCJ-02's offset is the same for both ends, so it cancels out.
func Distance(a, b LatLng) float64 {
	const r = 6371000.0
	rad := math.Pi / 180
	dLat, dLng := (b.Lat-a.Lat)*rad, (b.Lng-a.Lng)*rad
	h := math.Sin(dLat/2)*math.Sin(dLat/2) + math.Cos(a.Lat*rad)*math.Cos(b.Lat*rad)*math.Sin(dLng/2)*math.Sin(dLng/2)
	return 2 * r * math.Asin(math.Sqrt(h))
}
