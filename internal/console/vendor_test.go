package console

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
)

// TestVendorManifest: every vendored file is the one scripts/vendor-console.sh recorded (package,
// version, SHA-256), so a hand edit or a half-finished refresh fails here.
func TestVendorManifest(t *testing.T) {
	f, err := staticFS.Open("static/vendor/MANIFEST")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || strings.TrimSpace(line) == "" {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) != 4 {
			t.Fatalf("manifest line %q: want package version file sha256", line)
		}
		body, err := staticFS.ReadFile("static/vendor/" + fields[2])
		if err != nil {
			t.Fatalf("%s: %v", fields[2], err)
		}
		sum := sha256.Sum256(body)
		if got := hex.EncodeToString(sum[:]); got != fields[3] {
			t.Errorf("%s (%s@%s): sha256 %s, manifest says %s; run scripts/vendor-console.sh", fields[2], fields[0], fields[1], got, fields[3])
		}
		n++
	}
	if n < 2 {
		t.Fatalf("manifest lists %d files, want htmx and echarts", n)
	}
}
