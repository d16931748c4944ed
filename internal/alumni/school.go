package alumni

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/actor"
	"huixiang/internal/audit"
	"huixiang/internal/sqldb"
)

var schoolCodeRE = regexp.MustCompile(`^[a-z0-9_]{2,32}$`)

const schoolColumns = `code, name, active, sort_order, is_demo, created_at, updated_at`

// Schools lists the schools by sort order; activeOnly for the mini program's picker.
func (s *Service) Schools(ctx context.Context, activeOnly bool) ([]School, error) {
	q := `SELECT ` + schoolColumns + ` FROM schools`
	if activeOnly {
		q += ` WHERE active`
	}
	out := []School{}
	if err := s.db.SelectContext(ctx, &out, q+` ORDER BY sort_order, code`); err != nil {
		return nil, fmt.Errorf("alumni: schools: %w", sqldb.Classify(err))
	}
	return out, nil
}

func (s *Service) school(ctx context.Context, q sqlx.QueryerContext, code string) (School, error) {
	var sc School
	err := sqlx.GetContext(ctx, q, &sc, `SELECT `+schoolColumns+` FROM schools WHERE code = ?`, code)
	if errors.Is(err, sql.ErrNoRows) {
		return School{}, ErrNotFound
	}
	if err != nil {
		return School{}, fmt.Errorf("alumni: school: %w", sqldb.Classify(err))
	}
	return sc, nil
}

func schoolName(name string) (string, error) {
	name = clean(name)
	if n := utf8.RuneCountInString(name); n < 2 || n > 64 {
		return "", &FieldError{"name", "学校名称为 2-64 字"}
	}
	return name, nil
}

// CreateSchool adds a school (audited). A code or name in use is ErrSchoolExists.
func (s *Service) CreateSchool(ctx context.Context, actor actor.Actor, in SchoolInput) (School, error) {
	in.Code = strings.TrimSpace(in.Code)
	if !schoolCodeRE.MatchString(in.Code) {
		return School{}, &FieldError{"code", "学校代码为 2-32 位小写字母、数字或下划线"}
	}
	if in.Name == nil {
		return School{}, &FieldError{"name", "请填写学校名称"}
	}
	name, err := schoolName(*in.Name)
	if err != nil {
		return School{}, err
	}
	active, sort := true, 0
	if in.Active != nil {
		active = *in.Active
	}
	if in.Sort != nil {
		sort = *in.Sort
	}
	err = sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		now := s.now().UTC()
		_, err := tx.ExecContext(ctx, `INSERT INTO schools (code, name, active, sort_order, is_demo, created_at, updated_at)
			VALUES (?, ?, ?, ?, FALSE, ?, ?)`, in.Code, name, active, sort, now, now)
		if err := sqldb.Classify(err); errors.Is(err, sqldb.ErrDuplicate) {
			return ErrSchoolExists
		} else if err != nil {
			return fmt.Errorf("alumni: create school: %w", err)
		}
		e := actor.Audit("alumni.school.create", "school", in.Code)
		e.Detail = map[string]any{"name": name, "active": active, "sort": sort}
		return audit.Write(ctx, tx, e)
	})
	if err != nil {
		return School{}, err
	}
	return s.school(ctx, s.db, in.Code)
}

// UpdateSchool changes a school's name, active flag or sort order (audited). Deactivating a
// school hides it from the picker; alumni who chose it keep it.
func (s *Service) UpdateSchool(ctx context.Context, actor actor.Actor, code string, in SchoolInput) (School, error) {
	sets, args, detail := []string{}, []any{}, map[string]any{}
	if in.Name != nil {
		name, err := schoolName(*in.Name)
		if err != nil {
			return School{}, err
		}
		sets, args, detail["name"] = append(sets, "name = ?"), append(args, name), name
	}
	if in.Active != nil {
		sets, args, detail["active"] = append(sets, "active = ?"), append(args, *in.Active), *in.Active
	}
	if in.Sort != nil {
		sets, args, detail["sort"] = append(sets, "sort_order = ?"), append(args, *in.Sort), *in.Sort
	}
	err := sqldb.WithTx(ctx, s.db, func(tx *sqlx.Tx) error {
		var exists int
		if err := tx.GetContext(ctx, &exists, `SELECT COUNT(*) FROM schools WHERE code = ? FOR UPDATE`, code); err != nil {
			return fmt.Errorf("alumni: school: %w", sqldb.Classify(err))
		}
		if exists == 0 {
			return ErrNotFound
		}
		if len(sets) == 0 {
			return nil
		}
		_, err := tx.ExecContext(ctx, `UPDATE schools SET `+strings.Join(sets, ", ")+`, updated_at = ? WHERE code = ?`,
			append(args, s.now().UTC(), code)...)
		if err := sqldb.Classify(err); errors.Is(err, sqldb.ErrDuplicate) {
			return ErrSchoolExists
		} else if err != nil {
			return fmt.Errorf("alumni: update school: %w", err)
		}
		e := actor.Audit("alumni.school.update", "school", code)
		e.Detail = detail
		return audit.Write(ctx, tx, e)
	})
	if err != nil {
		return School{}, err
	}
	return s.school(ctx, s.db, code)
}
