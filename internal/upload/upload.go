// Package upload keeps the files applicants attach to their applications (business licence, ID
// photos, other materials): it sniffs and bounds what it accepts, stores the bytes through a
// small Storage interface (encrypted at rest by Encrypted), records each file in MySQL, and
// hands out short-lived signed URLs. Each user has a daily quota of files and bytes (Save), and
// uploads no record claims are deleted after a day (Sweep).
//
// Who may see a file: its owner (the mini-program user who uploaded it), and staff who may review
// the record it is attached to, which the caller decides (see StaffView and ListAttached). The
// signed URL itself is the permission to fetch, so that <image src> and wx.downloadFile work
// without a session; it expires after minutes.
package upload

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"path"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"huixiang/internal/sqldb"
)

// Kinds of attachment.
const (
	KindBusinessLicence = "business_licence"
	KindIDFront         = "id_front"
	KindIDBack          = "id_back"
	KindOther           = "other"
)

// The content types accepted, as sniffed from the bytes.
const (
	TypeJPEG = "image/jpeg"
	TypePNG  = "image/png"
	TypePDF  = "application/pdf"
)

// FilePath is where the HTTP layer serves files; signed URLs point there.
const FilePath = "/api/v1/files/"

// maxNameRunes bounds the original file name kept with an upload.
const maxNameRunes = 100

// Errors.
var (
	ErrNotFound = errors.New("upload: not found")
	// ErrUnsupportedType is a file whose bytes are not JPEG, PNG or PDF, whatever its name says.
	ErrUnsupportedType = errors.New("upload: unsupported file type")
	// ErrTooLarge is a file over the size limit (returned as a *SizeError).
	ErrTooLarge = errors.New("upload: file too large")
	// ErrEmpty is a file with no bytes.
	ErrEmpty = errors.New("upload: empty file")
	// ErrInvalidKind is a kind that is not one of the Kind constants.
	ErrInvalidKind = errors.New("upload: invalid kind")
	// ErrIncomplete means the file could not be read to its end (the client went away or sent a
	// broken body). It wraps the reader's error.
	ErrIncomplete = errors.New("upload: file not received completely")
	// ErrURLExpired is a correctly signed URL past its expiry.
	ErrURLExpired = errors.New("upload: signed url expired")
	// ErrBadSignature is a URL whose signature does not match: forged, altered or truncated.
	ErrBadSignature = errors.New("upload: bad url signature")
	// ErrNotAttachable means an upload given to Attach does not exist, is not the user's, or is
	// already attached to another record.
	ErrNotAttachable = errors.New("upload: not attachable")
	// ErrTooManyDocuments: a record already has MaxDocuments documents.
	ErrTooManyDocuments = errors.New("upload: too many documents")
	// ErrNotPDF: a document that is not a PDF (a picture is a fine upload, not a document).
	ErrNotPDF = errors.New("upload: document is not a PDF")
)

// SizeError is a file over the limit; it unwraps to ErrTooLarge.
type SizeError struct {
	Max int64 // the limit in bytes
}

func (e *SizeError) Error() string { return fmt.Sprintf("%v (limit %d bytes)", ErrTooLarge, e.Max) }

// Unwrap makes errors.Is(err, ErrTooLarge) true.
func (e *SizeError) Unwrap() error { return ErrTooLarge }

var kinds = map[string]bool{KindBusinessLicence: true, KindIDFront: true, KindIDBack: true, KindOther: true}

// CheckKind returns ErrInvalidKind unless kind is one of the Kind constants or empty (other).
func CheckKind(kind string) error {
	if kind != "" && !kinds[kind] {
		return fmt.Errorf("%w: %q", ErrInvalidKind, kind)
	}
	return nil
}

var extFor = map[string]string{TypeJPEG: ".jpg", TypePNG: ".png", TypePDF: ".pdf"}

// Upload is an uploaded file's record.
type Upload struct {
	ID          string    `json:"id"`
	Kind        string    `json:"kind"`
	ContentType string    `json:"content_type"`
	Size        int64     `json:"size"`
	SHA256      string    `json:"sha256"`
	Name        string    `json:"name"`
	CreatedAt   time.Time `json:"created_at"`
	// Attached says whether a record (an application) has claimed the file.
	Attached bool `json:"attached"`
	// URL is a signed URL valid until URLExpiresAt; set by the methods that hand out access.
	URL          string     `json:"url,omitempty"`
	URLExpiresAt *time.Time `json:"url_expires_at,omitempty"`

	OwnerUserID    int64  `json:"-"`
	AttachedToType string `json:"-"`
	AttachedToID   int64  `json:"-"`
	storageKey     string
}

// FileName is the name to offer for download: the original name with the extension of the
// sniffed type (a PNG sent as "licence.pdf" downloads as "licence.png").
func (u Upload) FileName() string {
	want := extFor[u.ContentType]
	name := u.Name
	if name == "" {
		name = u.Kind
	}
	ext := strings.ToLower(path.Ext(name))
	if ext == want || (want == ".jpg" && ext == ".jpeg") {
		return name
	}
	switch ext {
	case ".jpg", ".jpeg", ".png", ".pdf":
		name = name[:len(name)-len(ext)]
	}
	return name + want
}

// File is an open uploaded file being served through a signed URL.
type File struct {
	Upload
	Body io.ReadCloser
	// Expires is when the URL that opened it stops working.
	Expires time.Time
}

// Options configures a Service.
type Options struct {
	Storage Storage
	// MaxBytes is the largest file accepted.
	MaxBytes int64
	// URLKey signs the URLs; at least 32 bytes. Every replica needs the same key.
	URLKey []byte
	// URLTTL is how long a signed URL works.
	URLTTL time.Duration
	// URLBase is prepended to FilePath in signed URLs ("https://api.example.cn"); empty gives
	// host-relative URLs.
	URLBase string
	// DailyFiles and DailyBytes are how many files and bytes one user may upload per calendar
	// day in Beijing (0: no limit).
	DailyFiles, DailyBytes int64
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Service stores and serves uploads.
type Service struct {
	db  *sqlx.DB
	o   Options
	now func() time.Time
}

// NewService returns a Service over db and o.Storage.
func NewService(db *sqlx.DB, o Options) (*Service, error) {
	if o.Storage == nil {
		return nil, errors.New("upload: no storage")
	}
	if len(o.URLKey) < 32 {
		return nil, errors.New("upload: url key shorter than 32 bytes")
	}
	if o.MaxBytes <= 0 || o.URLTTL <= 0 {
		return nil, errors.New("upload: max bytes and url ttl must be positive")
	}
	if o.DailyFiles < 0 || o.DailyBytes < 0 {
		return nil, errors.New("upload: daily quota must not be negative")
	}
	o.URLBase = strings.TrimRight(o.URLBase, "/")
	now := o.Now
	if now == nil {
		now = time.Now
	}
	return &Service{db: db, o: o, now: now}, nil
}

// MaxBytes is the largest file the service accepts.
func (s *Service) MaxBytes() int64 { return s.o.MaxBytes }

// Received is a file stored but not yet recorded: Save records it, Discard removes it.
type Received struct {
	key         string
	contentType string
	size        int64
	sha256      string
	name        string
}

// ContentType is the sniffed type of the received file.
func (r *Received) ContentType() string { return r.contentType }

// Create receives r as the file name of kind for the user and records it. It is Receive then
// Save; callers that learn the kind only after the bytes use those two.
func (s *Service) Create(ctx context.Context, ownerUserID int64, kind, name string, r io.Reader) (Upload, error) {
	if err := CheckKind(kind); err != nil {
		return Upload{}, err
	}
	if err := s.CheckQuota(ctx, ownerUserID); err != nil {
		return Upload{}, err
	}
	rec, err := s.Receive(ctx, name, r)
	if err != nil {
		return Upload{}, err
	}
	return s.Save(ctx, rec, ownerUserID, kind)
}

// Receive streams r into storage: it sniffs the type from the first 512 bytes (ErrEmpty,
// ErrUnsupportedType), stops at MaxBytes (ErrTooLarge) and hashes on the way. The file is never
// held in memory whole, and on any error nothing is left in storage.
func (s *Service) Receive(ctx context.Context, name string, r io.Reader) (*Received, error) {
	head := make([]byte, 512)
	n, err := io.ReadFull(r, head)
	switch {
	case errors.Is(err, io.EOF):
		return nil, ErrEmpty
	case err != nil && !errors.Is(err, io.ErrUnexpectedEOF):
		return nil, fmt.Errorf("%w: %w", ErrIncomplete, err)
	}
	ct := http.DetectContentType(head[:n])
	if _, ok := extFor[ct]; !ok {
		return nil, fmt.Errorf("%w: %s", ErrUnsupportedType, ct)
	}
	key, err := newStorageKey(s.now())
	if err != nil {
		return nil, err
	}
	body := &limitReader{r: io.MultiReader(bytes.NewReader(head[:n]), r), max: s.o.MaxBytes, left: s.o.MaxBytes + 1, h: sha256.New()}
	if err := s.o.Storage.Put(ctx, key, body); err != nil {
		_ = s.o.Storage.Delete(context.WithoutCancel(ctx), key) // Put promises this; be sure
		return nil, err
	}
	return &Received{key: key, contentType: ct, size: body.n, sha256: hex.EncodeToString(body.h.Sum(nil)), name: cleanName(name)}, nil
}

// Save records a received file as the user's upload of kind (empty means other), counting it
// against the user's daily quota in the same transaction (a *QuotaError when over). On error the
// stored bytes are removed.
func (s *Service) Save(ctx context.Context, rec *Received, ownerUserID int64, kind string) (Upload, error) {
	if kind == "" {
		kind = KindOther
	}
	if err := CheckKind(kind); err != nil {
		s.Discard(ctx, rec)
		return Upload{}, err
	}
	id, err := newID()
	if err != nil {
		s.Discard(ctx, rec)
		return Upload{}, err
	}
	now := s.now()
	u := Upload{ID: id, Kind: kind, ContentType: rec.contentType, Size: rec.size, SHA256: rec.sha256, Name: rec.name,
		CreatedAt: now.UTC().Truncate(time.Millisecond), OwnerUserID: ownerUserID, storageKey: rec.key}
	err = sqldb.Retry(ctx, s.db, 3, func(tx *sqlx.Tx) error {
		if err := s.charge(ctx, tx, ownerUserID, rec.size, now); err != nil {
			return err
		}
		return insert(ctx, tx, u)
	})
	if err != nil {
		s.Discard(ctx, rec)
		return Upload{}, err
	}
	s.withURL(&u)
	return u, nil
}

// Discard removes a received file that will not be saved.
func (s *Service) Discard(ctx context.Context, rec *Received) {
	if rec != nil {
		_ = s.o.Storage.Delete(context.WithoutCancel(ctx), rec.key)
	}
}

// Mine returns the user's own upload with a fresh signed URL; anyone else's is ErrNotFound.
func (s *Service) Mine(ctx context.Context, ownerUserID int64, id string) (Upload, error) {
	u, err := s.get(ctx, id)
	if err != nil {
		return Upload{}, err
	}
	if u.OwnerUserID != ownerUserID {
		return Upload{}, ErrNotFound
	}
	s.withURL(&u)
	return u, nil
}

// StaffView returns an attached upload with a fresh signed URL when mayView says the staff member
// may see the record it is attached to. Unattached uploads, and those mayView refuses, are
// ErrNotFound: staff cannot tell them from missing ones.
func (s *Service) StaffView(ctx context.Context, id string, mayView func(refType string, refID int64) (bool, error)) (Upload, error) {
	u, err := s.get(ctx, id)
	if err != nil {
		return Upload{}, err
	}
	if !u.Attached {
		return Upload{}, ErrNotFound
	}
	ok, err := mayView(u.AttachedToType, u.AttachedToID)
	if err != nil {
		return Upload{}, err
	}
	if !ok {
		return Upload{}, ErrNotFound
	}
	s.withURL(&u)
	return u, nil
}

// ListAttached returns the uploads attached to the record, oldest first, each with a fresh
// signed URL. The caller has checked that the viewer may see the record. q is the database or
// the caller's transaction (which sees the uploads it attached before committing).
func (s *Service) ListAttached(ctx context.Context, q sqlx.QueryerContext, refType string, refID int64) ([]Upload, error) {
	us, err := listAttached(ctx, q, refType, refID)
	if err != nil {
		return nil, err
	}
	for i := range us {
		s.withURL(&us[i])
	}
	return us, nil
}

// Attach claims the uploads for the record refType/refID inside the caller's transaction tx.
// Each must be the user's, not deleted, and not attached to another record (attaching again to
// the same record is allowed); otherwise the error wraps ErrNotAttachable and names the upload.
// An upload is claimed by a conditional UPDATE, so two records racing for it cannot both win.
func (s *Service) Attach(ctx context.Context, tx sqlx.ExtContext, uploadIDs []string, ownerUserID int64, refType string, refID int64) error {
	if refType == "" || len(refType) > 32 || refID <= 0 {
		return fmt.Errorf("upload: attach: invalid record %q/%d", refType, refID)
	}
	return attach(ctx, tx, uploadIDs, ownerUserID, refType, refID, s.now().UTC())
}

// OpenSigned checks a signed URL's exp and sig for the upload id and opens the file: a bad
// signature is ErrBadSignature, a good one past its time ErrURLExpired. The caller closes Body.
func (s *Service) OpenSigned(ctx context.Context, id, exp, sig string) (*File, error) {
	expires, err := s.verify(id, exp, sig)
	if err != nil {
		return nil, err
	}
	u, err := s.get(ctx, id)
	if err != nil {
		return nil, err
	}
	body, err := s.o.Storage.Open(ctx, u.storageKey)
	if err != nil {
		return nil, err
	}
	return &File{Upload: u, Body: body, Expires: expires}, nil
}

func (s *Service) get(ctx context.Context, id string) (Upload, error) {
	if !idRE.MatchString(id) {
		return Upload{}, ErrNotFound
	}
	return getUpload(ctx, s.db, id)
}

func (s *Service) withURL(u *Upload) {
	url, exp := s.SignedURL(u.ID)
	u.URL, u.URLExpiresAt = url, &exp
}

// idRE is the shape of upload ids: 16 random bytes, base64url without padding.
var idRE = regexp.MustCompile(`^[A-Za-z0-9_-]{22}$`)

func newID() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("upload: id: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// newStorageKey is "yyyy/mm/<32 hex>": unrelated to the public id, and spread over directories
// by month so that none grows without bound.
func newStorageKey(now time.Time) (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("upload: key: %w", err)
	}
	return now.UTC().Format("2006/01/") + hex.EncodeToString(b), nil
}

// limitReader passes through at most max bytes and fails with a SizeError on the byte after,
// counting and hashing what it passes. Errors of the underlying reader are ErrIncomplete.
type limitReader struct {
	r    io.Reader
	max  int64
	left int64 // max+1 - bytes read
	n    int64
	h    hash.Hash
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.left <= 0 {
		return 0, &SizeError{Max: l.max}
	}
	if int64(len(p)) > l.left {
		p = p[:l.left]
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	if l.left <= 0 {
		return 0, &SizeError{Max: l.max}
	}
	l.n += int64(n)
	l.h.Write(p[:n])
	if err != nil && !errors.Is(err, io.EOF) {
		err = fmt.Errorf("%w: %w", ErrIncomplete, err)
	}
	return n, err
}

// cleanName keeps a client's file name fit to store and show: no directories, control or
// invisible formatting characters (bidi overrides), quotes or characters Windows refuses, at most
// 100 characters with the extension kept.
func cleanName(name string) string {
	name = strings.ToValidUTF8(name, "")
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		switch {
		case unicode.IsControl(r), unicode.Is(unicode.Cf, r), strings.ContainsRune(`"<>:|?*`, r):
			return -1
		case unicode.IsSpace(r):
			return ' '
		}
		return r
	}, name)
	name = strings.Trim(name, " .")
	if utf8.RuneCountInString(name) > maxNameRunes {
		ext := path.Ext(name)
		if utf8.RuneCountInString(ext) > 10 {
			ext = ""
		}
		stem := []rune(name[:len(name)-len(ext)])
		name = strings.TrimRight(string(stem[:maxNameRunes-utf8.RuneCountInString(ext)]), " .") + ext
	}
	return name
}
