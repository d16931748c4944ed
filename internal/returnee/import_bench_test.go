package returnee_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"huixiang/internal/account"
	"huixiang/internal/actor"
	"huixiang/internal/person"
	"huixiang/internal/pii"
	"huixiang/internal/region"
	"huixiang/internal/returnee"
	"huixiang/internal/testenv"
	"huixiang/internal/wechat"
)

// idNumber returns a valid identity card number for seq (up to 10^7 distinct).
func idNumber(seq int) string {
	// A real birth date per thousand: 1950-01-01 plus (seq / 1000) days.
	birth := time.Date(1950, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, seq/1000)
	s17 := fmt.Sprintf("421202%s%03d", birth.Format("20060102"), seq%1000)
	w := []int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := range 17 {
		sum += int(s17[i]-'0') * w[i]
	}
	return s17 + string("10X98765432"[sum%11])
}

type noUsers struct{}

func (noUsers) Identity(context.Context, int64) (account.Identity, error) {
	return account.Identity{}, nil
}

type passAll struct{}

func (passAll) CheckText(context.Context, string, string) (wechat.Verdict, error) {
	return wechat.VerdictPass, nil
}

var names = []string{"张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄强", "周杰", "吴霞"}

// writeSheet generates rows data rows in the template's layout, spread over the demo regions.
func writeSheet(b *testing.B, rows int) []byte {
	f := excelize.NewFile()
	defer f.Close()
	sw, _ := f.NewStreamWriter("Sheet1")
	sw.SetRow("A1", []any{"姓名", "身份证号", "手机号", "乡镇（街道）", "村（社区）", "当前状态", "返乡时间", "技能", "创业意向", "意向领域", "需求", "技能描述"})
	for i := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		tw := 990101 + i%2
		sw.SetRow(cell, []any{names[i%len(names)], idNumber(i), fmt.Sprintf("139%08d", i), strconv.Itoa(tw), fmt.Sprintf("%d%03d", tw, 1+i%2),
			"已返乡", "2025-03-01", "电工、焊工", "筹备中", "茶叶", "资金、培训", "会电焊"})
	}
	sw.Flush()
	var buf bytes.Buffer
	f.Write(&buf)
	return buf.Bytes()
}

// BenchmarkImport100k imports a generated 100,000-row spreadsheet into a fresh database and
// reports wall time and the process's peak RSS during the import (VmHWM, reset after the
// sheet is generated). Run: go test -run '^$' -bench Import100k -benchtime 1x ./internal/returnee/
func BenchmarkImport100k(b *testing.B) {
	rows := 100_000
	if v := os.Getenv("HX_BENCH_IMPORT_ROWS"); v != "" {
		rows, _ = strconv.Atoi(v)
	}
	db := testenv.MySQL(b)
	ctx := context.Background()
	district := "990100"
	region.Upsert(ctx, db, region.Region{Code: district, Level: 1, Name: "咸安区"}, 0)
	for _, tw := range []string{"990101", "990102"} {
		region.Upsert(ctx, db, region.Region{Code: tw, ParentCode: &district, Level: 2, Name: "镇" + tw}, 0)
		for j := 1; j <= 2; j++ {
			region.Upsert(ctx, db, region.Region{Code: fmt.Sprintf("%s%03d", tw, j), ParentCode: &tw, Level: 3, Name: "村"}, j)
		}
	}
	key := make([]byte, 32)
	rand.Read(key)
	box, _ := pii.New(key)
	svc := returnee.NewService(db, person.NewStore(box), region.NewService(db, time.Minute), noUsers{}, passAll{}, slog.New(slog.NewTextHandler(io.Discard, nil)), 180, 100_000, time.Minute)
	data := writeSheet(b, rows)
	b.Logf("sheet: %d rows, %.1f MB", rows, float64(len(data))/1e6)
	resetPeakRSS()
	b.ResetTimer()
	for range b.N {
		start := time.Now()
		rep, err := svc.Import(ctx, actor.Staff(1, "bench", actor.DistrictAdmin, "", ""), "bench.xlsx", bytes.NewReader(data), int64(len(data)))
		if err != nil {
			b.Fatal(err)
		}
		if rep.RowsFailed != 0 || rep.RowsCreated+rep.RowsUpdated != rows {
			b.Fatalf("report: %+v", rep.Errors[:min(3, len(rep.Errors))])
		}
		b.ReportMetric(time.Since(start).Seconds(), "s/import")
		b.ReportMetric(float64(rows)/time.Since(start).Seconds(), "rows/s")
	}
	b.ReportMetric(peakRSSMB(), "peakRSS_MB")
}

// resetPeakRSS clears the kernel's high-water mark of this process's RSS (Linux).
func resetPeakRSS() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

func peakRSSMB() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			kb, _ := strconv.Atoi(strings.Fields(line)[1])
			return float64(kb) / 1024
		}
	}
	return -1
}
