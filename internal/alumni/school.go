package alumni

import (
	"context"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/actor"
	"huixiang/internal/audit"
	"huixiang/internal/sqldb"
)

var schoolCodeRE = regexp.MustCompile(`^[a-z0-9_]{2,32}$`)

// Schools lists the schools by sort order; activeOnly for the mini program's picker.
func (s *Service) Schools(ctx context.Context, activeOnly bool) ([]School, error) {
	return listSchools(ctx, s.db, activeOnly)
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
		if err := insertSchool(ctx, tx, in.Code, name, active, sort, s.now().UTC()); err != nil {
			return err
		}
		e := actor.Audit("alumni.school.create", "school", in.Code)
		e.Detail = map[string]any{"name": name, "active": active, "sort": sort}
		return audit.Write(ctx, tx, e)
	})
	if err != nil {
		return School{}, err
	}
	return getSchool(ctx, s.db, in.Code)
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
		if err := lockSchool(ctx, tx, code); err != nil {
			return err
		}
		if len(sets) == 0 {
			return nil
		}
		if err := updateSchool(ctx, tx, code, sets, args, s.now().UTC()); err != nil {
			return err
		}
		e := actor.Audit("alumni.school.update", "school", code)
		e.Detail = detail
		return audit.Write(ctx, tx, e)
	})
	if err != nil {
		return School{}, err
	}
	return getSchool(ctx, s.db, code)
}
