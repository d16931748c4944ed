package notice

import (
	"os"
	"testing"

	"huixiang/internal/testenv"
)

// TestMain lends each test a database from a pool and drops the pool's databases at the end
// (testenv.Main).
func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }
