package person

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/cnid"
	"huixiang/internal/pii"
	"huixiang/internal/sqldb"
)

// Match is a person found by Search, as staff see them: ID number and phone masked, with the
// township of their returnee record and the status of their alumnus record, if any.
type Match struct {
	PersonID int64
	Name     string
	IDCard   string // masked
	Phone    string // masked; "" when none
	Township string // "" when the person is no returnee
	Alumnus  string // the alumnus record's status; "" when none
	Returnee bool
}

// SearchError says why a search text cannot be searched (Chinese, for the form).
type SearchError struct{ Message string }

func (e *SearchError) Error() string { return "person: search: " + e.Message }

// Search limits.
const (
	// nameCandidates bounds the persons of one name whose phones are decrypted to compare the
	// last four digits: a name is a small set, never the table.
	nameCandidates = 200
	maxMatches     = 20
)

var (
	digitsRE = regexp.MustCompile(`^[0-9]+$`)
	// nameTail is a name followed by the last four digits of the phone: "张三 5678", "张三5678".
	nameTail = regexp.MustCompile(`^(.*?)\s*([0-9]{4})$`)
)

// Search finds registered persons (returnees or alumni) by what staff type:
//   - a full ID number: by its blind index;
//   - a full 11-digit phone: by its blind index;
//   - a name (a prefix of it), optionally followed by the last four digits of the phone
//     ("张三 5678"): the persons of that name (by the name index), whose phones alone are
//     decrypted to compare the last four digits.
//
// The last four digits alone match about one person in ten thousand at random and are no
// identification: they are asked for together with the name. At most 20 matches are returned.
func (s *Store) Search(ctx context.Context, db sqlx.QueryerContext, text string, now time.Time) ([]Match, error) {
	text = strings.TrimSpace(text)
	switch {
	case text == "":
		return []Match{}, nil
	case digitsRE.MatchString(text) && len(text) == 4:
		return nil, &SearchError{"手机号后四位请与姓名一起输入，如：张三 5678"}
	case digitsRE.MatchString(text) && len(text) == 11:
		return s.find(ctx, db, "p.phone_idx = ?", []any{s.box.Index(FieldPhone, text)}, "")
	case len(text) == 18 && digitsRE.MatchString(text[:17]):
		id, err := cnid.ParseIDCard(text, now)
		if err != nil {
			return nil, &SearchError{"身份证号码不正确，请核对后输入完整的 18 位号码"}
		}
		return s.find(ctx, db, "p.id_card_idx = ?", []any{s.box.Index(FieldIDCard, id.Number)}, "")
	case digitsRE.MatchString(text):
		return nil, &SearchError{"请输入姓名、姓名加手机号后四位、完整的 18 位身份证号码或 11 位手机号"}
	}
	name, tail := text, ""
	if m := nameTail.FindStringSubmatch(text); m != nil && m[1] != "" {
		name, tail = strings.TrimSpace(m[1]), m[2]
	}
	if utf8.RuneCountInString(name) > 32 {
		return nil, &SearchError{"姓名不能超过 32 个字"}
	}
	return s.find(ctx, db, "p.name LIKE ?", []any{escapeLike(name) + "%"}, tail)
}

// ByID is the person id as Search shows one; ErrNotFound when it is neither a returnee nor an
// alumnus.
func (s *Store) ByID(ctx context.Context, db sqlx.QueryerContext, id int64) (Match, error) {
	ms, err := s.find(ctx, db, "p.id = ?", []any{id}, "")
	if err != nil {
		return Match{}, err
	}
	if len(ms) == 0 {
		return Match{}, ErrNotFound
	}
	return ms[0], nil
}

type matchRow struct {
	ID        int64   `db:"id"`
	Name      string  `db:"name"`
	IDCardEnc []byte  `db:"id_card_enc"`
	PhoneEnc  []byte  `db:"phone_enc"`
	Alumnus   *string `db:"alumnus"`
	Returnee  bool    `db:"returnee"`
	Township  *string `db:"township"`
}

// find reads the registered persons matching where (at most nameCandidates), keeps those whose
// phone ends in tail (when given) and masks them.
func (s *Store) find(ctx context.Context, db sqlx.QueryerContext, where string, args []any, tail string) ([]Match, error) {
	var rows []matchRow
	q := `SELECT p.id, p.name, p.id_card_enc, p.phone_enc, a.status AS alumnus, r.person_id IS NOT NULL AS returnee,
			COALESCE(t.name, r.township_code) AS township
		FROM persons p
		LEFT JOIN alumni a ON a.person_id = p.id
		LEFT JOIN returnees r ON r.person_id = p.id
		LEFT JOIN regions t ON t.code = r.township_code
		WHERE ` + where + ` AND (a.person_id IS NOT NULL OR r.person_id IS NOT NULL)
		ORDER BY p.name, p.id LIMIT ?`
	if err := sqlx.SelectContext(ctx, db, &rows, q, append(args, nameCandidates)...); err != nil {
		return nil, fmt.Errorf("person: search: %w", sqldb.Classify(err))
	}
	out := make([]Match, 0, min(len(rows), maxMatches))
	for _, r := range rows {
		phone := ""
		if r.PhoneEnc != nil {
			p, err := s.box.Open(FieldPhone, r.PhoneEnc)
			if err != nil {
				return nil, fmt.Errorf("person %d: %w", r.ID, err)
			}
			phone = p
		}
		if tail != "" && !strings.HasSuffix(phone, tail) {
			continue
		}
		idCard, err := s.box.Open(FieldIDCard, r.IDCardEnc)
		if err != nil {
			return nil, fmt.Errorf("person %d: %w", r.ID, err)
		}
		m := Match{PersonID: r.ID, Name: r.Name, IDCard: cnid.MaskIDCard(idCard), Returnee: r.Returnee}
		if phone != "" {
			m.Phone = pii.MaskPhone(phone)
		}
		if r.Alumnus != nil {
			m.Alumnus = *r.Alumnus
		}
		if r.Township != nil {
			m.Township = *r.Township
		}
		out = append(out, m)
		if len(out) == maxMatches {
			break
		}
	}
	return out, nil
}

// escapeLike escapes LIKE's wildcards in s (the default escape character is the backslash).
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
