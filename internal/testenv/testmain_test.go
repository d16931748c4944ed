package testenv_test

import (
	"os"
	"testing"

	"huixiang/internal/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }
