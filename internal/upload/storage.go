package upload

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"
)

// Storage keeps the bytes of uploaded files under keys the server makes up. It is all the
// service needs, so that an object store (S3, COS) can replace the local directory later.
type Storage interface {
	// Put stores everything r yields under key, all or nothing: when it returns an error (r's
	// error included, wrapped) nothing is left under key.
	Put(ctx context.Context, key string, r io.Reader) error
	// Open returns the object's bytes; a missing key is an error wrapping fs.ErrNotExist.
	Open(ctx context.Context, key string) (io.ReadCloser, error)
	// Delete removes the object; a missing key is not an error.
	Delete(ctx context.Context, key string) error
}

// keyRE is the shape of the keys the service generates ("2026/07/<hex>"); anything else is
// refused, so that no key can climb out of the directory.
var keyRE = regexp.MustCompile(`^[a-z0-9]+(/[a-z0-9]+)*$`)

// Local is a Storage in a directory of the local file system. Writes go to a temporary file in
// the target's directory that is renamed into place, so a reader never sees half a file.
type Local struct {
	dir string
}

// NewLocal returns a Local rooted at dir, creating the directory when it is missing.
func NewLocal(dir string) (*Local, error) {
	if dir == "" {
		return nil, errors.New("upload: storage directory is empty")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("upload: storage directory: %w", err)
	}
	if err := os.MkdirAll(abs, 0o750); err != nil {
		return nil, fmt.Errorf("upload: create storage directory: %w", err)
	}
	return &Local{dir: abs}, nil
}

func (l *Local) path(key string) (string, error) {
	if len(key) > 200 || !keyRE.MatchString(key) {
		return "", fmt.Errorf("upload: invalid storage key %q", key)
	}
	return filepath.Join(l.dir, filepath.FromSlash(key)), nil
}

// Put implements Storage.
func (l *Local) Put(ctx context.Context, key string, r io.Reader) (err error) {
	p, err := l.path(key)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p), 0o750); err != nil {
		return fmt.Errorf("upload: put %s: %w", key, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(p), ".tmp-*")
	if err != nil {
		return fmt.Errorf("upload: put %s: %w", key, err)
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = io.Copy(tmp, ctxReader{ctx, r}); err != nil {
		return fmt.Errorf("upload: put %s: %w", key, err)
	}
	if err = tmp.Sync(); err != nil {
		return fmt.Errorf("upload: put %s: %w", key, err)
	}
	if err = tmp.Close(); err != nil {
		return fmt.Errorf("upload: put %s: %w", key, err)
	}
	if err = os.Rename(tmp.Name(), p); err != nil {
		return fmt.Errorf("upload: put %s: %w", key, err)
	}
	return nil
}

// Open implements Storage.
func (l *Local) Open(_ context.Context, key string) (io.ReadCloser, error) {
	p, err := l.path(key)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, fmt.Errorf("upload: open %s: %w", key, err)
	}
	return f, nil
}

// Delete implements Storage.
func (l *Local) Delete(_ context.Context, key string) error {
	p, err := l.path(key)
	if err != nil {
		return err
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("upload: delete %s: %w", key, err)
	}
	return nil
}

// ctxReader stops a copy when the request is cancelled or times out.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// List implements Lister: it walks the directory and reports every key last modified before
// before, and removes the temporary files of writes interrupted before then.
func (l *Local) List(ctx context.Context, before time.Time, fn func(key string) error) error {
	return filepath.WalkDir(l.dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if !info.ModTime().Before(before) {
			return nil
		}
		if strings.HasPrefix(d.Name(), ".tmp-") {
			if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
			return nil
		}
		rel, err := filepath.Rel(l.dir, p)
		if err != nil {
			return err
		}
		key := filepath.ToSlash(rel)
		if !keyRE.MatchString(key) {
			return nil // not ours; leave it
		}
		return fn(key)
	})
}
