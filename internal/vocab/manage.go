package vocab

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/actor"
	"huixiang/internal/audit"
	"huixiang/internal/sqldb"
)

// Errors of the option management functions.
var (
	// ErrNotFound: no option of that kind and code.
	ErrNotFound = errors.New("vocab: option not found")
	// ErrInvalid: a kind staff may not change, or a label or code not of its form.
	ErrInvalid = errors.New("vocab: invalid option")
	// ErrDuplicate: the code or the label is already an option of that kind.
	ErrDuplicate = errors.New("vocab: duplicate option")
	// ErrForbidden: the actor may not change the option lists.
	ErrForbidden = errors.New("vocab: not allowed")
)

// Kinds are the option lists staff may change, in the order the console shows them, with their
// names. Education levels and business types are fixed by the statistics the district reports.
var Kinds = []KindInfo{
	{Kind: "intended_field", Name: "意向创业领域"},
	{Kind: "need", Name: "需求"},
	{Kind: "skill", Name: "技能"},
}

// KindInfo names an option list.
type KindInfo struct {
	Kind string
	Name string
}

// Editable reports whether staff may change kind's options.
func Editable(kind string) bool {
	for _, k := range Kinds {
		if k.Kind == kind {
			return true
		}
	}
	return false
}

// generation counts option changes in this process: every Cache drops its lists when it sees a
// new one, so a change shows at once here and within the cache's max age elsewhere.
var generation atomic.Uint64

// Option is an option as staff manage it, active or not.
type Option struct {
	Kind      string `db:"kind"`
	Code      string `db:"code"`
	Label     string `db:"label"`
	SortOrder int    `db:"sort_order"`
	Active    bool   `db:"active"`
}

// All lists every option of kind, active or not, in display order.
func All(ctx context.Context, db sqlx.QueryerContext, kind string) ([]Option, error) {
	if !Editable(kind) {
		return nil, ErrInvalid
	}
	var out []Option
	err := sqlx.SelectContext(ctx, db, &out, `SELECT kind, code, label, sort_order, active FROM option_items
		WHERE kind = ? ORDER BY sort_order, code`, kind)
	if err != nil {
		return nil, fmt.Errorf("vocab: all: %w", err)
	}
	return out, nil
}

var codeRE = regexp.MustCompile(`^[a-z][a-z0-9_]{1,31}$`)

func checkLabel(label string) (string, error) {
	label = strings.TrimSpace(label)
	if label == "" || utf8.RuneCountInString(label) > 64 {
		return "", fmt.Errorf("%w: label must be 1-64 characters", ErrInvalid)
	}
	return label, nil
}

// newCode is a code for an option added without one: staff see labels, records keep codes.
func newCode() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return "opt_" + hex.EncodeToString(b)
}

// Add appends an active option to kind, before "其他" (other), audited. An empty code gets a
// generated one. A label the kind already has (active or not) is ErrDuplicate: reactivate it.
func Add(ctx context.Context, db *sqlx.DB, by actor.Actor, kind, code, label string) (Option, error) {
	if !by.MayManageStaff() {
		return Option{}, ErrForbidden
	}
	if !Editable(kind) {
		return Option{}, fmt.Errorf("%w: kind", ErrInvalid)
	}
	label, err := checkLabel(label)
	if err != nil {
		return Option{}, err
	}
	code = strings.TrimSpace(code)
	if code == "" {
		code = newCode()
	} else if !codeRE.MatchString(code) {
		return Option{}, fmt.Errorf("%w: code must be 2-32 lower-case letters, digits or _", ErrInvalid)
	}
	o := Option{Kind: kind, Code: code, Label: label, Active: true}
	err = sqldb.WithTx(ctx, db, func(tx *sqlx.Tx) error {
		var same int
		if err := tx.GetContext(ctx, &same, `SELECT COUNT(*) FROM option_items WHERE kind = ? AND label = ?`, kind, label); err != nil {
			return fmt.Errorf("vocab: add: %w", err)
		}
		if same > 0 {
			return ErrDuplicate
		}
		// After the last ordinary option, before the catch-all ones (sort_order ≥ 900).
		if err := tx.GetContext(ctx, &o.SortOrder, `SELECT COALESCE(MAX(sort_order), 0) + 10 FROM option_items
			WHERE kind = ? AND sort_order < 900`, kind); err != nil {
			return fmt.Errorf("vocab: add: %w", err)
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO option_items (kind, code, label, sort_order, active) VALUES (?, ?, ?, ?, TRUE)`,
			kind, code, label, o.SortOrder)
		if err := sqldb.Classify(err); errors.Is(err, sqldb.ErrDuplicate) {
			return ErrDuplicate
		} else if err != nil {
			return fmt.Errorf("vocab: add: %w", err)
		}
		e := by.Audit("option.add", "option", kind+":"+code)
		e.Detail = map[string]any{"kind": kind, "code": code, "label": label}
		return audit.Write(ctx, tx, e)
	})
	if err != nil {
		return Option{}, err
	}
	generation.Add(1)
	return o, nil
}

// Rename changes the label of an option, audited; its code, and so every record that holds it,
// stays.
func Rename(ctx context.Context, db *sqlx.DB, by actor.Actor, kind, code, label string) (Option, error) {
	label, err := checkLabel(label)
	if err != nil {
		return Option{}, err
	}
	return change(ctx, db, by, kind, code, func(o *Option) (string, map[string]any, error) {
		if o.Label == label {
			return "", nil, nil
		}
		var same int
		if err := db.GetContext(ctx, &same, `SELECT COUNT(*) FROM option_items WHERE kind = ? AND label = ? AND code <> ?`,
			kind, label, code); err != nil {
			return "", nil, fmt.Errorf("vocab: rename: %w", err)
		}
		if same > 0 {
			return "", nil, ErrDuplicate
		}
		detail := map[string]any{"from": o.Label, "to": label}
		o.Label = label
		return "option.rename", detail, nil
	})
}

// SetActive deactivates an option (it leaves the forms; the records that hold its code keep
// it) or reactivates it, audited. Options are never deleted.
func SetActive(ctx context.Context, db *sqlx.DB, by actor.Actor, kind, code string, active bool) (Option, error) {
	return change(ctx, db, by, kind, code, func(o *Option) (string, map[string]any, error) {
		if o.Active == active {
			return "", nil, nil
		}
		o.Active = active
		if active {
			return "option.reactivate", nil, nil
		}
		return "option.deactivate", nil, nil
	})
}

// change applies fn to the option under its row lock and writes it back with fn's audit action
// ("" = nothing changed).
func change(ctx context.Context, db *sqlx.DB, by actor.Actor, kind, code string,
	fn func(o *Option) (string, map[string]any, error)) (Option, error) {
	if !by.MayManageStaff() {
		return Option{}, ErrForbidden
	}
	if !Editable(kind) {
		return Option{}, ErrNotFound
	}
	var o Option
	changed := false
	err := sqldb.WithTx(ctx, db, func(tx *sqlx.Tx) error {
		err := tx.GetContext(ctx, &o, `SELECT kind, code, label, sort_order, active FROM option_items
			WHERE kind = ? AND code = ? FOR UPDATE`, kind, code)
		if errors.Is(err, sql.ErrNoRows) || errors.Is(sqldb.Classify(err), sqldb.ErrBadValue) {
			return ErrNotFound
		} else if err != nil {
			return fmt.Errorf("vocab: change: %w", err)
		}
		action, detail, err := fn(&o)
		if err != nil || action == "" {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE option_items SET label = ?, active = ? WHERE kind = ? AND code = ?`,
			o.Label, o.Active, kind, code); err != nil {
			return fmt.Errorf("vocab: change: %w", err)
		}
		changed = true
		e := by.Audit(action, "option", kind+":"+code)
		if detail == nil {
			detail = map[string]any{}
		}
		detail["kind"], detail["code"] = kind, code
		e.Detail = detail
		return audit.Write(ctx, tx, e)
	})
	if err != nil {
		return Option{}, err
	}
	if changed {
		generation.Add(1)
	}
	return o, nil
}
