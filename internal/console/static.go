package console

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"

	"github.com/gin-gonic/gin"
)

//go:embed static
var staticFS embed.FS

// assets are the console's static files under content-hashed names (console.3f2a9c1b.css), so
// that a browser may keep each for a year and still gets the new file after a release.
type assets struct {
	byHashed map[string]asset  // "console.3f2a9c1b.css" → file
	hashed   map[string]string // "console.css" → "console.3f2a9c1b.css"
}

type asset struct {
	body        []byte
	contentType string
}

// staticMaxAge is how long a browser keeps a static file: its name changes with its content.
const staticMaxAge = 365 * 24 * 3600

func loadAssets() (*assets, error) {
	as := &assets{byHashed: map[string]asset{}, hashed: map[string]string{}}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || strings.HasSuffix(p, "MANIFEST") {
			return err
		}
		body, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		name := path.Base(p)
		ext := path.Ext(name)
		if strings.HasSuffix(name, ".min.js") {
			ext = ".min.js"
		}
		hashedName := strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:4]) + ext
		if _, dup := as.hashed[name]; dup {
			return fmt.Errorf("console: two static files named %s", name)
		}
		ct := mime.TypeByExtension(path.Ext(name))
		if ct == "" {
			ct = "application/octet-stream"
		}
		as.hashed[name] = hashedName
		as.byHashed[hashedName] = asset{body: body, contentType: ct}
		return nil
	})
	return as, err
}

// url is the address of the static file name ("console.css"); an unknown name is a template
// bug, caught when the page renders in tests.
func (as *assets) url(name string) (string, error) {
	h, ok := as.hashed[name]
	if !ok {
		return "", fmt.Errorf("console: no static file %q", name)
	}
	return "/console/static/" + h, nil
}

func (cs *Console) serveStatic(c *gin.Context) {
	a, ok := cs.assets.byHashed[c.Param("file")]
	if !ok {
		c.Header("Content-Type", "text/plain; charset=utf-8")
		c.String(http.StatusNotFound, "not found")
		return
	}
	c.Header("Cache-Control", fmt.Sprintf("public, max-age=%d, immutable", staticMaxAge))
	c.Data(http.StatusOK, a.contentType, a.body)
}
