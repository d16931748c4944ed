package upload

import (
	"bufio"
	"bytes"
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"
)

// ErrCorrupt is a stored file that does not decrypt: altered, truncated, or written under
// another key.
var ErrCorrupt = errors.New("upload: stored file is corrupt or was encrypted with another key")

// The encrypted format: magic, a random salt, then the plaintext in segments of segmentSize
// bytes, each sealed with AES-256-GCM (16-byte tag). The file key is derived from the master key,
// the salt and the storage key (HKDF-SHA256), so each file has its own key and a file copied
// under another key does not open. A segment's nonce is its index and a flag for the last one
// (the STREAM construction), so segments cannot be reordered, dropped or cut off at the end.
// Files are streamed, never held whole: one segment in memory at a time.
const (
	encMagic    = "HXE1"
	saltSize    = 32
	segmentSize = 64 << 10
	tagSize     = 16
)

// DeriveFileKey derives the file encryption key from the PII key, for deployments that do not
// set one of their own; the label keeps the two keys independent.
func DeriveFileKey(piiKey []byte) []byte {
	k, err := hkdf.Key(sha256.New, piiKey, nil, "huixiang upload file key v1", 32)
	if err != nil {
		panic(err) // only for a length sha256 cannot give
	}
	return k
}

// Encrypted is a Storage that encrypts what it writes to another Storage and decrypts what it
// reads. Files written before encryption was turned on (no magic header: they start with the
// JPEG, PNG or PDF signature) are read as they are.
type Encrypted struct {
	inner Storage
	key   []byte
}

// NewEncrypted wraps inner with the 32-byte master key.
func NewEncrypted(inner Storage, key []byte) (*Encrypted, error) {
	if len(key) != 32 {
		return nil, errors.New("upload: file key must be 32 bytes")
	}
	return &Encrypted{inner: inner, key: bytes.Clone(key)}, nil
}

func (e *Encrypted) aead(salt []byte, key string) (cipher.AEAD, error) {
	fk, err := hkdf.Key(sha256.New, e.key, salt, "huixiang upload file v1\x00"+key, 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(fk)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(block)
}

func segmentNonce(n uint64, last bool) []byte {
	nonce := make([]byte, 12)
	binary.BigEndian.PutUint64(nonce[3:11], n)
	if last {
		nonce[11] = 1
	}
	return nonce
}

// Put implements Storage: r's bytes are encrypted on the way to the inner storage.
func (e *Encrypted) Put(ctx context.Context, key string, r io.Reader) error {
	salt := make([]byte, saltSize)
	if _, err := rand.Read(salt); err != nil {
		return fmt.Errorf("upload: put %s: %w", key, err)
	}
	aead, err := e.aead(salt, key)
	if err != nil {
		return fmt.Errorf("upload: put %s: %w", key, err)
	}
	s := &sealer{src: bufio.NewReaderSize(r, segmentSize), aead: aead, plain: make([]byte, segmentSize),
		sealed: make([]byte, 0, segmentSize+tagSize), out: append([]byte(encMagic), salt...)}
	return e.inner.Put(ctx, key, s)
}

// sealer reads plaintext and yields the encrypted format. Errors of the source (size limit,
// broken body) come through unchanged, so the caller still sees them.
type sealer struct {
	src   *bufio.Reader
	aead  cipher.AEAD
	plain []byte
	// sealed holds the current segment; out is what of it (or of the header) is left to read.
	sealed []byte
	out    []byte
	n      uint64
	done   bool
}

func (s *sealer) Read(p []byte) (int, error) {
	for len(s.out) == 0 {
		if s.done {
			return 0, io.EOF
		}
		// io.ReadFull and bufio return io.EOF and io.ErrUnexpectedEOF unwrapped; any other error
		// is the source's (size limit, broken body) and goes to the caller as it is.
		n, err := io.ReadFull(s.src, s.plain)
		last := false
		switch {
		case err == io.EOF || err == io.ErrUnexpectedEOF:
			last = true
		case err != nil:
			return 0, err
		default:
			if _, err := s.src.Peek(1); err == io.EOF {
				last = true
			} else if err != nil {
				return 0, err
			}
		}
		s.out = s.aead.Seal(s.sealed[:0], segmentNonce(s.n, last), s.plain[:n], nil)
		s.n++
		s.done = last
	}
	n := copy(p, s.out)
	s.out = s.out[n:]
	return n, nil
}

// Open implements Storage. The first segment is decrypted before Open returns, so a wrong key
// or a damaged file fails here (ErrCorrupt), before anything is sent.
func (e *Encrypted) Open(ctx context.Context, key string) (io.ReadCloser, error) {
	rc, err := e.inner.Open(ctx, key)
	if err != nil {
		return nil, err
	}
	br := bufio.NewReaderSize(rc, segmentSize+tagSize)
	head, err := br.Peek(len(encMagic) + saltSize)
	if string(head[:min(len(head), len(encMagic))]) != encMagic {
		if err != nil && !errors.Is(err, io.EOF) {
			rc.Close()
			return nil, fmt.Errorf("upload: open %s: %w", key, err)
		}
		// Stored before encryption: the bytes are the file.
		return readCloser{br, rc}, nil
	}
	if err != nil {
		rc.Close()
		return nil, fmt.Errorf("%w: %s: short header", ErrCorrupt, key)
	}
	aead, err := e.aead(bytes.Clone(head[len(encMagic):]), key)
	if err != nil {
		rc.Close()
		return nil, fmt.Errorf("upload: open %s: %w", key, err)
	}
	_, _ = br.Discard(len(head)) // cannot fail: Peek buffered these bytes
	o := &opener{src: br, aead: aead, ct: make([]byte, segmentSize+tagSize),
		plain: make([]byte, 0, segmentSize), key: key}
	if err := o.next(); err != nil {
		rc.Close()
		return nil, err
	}
	return readCloser{o, rc}, nil
}

// opener decrypts the segments one at a time.
type opener struct {
	src  *bufio.Reader
	aead cipher.AEAD
	ct   []byte
	// plain holds the current segment; out is what of it is left to read.
	plain []byte
	out   []byte
	n     uint64
	done  bool
	key   string
}

func (o *opener) next() error {
	n, err := io.ReadFull(o.src, o.ct)
	last := false
	switch {
	case errors.Is(err, io.EOF):
		return fmt.Errorf("%w: %s: truncated", ErrCorrupt, o.key)
	case errors.Is(err, io.ErrUnexpectedEOF):
		last = true
	case err != nil:
		return fmt.Errorf("upload: read %s: %w", o.key, err)
	default:
		if _, err := o.src.Peek(1); err == io.EOF {
			last = true
		} else if err != nil {
			return fmt.Errorf("upload: read %s: %w", o.key, err)
		}
	}
	if n < tagSize {
		return fmt.Errorf("%w: %s: truncated", ErrCorrupt, o.key)
	}
	out, err := o.aead.Open(o.plain[:0], segmentNonce(o.n, last), o.ct[:n], nil)
	if err != nil {
		return fmt.Errorf("%w: %s: segment %d", ErrCorrupt, o.key, o.n)
	}
	o.out, o.done = out, last
	o.n++
	return nil
}

func (o *opener) Read(p []byte) (int, error) {
	for len(o.out) == 0 {
		if o.done {
			return 0, io.EOF
		}
		if err := o.next(); err != nil {
			return 0, err
		}
	}
	n := copy(p, o.out)
	o.out = o.out[n:]
	return n, nil
}

type readCloser struct {
	io.Reader
	io.Closer
}

// Delete implements Storage.
func (e *Encrypted) Delete(ctx context.Context, key string) error { return e.inner.Delete(ctx, key) }

// List implements Lister when the inner storage does.
func (e *Encrypted) List(ctx context.Context, before time.Time, fn func(key string) error) error {
	l, ok := e.inner.(Lister)
	if !ok {
		return nil
	}
	return l.List(ctx, before, fn)
}
